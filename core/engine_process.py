"""The engine in a process of its own: `python -m core.engine_process --fd N`.

The window starts it with one end of a socket pair as file descriptor N. Three threads:
  * the main thread runs Engine.serve(), the training loop, which never waits for the window;
  * a reader decodes commands from the socket and hands them to Engine.command();
  * a sender takes messages from an Outbox and writes them to the socket; when the window reads
    slowly, it is this thread that waits, and the Outbox keeps only the newest weights.
When the window goes away (the socket closes), the engine stops and the process exits.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

# Before torch loads OpenMP: idle worker threads sleep instead of spinning (see main.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from multiprocessing.connection import Connection  # noqa: E402

from core.outbox import Outbox  # noqa: E402
from core.protocol import PROTOCOL_VERSION, Channel, Message, ProtocolError  # noqa: E402


def serve_channel(channel: Channel, device: str | None = None) -> None:
    """Run an engine that talks over `channel` until told to shut down or the peer closes."""
    import torch

    from core.engine import Engine, torch_threads_for_engine

    torch.set_num_threads(torch_threads_for_engine())
    outbox = Outbox()
    engine = Engine(outbox.put, device=device)
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                msg = channel.recv()
            except ProtocolError as exc:  # refused, logged, never acted on
                print(f"genviz engine: refused a message: {exc}", file=sys.stderr)
                continue
            except (EOFError, OSError):  # the window is gone
                break
            engine.command(msg)
        engine.command(Message("cmd", body={"op": "shutdown"}))

    def send() -> None:
        while True:
            msg = outbox.get(timeout=0.5)
            if msg is None:
                if done.is_set():
                    return
                continue
            try:
                channel.send(msg)
            except (OSError, EOFError, ValueError):
                return

    reader = threading.Thread(target=read, name="genviz-engine-reader", daemon=True)
    sender = threading.Thread(target=send, name="genviz-engine-sender", daemon=True)
    reader.start()
    sender.start()
    outbox.put(Message("hello", body={"version": PROTOCOL_VERSION, "pid": os.getpid(),
                                      "torch_threads": torch.get_num_threads(),
                                      "cuda": torch.cuda.is_available()}))
    try:
        engine.serve()
    finally:
        done.set()
        outbox.close()
        sender.join(timeout=2.0)  # let the last messages (a save's event, the final rows) out
        channel.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.engine_process")
    parser.add_argument("--fd", type=int, required=True, help="the socket inherited from the window")
    parser.add_argument("--device", default=None, help="override train.device (auto, cpu, cuda, mps)")
    args = parser.parse_args(argv)
    serve_channel(Channel(Connection(args.fd)), device=args.device)
    # Everything is sent and saved: skip the interpreter's and torch's slow teardown (~0.3 s), which
    # the window would otherwise wait for on every Reset and close.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
