"""core/protocol.py: the engine <-> window message format round-trips, signs, and refuses bad input safely."""

from __future__ import annotations

import ast
import json
import math
import multiprocessing
import re
import socket
import threading
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from core import protocol
from core.protocol import (
    PROTOCOL_VERSION,
    Channel,
    Message,
    ProtocolError,
    decode,
    encode,
    flatten_arrays,
    unflatten_arrays,
)

KEY = b"a shared secret"
TIMEOUT_S = 60  # only a failing wait takes this long: the machine running the tests may be slow and shared


def roundtrip(msg: Message, key: bytes | None = None, rkey: bytes | None = None) -> Message:
    # bytes() copies, as the wire would: decoded arrays must not depend on the sender's memory.
    return decode([bytes(f) for f in encode(msg, key)], key if rkey is None else rkey)


def assert_same_arrays(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for name, a in want.items():
        a = np.asarray(a)
        b = got[name]
        assert b.shape == a.shape, name
        assert b.dtype == a.dtype.newbyteorder("="), name
        assert np.array_equal(b, a), name


def header_of(frames) -> dict:
    return json.loads(bytes(frames[0]))


def frames_with_header(header: dict, *rest) -> list[bytes]:
    return [json.dumps(header).encode(), *rest]


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "array",
    [
        np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
        np.random.default_rng(0).normal(size=(2, 3, 5)),
        np.arange(-5, 5, dtype=np.int64),
        np.arange(256, dtype=np.uint8),
        np.array([True, False, True]),
        np.array(["vae", "gan", "realnvp"]),
        np.array(3.25),  # 0-d
        np.array(7, dtype=np.int32),
        np.zeros((0, 4), np.float32),  # empty
        np.zeros(0, np.uint8),
        np.arange(6, dtype=">f8"),  # big-endian input arrives in native order
        np.arange(12, dtype=np.float64).reshape(3, 4).T,  # not C-contiguous
        np.float16([1.5, -2.0]),
    ],
    ids=lambda a: f"{a.dtype.str}{list(a.shape)}",
)
def test_array_round_trip_keeps_dtype_shape_and_values(array):
    got = roundtrip(Message("weights", arrays={"x": array}))
    assert_same_arrays(got.arrays, {"x": array})


def test_message_fields_and_several_arrays_round_trip():
    arrays = {"a": np.ones(3), "b/c": np.arange(4, dtype=np.uint8), "d": np.array(["x"])}
    msg = Message("rows", run="run-7", seq=42, body={"step": 10, "names": ["loss"], "ok": True, "none": None},
                  arrays=arrays)  # fmt: skip
    got = roundtrip(msg)
    assert (got.kind, got.run, got.seq) == ("rows", "run-7", 42)
    assert got.body == msg.body
    assert_same_arrays(got.arrays, arrays)


def test_decoded_arrays_are_writable_copies():
    src = np.arange(10, dtype=np.float32)
    frames = encode(Message("w", arrays={"x": src}))
    got = decode(frames)  # straight from the zero-copy frames
    got.arrays["x"][0] = 99
    assert src[0] == 0
    assert got.arrays["x"].flags.writeable


def test_encode_does_not_copy_big_contiguous_arrays():
    big = np.random.default_rng(1).random(1_000_000)  # 8 MB of float64
    frames = encode(Message("weights", arrays={"w": big}))
    assert isinstance(frames[1], memoryview)
    assert np.shares_memory(np.frombuffer(frames[1], np.float64), big)
    got = decode([bytes(f) for f in frames])
    assert np.array_equal(got.arrays["w"], big)


def test_body_nan_and_infinities_survive():
    got = roundtrip(Message("event", body={"loss": float("nan"), "hi": float("inf"), "lo": -math.inf}))
    assert math.isnan(got.body["loss"])
    assert got.body["hi"] == math.inf and got.body["lo"] == -math.inf


def test_numpy_scalars_in_body_are_sent_as_python_values():
    got = roundtrip(Message("event", body={"lr": np.float32(0.5), "step": np.int64(3)}))
    assert got.body == {"lr": 0.5, "step": 3}


