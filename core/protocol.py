"""The message format between the training engine and the window, which may live in another process or host.

Modelled on Jupyter's wire protocol: a UTF-8 JSON header frame, then one frame of raw C-contiguous bytes per
array, then, when a key is set, an HMAC-SHA256 frame over all the frames before it. No pickle anywhere: a
peer on a socket must never be able to make us run code, so only JSON and a short allow-list of dtypes are
decoded, and every malformed input becomes a ProtocolError rather than some other exception.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import struct
import threading
from dataclasses import dataclass, field

import numpy as np

PROTOCOL_VERSION = 1
MAX_HEADER_BYTES = 16 * 2**20  # a header is JSON metadata; anything bigger is garbage or an attack
_DTYPE_RE = re.compile(r"[<|=][biuf]\d{1,2}|[<=]U\d{1,9}")  # no object 'O' (pickle), no void 'V', no '>'
_ALLOWED = "bool/int/uint/float (b, i, u, f) or fixed-width unicode (U), byte order '<', '|' or '='"
_MAX_NDIM = 32  # numpy's lowest limit across versions


class ProtocolError(ValueError):
    """A message that is malformed, of an unknown version, badly signed or carries a refused dtype."""


@dataclass
class Message:
    kind: str  # e.g. "cmd", "rows", "weights", "event", "state", "built", "hello"
    run: str = ""  # run id; "" = connection level
    seq: int = 0  # set by Channel.send
    body: dict = field(default_factory=dict)  # JSON-able
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # flat names, see flatten_arrays


def _mac(key: bytes, frames) -> bytes:
    if not key:
        raise ProtocolError("an empty key would sign nothing; pass None for unsigned messages")
    h = hmac.new(key, digestmod=hashlib.sha256)
    for f in frames:  # length-prefixed, so moving bytes across a frame boundary changes the digest
        mv = memoryview(f)
        h.update(struct.pack(">Q", mv.nbytes))
        h.update(mv)
    return h.hexdigest().encode()


def _json_default(o):
    if isinstance(o, np.generic):  # np.float32 etc. in a body: send the Python value
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-able")


def encode(msg: Message, key: bytes | None = None) -> list[bytes | memoryview]:
    if not (isinstance(msg.kind, str) and isinstance(msg.run, str) and isinstance(msg.body, dict)):
        raise ProtocolError("Message.kind and .run must be str and .body a dict")
    specs, buffers = [], []
    for name, a in msg.arrays.items():
        a = np.asarray(a)
        shape = list(a.shape)  # before ascontiguousarray, which may turn 0-d into 1-d
        if not isinstance(name, str) or a.dtype.kind not in "biufU":
            raise ProtocolError(f"array {name!r}: dtype {a.dtype} refused; allowed: {_ALLOWED}")
        wire = a.dtype.newbyteorder("<")  # little-endian on the wire; a no-op (no copy) on x86/ARM
        a = np.ascontiguousarray(a, dtype=wire)
        specs.append({"name": name, "dtype": wire.str, "shape": shape})
        # A uint8 view, not bytes(): big weight arrays go to the socket without a copy.
        buffers.append(memoryview(a.reshape(-1).view(np.uint8)) if a.nbytes else b"")
    header = {
        "v": PROTOCOL_VERSION,
        "kind": msg.kind,
        "run": msg.run,
        "seq": msg.seq,
        "body": msg.body,
        "arrays": specs,
        "signed": key is not None,
    }
    try:
        frames = [json.dumps(header, allow_nan=True, default=_json_default).encode(), *buffers]
    except (TypeError, ValueError, RecursionError) as e:
        raise ProtocolError(f"message body must be JSON-able (str, int, float, bool, None, list, dict): {e}") from e
    if key is not None:
        frames.append(_mac(key, frames))
    return frames


def _parse_header(frame) -> dict:
    """Frame 0 to a checked header dict."""
    try:
        h = json.loads(bytes(frame).decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"header is not UTF-8 JSON: {e}") from e
    if not isinstance(h, dict):
        raise ProtocolError(f"header must be a JSON object, got {type(h).__name__}")
    if "v" not in h:
        raise ProtocolError("header has no 'v' (protocol version)")
    if h["v"] != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {h['v']!r} is not supported; this genviz speaks {PROTOCOL_VERSION}")
    types = {"kind": str, "run": str, "seq": int, "body": dict, "arrays": list, "signed": bool}
    for name, typ in types.items():
        if name not in h:
            raise ProtocolError(f"header has no {name!r}; needs {', '.join(types)}")
        if not isinstance(h[name], typ) or (typ is int and isinstance(h[name], bool)):
            raise ProtocolError(f"header field {name!r} must be {typ.__name__}, got {type(h[name]).__name__}")
    for spec in h["arrays"]:
        ok = isinstance(spec, dict) and isinstance(spec.get("name"), str) and isinstance(spec.get("dtype"), str)
        shape = spec.get("shape") if ok else None
        if not (isinstance(shape, list) and len(shape) <= _MAX_NDIM and all(type(n) is int and n >= 0 for n in shape)):
            raise ProtocolError(
                f"array spec {spec!r:.200} must be {{'name': str, 'dtype': str, 'shape': [int >= 0, ...]}}"
            )
    if len({s["name"] for s in h["arrays"]}) != len(h["arrays"]):
        raise ProtocolError("array names in the header are not unique")
    return h


def _frames_after_header(frame) -> int:
    """How many frames follow a header, read leniently (not validated), so that a message decode will refuse,
    e.g. of another version, is still consumed whole and the stream stays in step."""
    try:
        h = json.loads(bytes(frame).decode("utf-8"))
    except (ValueError, RecursionError):
        return 0
    if not isinstance(h, dict) or not isinstance(h.get("arrays"), list):
        return 0
    return len(h["arrays"]) + (h.get("signed") is True)


def decode(frames: list[bytes], key: bytes | None = None) -> Message:
    if not frames:
        raise ProtocolError("no frames: a message has at least a header frame")
    h = _parse_header(frames[0])
    if len(frames) != 1 + len(h["arrays"]) + h["signed"]:
        n = len(h["arrays"]) + h["signed"]
        raise ProtocolError(f"header announces {n} frames after it, got {len(frames) - 1}")
    if key is not None:  # with a key, only correctly signed messages; without one, a signature is ignored
        if not h["signed"]:
            raise ProtocolError("message is unsigned but this end requires HMAC-SHA256 signatures")
        if not hmac.compare_digest(bytes(frames[-1]), _mac(key, frames[:-1])):
            raise ProtocolError("bad signature: wrong key or the message was altered")
    arrays = {}
    for spec, buf in zip(h["arrays"], frames[1 : 1 + len(h["arrays"])], strict=True):
        if not _DTYPE_RE.fullmatch(spec["dtype"]):
            raise ProtocolError(f"array {spec['name']!r}: dtype {spec['dtype']!r} refused; allowed: {_ALLOWED}")
        try:
            dtype = np.dtype(spec["dtype"])
        except (TypeError, ValueError, OverflowError) as e:  # a well-formed but nonexistent width, like '<f3'
            raise ProtocolError(f"array {spec['name']!r}: dtype {spec['dtype']!r} does not exist") from e
        buf = memoryview(buf).cast("B")
        want = math.prod(spec["shape"]) * dtype.itemsize
        if buf.nbytes != want:
            raise ProtocolError(
                f"array {spec['name']!r}: {buf.nbytes} bytes, but {dtype} x {spec['shape']} needs {want}"
            )
        # A writable copy in native byte order, so callers may keep and modify it after the frame is gone.
        native = dtype.newbyteorder("=")
        if want:
            arrays[spec["name"]] = np.frombuffer(buf, dtype).astype(native, copy=True).reshape(spec["shape"])
        else:  # frombuffer refuses empty input for some dtypes
            arrays[spec["name"]] = np.zeros(spec["shape"], native)
    return Message(kind=h["kind"], run=h["run"], seq=h["seq"], body=h["body"], arrays=arrays)


def flatten_arrays(nested: dict, prefix: str = "") -> dict[str, np.ndarray]:
    """{"a": arr, "w": {"x": arr}} -> {"a": arr, "w/x": arr}; scalars become 0-d arrays."""
    flat = {}
    for k, v in nested.items():
        if not isinstance(k, str) or not k or "/" in k:
            raise ProtocolError(f"array key {k!r} must be a non-empty str without '/' (the path separator)")
        if isinstance(v, dict):
            flat.update(flatten_arrays(v, prefix + k + "/"))
        elif isinstance(v, (np.ndarray, np.generic, bool, int, float)):
            flat[prefix + k] = np.asarray(v)
        else:
            raise ProtocolError(f"{prefix + k!r} is a {type(v).__name__}; expected a numpy array, scalar or dict")
    return flat


def unflatten_arrays(flat: dict[str, np.ndarray]) -> dict:
    nested: dict = {}
    for name, a in flat.items():
        *path, leaf = name.split("/")
        node = nested
        for part in path:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ProtocolError(f"{name!r} goes below {part!r}, which is an array")
        if leaf in node:
            raise ProtocolError(f"{name!r} is both an array and a group")
        node[leaf] = a
    return nested


class Channel:
    """Sends and receives Messages over a multiprocessing.connection.Connection (a Pipe, a socketpair wrapped
    with multiprocessing.connection.Connection(fd), or a Client/Listener TCP connection), using only
    send_bytes/recv_bytes: conn.send/recv would unpickle whatever the peer sends."""

    def __init__(self, conn, key: bytes | None = None):
        self.conn, self.key = conn, key
        self._send_lock = threading.Lock()  # a message is several frames; two senders must not interleave
        self._recv_lock = threading.Lock()
        self._seq = 0
        self._dead = False  # after an oversized header the stream cannot be resynchronised
        self.bytes_sent = 0
        self.bytes_received = 0

    def send(self, msg: Message) -> None:
        with self._send_lock:  # seq assignment and sending together, so seq order is wire order
            msg.seq = self._seq + 1
            frames = encode(msg, self.key)
            self._seq = msg.seq
            for f in frames:
                self.conn.send_bytes(f)
                self.bytes_sent += memoryview(f).nbytes

    def recv(self) -> Message:
        with self._recv_lock:
            if self._dead:
                raise EOFError("channel closed after an oversized header")
            try:
                header = self.conn.recv_bytes(MAX_HEADER_BYTES)
            except OSError as e:  # the stdlib refuses the frame and stops reading: the stream is lost
                if "bad message length" not in str(e):
                    raise
                self._dead = True
                raise ProtocolError(f"header frame over {MAX_HEADER_BYTES} bytes; channel unusable") from e
            self.bytes_received += len(header)
            # A header that is not JSON with an 'arrays' list says nothing of what follows: only it is consumed,
            # and raw buffers after it (if any) are each refused in turn as non-JSON headers.
            frames = [header]
            for _ in range(_frames_after_header(header)):
                frames.append(self.conn.recv_bytes())
                self.bytes_received += len(frames[-1])
            return decode(frames, self.key)

    def poll(self, timeout: float | None = 0.0) -> bool:
        return self.conn.poll(timeout)

    def close(self) -> None:
        self.conn.close()
