"""`python main.py engine --listen HOST:PORT [--model M --dataset D ... | RUN_DIR]`: the option handling.

Bad input (names, --listen, a port in use, an unreadable RUN_DIR or key file) raises ConfigError
before anything trains, and main.run turns it into one line on stderr and exit code 2. Then: bind,
build or load the model, serve it (core.engine_server), print the one line a person pastes on the
desktop, train. Ctrl-C or SIGTERM saves the run into the run root and exits 0.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import socket
import threading
import time
from pathlib import Path

from core.config import ConfigError, parse_assignments
from core.protocol import Message

LISTEN_HELP = "PORT, :PORT or HOST:PORT, e.g. 5555 (127.0.0.1), 0.0.0.0:5555 (every interface); port 0 picks a free one"
SAVE_TIMEOUT_S = 600.0  # the last save waits for the step in progress; a second Ctrl-C gives up


def parse_listen(text: str) -> tuple[str, int]:
    """'5555' or ':5555' -> 127.0.0.1 (never every interface unless told); 'HOST:PORT'; '[::1]:5555'."""
    body = text.strip().removeprefix("tcp://")
    host, sep, port = body.rpartition(":")
    if not sep:
        host, port = "", body
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"--listen {text!r} is not an address; allowed: {LISTEN_HELP}")
    return host, int(port)


def bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                          flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"--listen: host {host!r} is unknown ({exc.strerror}); allowed: {LISTEN_HELP}") from None
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "posix":  # a restarted engine may take its port back at once (a live listener still blocks it)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(16)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"--listen {host}:{port}: the port is in use; choose another (0 picks a free one)") from None
        raise ConfigError(f"--listen {host}:{port}: cannot listen there: {exc.strerror or exc}") from None
    return sock


def read_key(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise ConfigError(f"--key-file {str(path)!r} does not hold a readable hex key: {exc}") from None
    if len(key) < 16:
        raise ConfigError(f"--key-file {str(path)!r}: the key has {len(key)} bytes; at least 16")
    return key


def write_key(path: Path) -> bytes:
    key = secrets.token_bytes(32)
    try:  # 0600 from the first byte: never a moment when others could read it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.hex() + "\n")
    except OSError as exc:
        raise ConfigError(f"--key-file {str(path)!r}: cannot write a key there: {exc.strerror or exc}") from None
    return key


def _check_run(args):
    """The configuration (new model) or the saved run's metadata, checked before anything is bound."""
    from core.checkpoint import read_metadata
    from core.device import pick_device
    from core.presets import build_config

    if args.run_dir:
        if args.model or args.dataset or args.preset or args.set or args.seed is not None:
            raise ConfigError("RUN_DIR carries on a saved run with its own settings; give either RUN_DIR "
                              "or --model and --dataset (with --preset, --set, --seed)")
        cfg, _ = read_metadata(args.run_dir)
    elif args.model or args.dataset:
        if not (args.model and args.dataset):
            raise ConfigError("--model and --dataset go together (or give a RUN_DIR, or neither to wait for a window)")
        overrides = parse_assignments(args.set)
        for key, value in (("train.seed", args.seed), ("train.device", args.device), ("train.steps", args.steps)):
            if value is not None:
                overrides[key] = value
        cfg = build_config(args.model, args.dataset, args.preset, overrides)
    else:
        if args.preset or args.set or args.seed is not None or args.steps:
            raise ConfigError("--preset, --set, --seed and --steps need --model and --dataset (or RUN_DIR for --steps)")
        cfg = None
    pick_device(args.device or (cfg.train.device if cfg else "auto"))  # not available here: say so now
    return cfg


def _trainer(args, cfg, engine):
    from core.build import build_model
    from core.checkpoint import load_run, trainer_from_run
    from core.engine import weights_of
    from core.trainer import Trainer

    if args.run_dir:
        loaded = load_run(args.run_dir, device=args.device, timeline=True)
        cfg = loaded.cfg
        if args.steps:
            cfg.train.steps = args.steps
        return cfg, trainer_from_run(loaded, callbacks=engine, snapshot_source=weights_of, **engine.rates)
    return cfg, Trainer(build_model(cfg), callbacks=engine, snapshot_source=weights_of, **engine.rates)