def test_flatten_and_unflatten_nested_arrays():
    nested = {"a": np.ones(2), "w": {"x": np.zeros((2, 2)), "deep": {"y": np.arange(3)}}, "s": 1.5, "b": True}
    flat = flatten_arrays(nested)
    assert sorted(flat) == ["a", "b", "s", "w/deep/y", "w/x"]
    assert all(isinstance(v, np.ndarray) for v in flat.values())
    assert flat["s"].shape == () and flat["s"] == 1.5
    assert flat["b"].shape == () and flat["b"].dtype == np.bool_
    assert flatten_arrays({"k": np.float32(2)})["k"].dtype == np.float32
    assert flatten_arrays({"k": 3}, prefix="p/") == {"p/k": np.asarray(3)}
    back = unflatten_arrays(roundtrip(Message("weights", arrays=flat)).arrays)
    assert back.keys() == nested.keys() and back["w"].keys() == nested["w"].keys()
    assert np.array_equal(back["w"]["deep"]["y"], nested["w"]["deep"]["y"])
    assert back["s"] == 1.5


@pytest.mark.parametrize("bad", [{"a/b": np.ones(1)}, {"": np.ones(1)}, {"x": "text"}, {"x": [1, 2]}])
def test_flatten_refuses_ambiguous_keys_and_non_arrays(bad):
    with pytest.raises(ProtocolError):
        flatten_arrays(bad)


def test_unflatten_refuses_a_name_that_is_both_array_and_group():
    with pytest.raises(ProtocolError):
        unflatten_arrays({"a": np.ones(1), "a/b": np.ones(1)})
    with pytest.raises(ProtocolError):
        unflatten_arrays({"a/b": np.ones(1), "a": np.ones(1)})


# ---------------------------------------------------------------- signing


def test_signed_round_trip_and_signed_flag_in_header():
    frames = encode(Message("cmd", body={"op": "start"}, arrays={"x": np.ones(3)}), KEY)
    assert header_of(frames)["signed"] is True
    assert len(frames) == 3  # header, one array, signature
    assert decode(frames, KEY).body == {"op": "start"}
    assert header_of(encode(Message("cmd")))["signed"] is False


def test_wrong_key_is_refused():
    with pytest.raises(ProtocolError, match="signature"):
        roundtrip(Message("cmd"), KEY, rkey=b"another key")


def test_unsigned_message_refused_when_a_key_is_expected():
    with pytest.raises(ProtocolError, match="unsigned"):
        decode(encode(Message("cmd")), KEY)


def test_signature_is_ignored_without_a_key():
    assert decode(encode(Message("cmd", body={"a": 1}), KEY)).body == {"a": 1}


def test_tampered_buffer_header_or_signature_refused():
    frames = [bytearray(f) for f in encode(Message("w", arrays={"x": np.zeros(8)}), KEY)]
    for i in range(len(frames)):
        bad = [bytes(f) for f in frames]
        bad[i] = bytes(bad[i][:-1]) + bytes([bad[i][-1] ^ 1]) if i else bad[i].replace(b'"w"', b'"v"')
        with pytest.raises(ProtocolError, match="signature"):
            decode(bad, KEY)
    # Frame boundaries are signed too: the same bytes split differently give a different digest.
    assert protocol._mac(KEY, [b"ab", b"c"]) != protocol._mac(KEY, [b"a", b"bc"])


def test_empty_key_is_refused_rather_than_silently_weak():
    with pytest.raises(ProtocolError):
        encode(Message("cmd"), b"")


# ---------------------------------------------------------------- malformed input

GOOD = {"v": 1, "kind": "k", "run": "", "seq": 1, "body": {}, "arrays": [], "signed": False}
X = {"name": "x", "dtype": "<f4", "shape": [2]}

MALFORMED = {
    "not json": [b"\x80not json{"],
    "not utf-8": [b"\xff\xfe"],
    "json list": [b"[1, 2]"],
    "json string": [b'"hello"'],
    "deep nesting": [b"[" * 100_000 + b"]" * 100_000],
    "no version": frames_with_header({k: v for k, v in GOOD.items() if k != "v"}),
    "version 2": frames_with_header({**GOOD, "v": 2}),
    "version as string": frames_with_header({**GOOD, "v": "1"}),
    "missing kind": frames_with_header({k: v for k, v in GOOD.items() if k != "kind"}),
    "missing arrays": frames_with_header({k: v for k, v in GOOD.items() if k != "arrays"}),
    "missing signed": frames_with_header({k: v for k, v in GOOD.items() if k != "signed"}),
    "kind not str": frames_with_header({**GOOD, "kind": 3}),
    "seq is float": frames_with_header({**GOOD, "seq": 1.5}),
    "seq is bool": frames_with_header({**GOOD, "seq": True}),
    "body is list": frames_with_header({**GOOD, "body": []}),
    "arrays is dict": frames_with_header({**GOOD, "arrays": {}}),
    "signed is int": frames_with_header({**GOOD, "signed": 1}),
    "spec not dict": frames_with_header({**GOOD, "arrays": ["x"]}, b""),
    "spec without shape": frames_with_header({**GOOD, "arrays": [{"name": "x", "dtype": "<f4"}]}, b""),
    "negative shape": frames_with_header({**GOOD, "arrays": [{**X, "shape": [-2]}]}, b""),
    "float shape": frames_with_header({**GOOD, "arrays": [{**X, "shape": [2.0]}]}, b"\0" * 8),
    "too many dims": frames_with_header({**GOOD, "arrays": [{**X, "shape": [1] * 40}]}, b"\0" * 4),
    "duplicate names": frames_with_header({**GOOD, "arrays": [X, X]}, b"\0" * 8, b"\0" * 8),
    "too few frames": frames_with_header({**GOOD, "arrays": [X]}),
    "too many frames": frames_with_header(GOOD, b"extra"),
    "buffer too short": frames_with_header({**GOOD, "arrays": [X]}, b"\0" * 7),
    "buffer too long": frames_with_header({**GOOD, "arrays": [X]}, b"\0" * 9),
    "huge shape": frames_with_header({**GOOD, "arrays": [{**X, "shape": [2**62, 2**62]}]}, b"\0" * 8),
    "object dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "|O"}]}, b"\0" * 16),
    "void dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "|V4"}]}, b"\0" * 8),
    "structured dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "[('a', '<f4')]"}]}, b"\0" * 8),
    "big-endian dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": ">f4"}]}, b"\0" * 8),
    "complex dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "<c8"}]}, b"\0" * 16),
    "datetime dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "<M8"}]}, b"\0" * 16),
    "bytes dtype": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "|S4"}]}, b"\0" * 8),
    "nonexistent width": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "<f3"}]}, b"\0" * 6),
    "absurd unicode width": frames_with_header({**GOOD, "arrays": [{**X, "dtype": "<U999999999"}]}, b"\0" * 8),
    "no frames": [],
}