def run_engine(args) -> int:
    import torch

    from core.engine import torch_threads_for_engine
    from core.engine_server import EngineServer, log

    # As the window's own engine does: for these small models a second OpenMP thread on a busy CPU
    # costs more than it gives (GAN ring8 on 2 cores: 84 steps/s with 2 threads, 204 with 1).
    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(torch_threads_for_engine())

    host, port = parse_listen(args.listen)
    cfg = _check_run(args)
    key_file = Path(args.key_file).expanduser() if args.key_file else None
    key = read_key(key_file) if key_file is not None and key_file.exists() else None
    listener = bind(host, port)
    try:
        root = Path(args.run_root or f"genviz-engine-run-{time.strftime('%Y%m%d-%H%M%S')}").expanduser().resolve()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--run-root {str(root)!r}: cannot make the folder: {exc.strerror or exc}") from None
        key_file = (key_file or root / "engine.key").resolve()
        if key is None:
            key = read_key(key_file) if key_file.exists() else write_key(key_file)
        server = EngineServer(listener, key, root, device=args.device, key_file=key_file)
        engine = server.engine
        engine.emit = _say_loop_ends(engine.emit)
        run_id = f"engine-{secrets.token_hex(4)}"
        if cfg is not None:
            cfg, trainer = _trainer(args, cfg, engine)
            engine.adopt(run_id, cfg, trainer, str(Path(args.run_dir).resolve()) if args.run_dir else None)
    except BaseException:
        listener.close()
        raise
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server.start()
    if cfg is not None:
        engine.command(Message("cmd", run_id, body={"op": "start", "paused": bool(args.paused)}))
    bound_host, bound_port = server.address[:2]
    shown = socket.gethostname() if bound_host in ("0.0.0.0", "::") else bound_host
    shown = f"[{shown}]" if ":" in shown else shown
    bound = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"genviz engine: listening on tcp://{bound}:{bound_port}; attach with: python main.py gui --attach "
          f"tcp://{shown}:{bound_port} --key-file {key_file}", flush=True)
    print(f"genviz engine: key (hex, as in {key_file}): {key.hex()}", flush=True)
    while not stop.wait(0.5) and server.train_thread.is_alive():
        pass
    # While saving: a second Ctrl-C gives up at once; a second SIGTERM (a process manager may send one
    # to the process and one to its group) must not cut the save short.
    signal.signal(signal.SIGINT, _give_up)
    signal.signal(signal.SIGTERM, lambda *_: log("already stopping: saving the run first"))
    return _save_and_exit(server, root)


def _say_loop_ends(emit):
    """The engine's emit, plus one line on stderr each time a training loop ends (--steps reached, or
    stopped): its steps, wall time and rate, as the engine measures them (bench reads it)."""
    from core.engine_server import log

    def emit_and_say(msg: Message) -> None:
        emit(msg)
        b = msg.body
        if msg.kind == "state" and "run_wall_s" in b:
            steps, wall = int(b["run_steps"]), float(b["run_wall_s"])
            log(f"trained {steps} steps in {wall:.3f} s ({steps / max(wall, 1e-9):.1f} steps/s)")

    return emit_and_say


def _give_up(*_) -> None:
    from core.engine_server import log

    log("second Ctrl-C: exiting without saving")
    os._exit(1)  # the training thread may be inside torch: no interpreter teardown around it


def _save_and_exit(server, root: Path) -> int:
    from core.engine_server import log

    engine = server.engine
    if engine.trainer is not None:
        log(f"stopping: saving the run to {root}")
        engine.command(Message("cmd", engine.accepted_run, body={"op": "save", "run_dir": str(root)}))
    engine.command(Message("cmd", body={"op": "shutdown"}))
    server.train_thread.join(SAVE_TIMEOUT_S)
    server.close()
    t = engine.trainer
    if t is None:
        return 0
    if engine.last_saved_dir != root or t.saved_step != t.step:
        log(f"could not save step {t.step} to {root} (see the error above)")
        return 1
    log(f"saved step {t.step} to {root}")
    return 0