@pytest.mark.parametrize("frames", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_messages_raise_protocol_error_only(frames):
    with pytest.raises(ProtocolError):
        decode(frames)


def test_unknown_version_error_says_what_is_spoken():
    with pytest.raises(
        ProtocolError, match=f"protocol version 2 is not supported; this genviz speaks {PROTOCOL_VERSION}"
    ):
        decode(MALFORMED["version 2"])


def test_dtype_error_says_what_is_allowed():
    with pytest.raises(ProtocolError, match="allowed"):
        decode(MALFORMED["object dtype"])


@pytest.mark.parametrize("order", ["<", "|", "="])
def test_accepted_byte_orders(order):
    dtype = "u1" if order == "|" else "f4"
    data = np.arange(2, dtype="<" + dtype)
    frames = frames_with_header({**GOOD, "arrays": [{**X, "dtype": order + dtype}]}, data.tobytes())
    assert np.array_equal(decode(frames).arrays["x"], data)


@pytest.mark.parametrize(
    "arrays",
    [
        {"o": np.array([{}, None], dtype=object)},
        {"v": np.zeros(2, dtype=[("a", "<f4")])},
        {"c": np.ones(2, np.complex64)},
        {"s": np.array([b"ab"])},
        {3: np.ones(1)},
    ],
    ids=["object", "structured", "complex", "bytes", "non-str name"],
)
def test_encode_refuses_unsupported_arrays(arrays):
    with pytest.raises(ProtocolError, match="allowed"):
        encode(Message("w", arrays=arrays))


@pytest.mark.parametrize("body", [{"x": object()}, {"x": {1, 2}}, {"x": b"bytes"}])
def test_encode_refuses_non_json_body(body):
    with pytest.raises(ProtocolError, match="JSON"):
        encode(Message("event", body=body))


# ---------------------------------------------------------------- Channel


def socketpair_connections():
    a, b = socket.socketpair()
    # Connection takes ownership of a duplicate of each fd; close the originals.
    ca, cb = Connection(a.detach()), Connection(b.detach())
    return ca, cb


@pytest.fixture(params=["pipe", "socketpair"])
def conns(request):
    a, b = multiprocessing.Pipe() if request.param == "pipe" else socketpair_connections()
    yield a, b
    a.close()
    b.close()


def test_channel_round_trip_and_seq_increments(conns):
    a, b = Channel(conns[0]), Channel(conns[1])
    w = np.random.default_rng(2).random((500, 2000))  # 8 MB: bigger than any pipe buffer, so send in a thread
    msgs = [Message("hello", body={"n": 0}), Message("weights", run="r1", arrays={"w": w}), Message("cmd")]
    sender = threading.Thread(target=lambda: [a.send(m) for m in msgs], daemon=True)  # daemon: a failure can't hang
    sender.start()
    got = [b.recv() for _ in msgs]
    sender.join(TIMEOUT_S)
    assert not sender.is_alive()  # its bytes_sent is counted once each send returned
    assert [m.seq for m in msgs] == [1, 2, 3]  # assigned on the caller's Message
    assert [m.seq for m in got] == [1, 2, 3]
    assert [m.kind for m in got] == ["hello", "weights", "cmd"]
    assert np.array_equal(got[1].arrays["w"], w) and got[1].run == "r1"
    assert a.bytes_sent == b.bytes_received > w.nbytes
    assert not b.poll(0)


def test_channel_both_directions_have_their_own_seq(conns):
    a, b = Channel(conns[0]), Channel(conns[1])
    a.send(Message("cmd"))
    b.send(Message("event"))
    a.send(Message("cmd"))
    assert [b.recv().seq, b.recv().seq] == [1, 2]
    assert a.recv().seq == 1


def test_channel_concurrent_senders_do_not_interleave(conns):
    a, b = Channel(conns[0]), Channel(conns[1])
    per_thread, threads = 60, 2

    def send_many(tid):
        for i in range(per_thread):
            # Several frames each, with sizes that differ, so interleaving would garble or misframe.
            arrays = {"x": np.full(5000 + 37 * i, tid, np.int64), "y": np.full((i % 5, 3), i, np.float32)}
            a.send(Message("rows", run=f"t{tid}", body={"i": i}, arrays=arrays))

    got = []
    receiver = threading.Thread(target=lambda: got.extend(b.recv() for _ in range(per_thread * threads)), daemon=True)
    receiver.start()
    senders = [threading.Thread(target=send_many, args=(t,), daemon=True) for t in range(threads)]
    for t in senders:
        t.start()
    receiver.join(timeout=TIMEOUT_S)  # done once every message arrived, which needs every sender done too
    assert not receiver.is_alive(), "receiver stuck: frames were lost or interleaved"
    assert len(got) == per_thread * threads
    assert [m.seq for m in got] == list(range(1, per_thread * threads + 1))  # seq order is wire order
    for tid in range(threads):
        mine = [m for m in got if m.run == f"t{tid}"]
        assert [m.body["i"] for m in mine] == list(range(per_thread))  # each thread's messages, whole, in order
        for m in mine:
            i = m.body["i"]
            assert np.array_equal(m.arrays["x"], np.full(5000 + 37 * i, tid))
            assert m.arrays["y"].shape == (i % 5, 3) and np.all(m.arrays["y"] == i)


def test_channel_signed_and_key_mismatches(conns):
    a, b = Channel(conns[0], KEY), Channel(conns[1], KEY)
    a.send(Message("cmd", arrays={"x": np.ones(4)}))
    assert np.array_equal(b.recv().arrays["x"], np.ones(4))
    Channel(conns[0], b"wrong").send(Message("cmd", arrays={"x": np.ones(4)}))
    with pytest.raises(ProtocolError, match="signature"):
        b.recv()
    Channel(conns[0]).send(Message("cmd"))
    with pytest.raises(ProtocolError, match="unsigned"):
        b.recv()
    a.send(Message("next"))
    assert b.recv().kind == "next"  # the refused messages' frames were all consumed


def raw_send(conn, frames):
    for f in frames:
        conn.send_bytes(f)


# Frame-count mismatches cannot be sent as such on a stream: too few would make the receiver wait for the next
# message's frames, too many would be the next message.
CHANNEL_MALFORMED = {k: v for k, v in MALFORMED.items() if k not in ("too few frames", "too many frames", "no frames")}


@pytest.mark.parametrize("frames", CHANNEL_MALFORMED.values(), ids=CHANNEL_MALFORMED.keys())
def test_channel_refuses_malformed_then_receives_the_next_good_message(conns, frames):
    a, b = conns
    ch = Channel(b)
    raw_send(a, frames)
    with pytest.raises(ProtocolError):
        ch.recv()
    Channel(a).send(Message("good", body={"ok": 1}, arrays={"z": np.arange(3)}))
    got = ch.recv()
    assert got.kind == "good" and np.array_equal(got.arrays["z"], np.arange(3))


def test_channel_consumes_a_future_version_message_whole(conns):
    a, b = conns
    ch = Channel(b)
    future = {**GOOD, "v": 2, "arrays": [X, {**X, "name": "y"}], "new_field": {"x": 1}}
    raw_send(a, frames_with_header(future, b"\0" * 8, b"\0" * 8))
    with pytest.raises(ProtocolError, match="version 2"):
        ch.recv()
    Channel(a).send(Message("good"))
    assert ch.recv().kind == "good"


def test_channel_refuses_an_oversized_header_and_reports_eof_after(monkeypatch, conns):
    monkeypatch.setattr(protocol, "MAX_HEADER_BYTES", 1024)
    a, b = conns
    ch = Channel(b)
    a.send_bytes(b" " * 5000)
    with pytest.raises(ProtocolError, match="over 1024 bytes"):
        ch.recv()
    with pytest.raises(EOFError):  # the stream cannot be resynchronised; the link loop sees a disconnect
        ch.recv()


def test_channel_recv_raises_eof_when_the_peer_closes(conns):
    a, b = conns
    ch = Channel(b)
    Channel(a).send(Message("bye"))
    a.close()
    assert ch.poll(1.0)
    assert ch.recv().kind == "bye"
    with pytest.raises(EOFError):
        ch.recv()


def test_channel_poll_and_close():
    a, b = multiprocessing.Pipe()
    ca, cb = Channel(a), Channel(b)
    assert cb.poll() is False
    ca.send(Message("x"))
    assert cb.poll(None) is True
    ca.close()
    cb.close()
    assert a.closed and b.closed


def test_channel_over_tcp_client_listener():
    from multiprocessing.connection import Client, Listener

    with Listener(("127.0.0.1", 0)) as listener:
        box = {}
        t = threading.Thread(target=lambda: box.setdefault("c", listener.accept()), daemon=True)
        t.start()
        client = Client(listener.address)
        t.join(TIMEOUT_S)
        server = box["c"]
        Channel(client, KEY).send(Message("hello", arrays={"a": np.eye(3)}))
        assert np.array_equal(Channel(server, KEY).recv().arrays["a"], np.eye(3))
        client.close()
        server.close()


# ---------------------------------------------------------------- no pickle


class BytesOnlyConnection:
    """A connection whose pickling send/recv explode: Channel must use only the *_bytes methods."""

    def __init__(self):
        self.frames: list[bytes] = []

    def send(self, obj):
        raise AssertionError("Channel called conn.send, which pickles")

    def recv(self):
        raise AssertionError("Channel called conn.recv, which unpickles")

    def send_bytes(self, buf):
        self.frames.append(bytes(buf))

    def recv_bytes(self, maxlength=None):
        if not self.frames:
            raise EOFError
        return self.frames.pop(0)

    def poll(self, timeout=0.0):
        return bool(self.frames)

    def close(self):
        pass


def test_channel_uses_only_send_bytes_and_recv_bytes():
    conn = BytesOnlyConnection()
    ch = Channel(conn, KEY)
    ch.send(Message("weights", body={"a": [1, 2]}, arrays={"w": np.ones((2, 2), np.float32)}))
    assert len(conn.frames) == 3
    assert ch.poll()
    got = ch.recv()
    assert got.body == {"a": [1, 2]} and np.array_equal(got.arrays["w"], np.ones((2, 2)))
    with pytest.raises(EOFError):
        ch.recv()


def test_protocol_module_never_imports_pickle_or_qt():
    source = Path(protocol.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert not imported & {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve"}
    assert not imported & {"PySide6", "pyqtgraph", "PyQt5", "PyQt6"}
    assert not re.search(r"\bpickle\.|allow_pickle", source)
    assert ".send(" not in source and ".recv(" not in source  # only send_bytes/recv_bytes on the connection
