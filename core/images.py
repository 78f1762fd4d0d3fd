"""Image data sets: MNIST (bundled), Fashion-MNIST (downloaded once), a folder, or an array file.

Every set ends up as one tensor on the training device, so a batch is a slice of a
random permutation with no per-item Python work. Pixels are floats in [0, 1],
shaped (N, C, H, W). The epoch's permutation is derived from (seed, epoch), so the
cursor (position, epoch, seed) alone restores the exact next batch after a resume.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import urllib.error
import urllib.request
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from core.config import BINARIZE_CHOICES, ConfigError

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
MNIST_DIR = RESOURCES / "mnist"
SPLITS = {"train": ("train-images", "train-labels"), "test": ("t10k-images", "t10k-labels")}

# MD5 of the uncompressed bundled MNIST files (SPEC.md).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_URL_ENV = "GENVIZ_FASHION_MNIST_URL"
# MD5 of the gzipped Fashion-MNIST files as served.
FASHION_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}

DEFAULT_FOLDER_SIZE = 28  # folder images are resized to this square size unless data.image_size says otherwise
TEST_BINARIZE_SEED = 20_160_101  # binarize = dynamic: the test set's one fixed draw (any fixed number will do)
HOLDOUT = 0.1  # share of a folder / array kept as the test set when it has no test split of its own


# -- IDX files ---------------------------------------------------------------------------
def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (gzipped or raw, told apart by content) as an unsigned-byte array.

    The header is two zero bytes, a type code (0x08 = unsigned byte), the number of
    dimensions, then each size as a big-endian int32. Anything else is a ConfigError.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except OSError as exc:  # includes gzip.BadGzipFile
        raise ConfigError(f"{path.name}: cannot be read ({exc})") from None
    except (EOFError, zlib.error) as exc:
        raise ConfigError(f"{path.name}: the gzip data is truncated or corrupt ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ConfigError(f"{path.name}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    if raw[2] != 0x08:
        raise ConfigError(f"{path.name}: IDX type code 0x{raw[2]:02x} is not supported; only unsigned bytes (0x08)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ConfigError(f"{path.name}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions)")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(dims)
    if len(raw) - header != expected:
        raise ConfigError(f"{path.name}: holds {len(raw) - header} data bytes but its header "
                          f"{'x'.join(map(str, dims))} needs {expected} (truncated or corrupt file)")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def find_idx(folder: Path, stem: str, ndim: int) -> Path:
    """The IDX file for e.g. stem 'train-images' in either name style, gzipped or not."""
    names = [f"{stem}-idx{ndim}-ubyte", f"{stem}.idx{ndim}-ubyte"]
    for name in names:
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                return candidate
    raise ConfigError(f"{stem}: no {names[0]}[.gz] or {names[1]}[.gz] in {str(folder)!r}")


@lru_cache(maxsize=4)
def _load_idx_folder(folder: str, _mtime: float) -> tuple[np.ndarray, ...]:
    out = []
    for images_stem, labels_stem in SPLITS.values():
        images = read_idx(find_idx(Path(folder), images_stem, 3))
        labels = read_idx(find_idx(Path(folder), labels_stem, 1))
        if images.ndim != 3 or labels.ndim != 1:
            raise ConfigError(f"{images_stem}/{labels_stem} in {folder!r}: expected images N x H x W and labels N")
        if len(images) != len(labels):
            raise ConfigError(f"{images_stem} has {len(images)} images but {labels_stem} has {len(labels)} labels")
        out += [images[:, None], labels.astype(np.int64)]
    return tuple(out)


def load_idx_folder(folder: str | Path) -> tuple[np.ndarray, ...]:
    """(train_x uint8 N,1,H,W, train_y, test_x, test_y) of an MNIST-style folder; cached per process."""
    folder = Path(folder)
    mtime = max((p.stat().st_mtime for p in folder.iterdir()), default=0.0) if folder.is_dir() else 0.0
    return _load_idx_folder(str(folder), mtime)


# -- Fashion-MNIST download ------------------------------------------------------------------
class DownloadError(ConfigError):
    """A data set could not be fetched (no network, a server error or a bad checksum)."""


def fashion_mnist_dir(cache_dir: str | Path | None = None) -> Path:
    if cache_dir is None:
        import platformdirs

        cache_dir = platformdirs.user_cache_dir("genviz")
    return Path(cache_dir) / "fashion-mnist"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fashion_mnist_ready(cache_dir: str | Path | None = None) -> bool:
    """True when all four files are in the cache (so no download, and no dialog, is needed)."""
    folder = fashion_mnist_dir(cache_dir)
    return all((folder / name).is_file() for name in FASHION_MD5)


def download_fashion_mnist(progress=None, base_url: str | None = None, cache_dir: str | Path | None = None,
                           timeout: float = 30.0) -> Path:
    """Fetch the four Fashion-MNIST files into the cache (once) and return the folder.

    progress(file_name, bytes_done, bytes_total) is called as data arrives (total 0 when
    unknown), e.g. by a GUI dialog; it may return False to cancel. A tqdm bar shows in a
    terminal. Each file is checked against its MD5 before it is kept.
    """
    from tqdm import tqdm

    base = (base_url or os.environ.get(FASHION_URL_ENV) or FASHION_URL).rstrip("/") + "/"
    folder = fashion_mnist_dir(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, expected in FASHION_MD5.items():
        target = folder / name
        if target.is_file():
            continue
        part = target.with_name(name + ".part")
        try:
            with urllib.request.urlopen(base + name, timeout=timeout) as response, open(part, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                with tqdm(total=total or None, unit="B", unit_scale=True, desc=name, disable=None, leave=False) as bar:
                    while chunk := response.read(1 << 16):
                        out.write(chunk)
                        done += len(chunk)
                        bar.update(len(chunk))
                        if progress is not None and progress(name, done, total) is False:
                            raise DownloadError("Fashion-MNIST download cancelled")
        except urllib.error.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise DownloadError(f"Fashion-MNIST: the server answered {exc.code} {exc.reason} for {base + name}") from None
        except (urllib.error.URLError, OSError) as exc:
            part.unlink(missing_ok=True)
            reason = getattr(exc, "reason", exc)
            raise DownloadError(
                f"Fashion-MNIST needs a one-time download but there is no network ({base + name}: {reason}); "
                "the built-in data sets (mnist and the 2-D sets) still work offline") from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        actual = _md5(part)
        if actual != expected:
            part.unlink(missing_ok=True)
            raise DownloadError(f"Fashion-MNIST: {name} failed its checksum (MD5 {actual}, expected {expected}); "
                                "the file was deleted, try again")
        os.replace(part, target)
    return folder


# -- a person's own images -----------------------------------------------------------------
def _read_netpbm(path: Path) -> np.ndarray:
    """Binary PGM (P5) or PPM (P6) as H x W or H x W x 3 uint8, so folders work without Pillow."""
    data = path.read_bytes()
    tokens, pos = [], 0
    while len(tokens) < 4:  # magic, width, height, maxval; '#' starts a comment
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.find(b"\n", pos) + 1 or len(data)
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        if end == pos:
            raise ConfigError(f"{path.name}: truncated PGM/PPM header")
        tokens.append(data[pos:end])
        pos = end
    magic = tokens[0]
    if magic not in (b"P5", b"P6"):
        raise ConfigError(f"{path.name}: only binary PGM (P5) and PPM (P6) are read without Pillow")
    try:
        width, height, maxval = (int(t) for t in tokens[1:])
    except ValueError:
        raise ConfigError(f"{path.name}: bad PGM/PPM header {b' '.join(tokens)!r}") from None
    channels = 3 if magic == b"P6" else 1
    dtype = np.dtype(">u2") if maxval > 255 else np.dtype(np.uint8)
    count, start = width * height * channels, pos + 1  # one whitespace byte ends the header
    if maxval < 1 or len(data) < start + count * dtype.itemsize:
        raise ConfigError(f"{path.name}: truncated image data")
    pixels = np.frombuffer(data, dtype, count=count, offset=start)
    img = (pixels.astype(np.float32) / maxval * 255).round().astype(np.uint8)
    return img.reshape(height, width, channels).squeeze(-1) if channels == 1 else img.reshape(height, width, 3)


def _read_image_file(path: Path) -> np.ndarray:
    if path.suffix.lower() in (".pgm", ".ppm"):
        return _read_netpbm(path)
    try:
        from PIL import Image
    except ImportError:
        raise ConfigError(f"{path.name}: reading {path.suffix} images needs Pillow (pip install pillow); "
                          "without it a folder may hold .pgm/.ppm files, or use a .npz/.npy array") from None
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("L" if im.mode in ("1", "L", "LA", "I", "I;16") else "RGB"))
    except (OSError, ValueError, SyntaxError) as exc:  # PIL's UnidentifiedImageError is an OSError
        raise ConfigError(f"{path.name}: not a readable image ({type(exc).__name__}: {exc})") from None


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm")


def load_image_folder(folder: str | Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """All images under `folder` as (N, C, size, size) floats in [0, 1]; subfolders name the labels."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"data.path {str(folder)!r} is not a folder of images")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if len(files) < 2:
        raise ConfigError(f"data.path {str(folder)!r} holds fewer than 2 images ({', '.join(IMAGE_SUFFIXES)})")
    classes = sorted({p.parent for p in files})
    labels = np.array([classes.index(p.parent) for p in files], np.int64)
    images = [_read_image_file(p) for p in files]
    channels = 3 if any(im.ndim == 3 for im in images) else 1
    resized = []
    for im in images:  # one at a time: the files may all differ in size
        t = torch.from_numpy(np.array(im)).float() / 255  # a copy: Pillow hands out read-only arrays
        t = t.permute(2, 0, 1) if t.ndim == 3 else t[None]
        t = t.expand(channels, -1, -1) if t.shape[0] == 1 else t[:channels]
        resized.append(_resize(t[None], size))
    return torch.cat(resized).numpy(), labels


def _resize(x: torch.Tensor, size: int) -> torch.Tensor:
    if size and tuple(x.shape[-2:]) != (size, size):
        x = torch.nn.functional.interpolate(x.float(), size=(size, size), mode="bilinear", antialias=True,
                                            align_corners=False).clamp_(0, 1)
    return x


def _to_nchw(arr: np.ndarray, where: str) -> np.ndarray:
    """N x H x W, N x H x W x C or N x C x H x W (C = 1 or 3) -> N x C x H x W."""
    if arr.ndim == 3:
        return arr[:, None]
    if arr.ndim == 4 and arr.shape[1] in (1, 3):
        return arr
    if arr.ndim == 4 and arr.shape[3] in (1, 3):
        return arr.transpose(0, 3, 1, 2)
    raise ConfigError(f"{where}: shape {arr.shape} is not N x H x W, N x H x W x C or N x C x H x W with C = 1 or 3")


def _unit_range(arr: np.ndarray, where: str) -> np.ndarray:
    """uint8 stays as is (0..255); floats must lie in [0, 1] or [0, 255]."""
    if arr.dtype == np.uint8:
        return arr
    if not np.issubdtype(arr.dtype, np.number) or arr.dtype.kind == "c":
        raise ConfigError(f"{where}: dtype {arr.dtype} is not a real number type")
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise ConfigError(f"{where}: holds NaN or infinite values")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0 or hi > 255:
        raise ConfigError(f"{where}: values run from {lo:g} to {hi:g}; allowed: 0 to 1, or 0 to 255")
    return arr / 255 if hi > 1 else arr


def load_array_file(path: str | Path) -> tuple[np.ndarray, ...]:
    """A .npy of images, or a .npz with x_train/x_test (y_train/y_test) or images (labels)."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in (".npy", ".npz"):
        raise ConfigError(f"data.path {str(path)!r} must be an existing .npy or .npz file")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path.name}: not a readable NumPy file ({exc})") from None
    if isinstance(loaded, np.ndarray):
        return loaded, None, None, None
    with loaded:
        keys = set(loaded.files)
        if "x_train" in keys:
            return tuple(loaded[k] if k in keys else None for k in ("x_train", "y_train", "x_test", "y_test"))
        image_key = next((k for k in ("images", "x", "arr_0") if k in keys), None)
        if image_key is None:
            raise ConfigError(f"{path.name}: no array named x_train, images, x or arr_0; found {', '.join(sorted(keys))}")
        label_key = next((k for k in ("labels", "y") if k in keys), None)
        return loaded[image_key], loaded[label_key] if label_key else None, None, None


def _split_off_test(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """A fixed 10% of the examples (at least one) become the test set."""
    order = np.random.default_rng(0).permutation(len(x))
    n_test = max(1, int(round(HOLDOUT * len(x))))
    return x[order[n_test:]], y[order[n_test:]], x[order[:n_test]], y[order[:n_test]]


def prepare_arrays(train_x, train_y, test_x, test_y, where: str, size: int = 0) -> tuple[np.ndarray, ...]:
    """Check and shape user arrays: images N,C,H,W (uint8 or float in [0,1]) and int64 labels."""
    train_x = _unit_range(_to_nchw(np.asarray(train_x), where), where)
    if len(train_x) < 2:
        raise ConfigError(f"{where}: needs at least 2 images, found {len(train_x)}")
    train_y = np.zeros(len(train_x), np.int64) if train_y is None else np.asarray(train_y).astype(np.int64).reshape(-1)
    if len(train_y) != len(train_x):
        raise ConfigError(f"{where}: {len(train_x)} images but {len(train_y)} labels")
    if test_x is None:
        train_x, train_y, test_x, test_y = _split_off_test(train_x, train_y)
    else:
        test_x = _unit_range(_to_nchw(np.asarray(test_x), where), where)
        test_y = np.zeros(len(test_x), np.int64) if test_y is None else np.asarray(test_y).astype(np.int64).reshape(-1)
        if test_x.shape[1:] != train_x.shape[1:]:
            raise ConfigError(f"{where}: test images {test_x.shape[1:]} differ from training images {train_x.shape[1:]}")
    if size:
        train_x, test_x = (_resize(torch.from_numpy(_as_float(a)), size).numpy() for a in (train_x, test_x))
    return train_x, train_y, test_x, test_y


def _as_float(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32) / 255 if a.dtype == np.uint8 else a.astype(np.float32)


# -- the data object the models use ------------------------------------------------------------
def binarize_fixed(images: torch.Tensor, seed: int = TEST_BINARIZE_SEED) -> torch.Tensor:
    """One Bernoulli draw of each pixel (1 with probability = its grey level in [0, 1]) from a CPU
    generator seeded with `seed`, so the binarised test set is the same on every call and every device."""
    g = torch.Generator().manual_seed(seed)
    return torch.bernoulli(images.detach().float().cpu(), generator=g).to(images.device)


class ImageData:
    """A finite image set on `device`: batch(n) walks a per-epoch random permutation.

    binarize="dynamic": every training batch is a fresh Bernoulli draw of its images' pixels (from the
    data generator, so a resumed run draws what it would have drawn), and the test set is one fixed
    draw (binarize_fixed), as in the binarised-MNIST likelihood literature (e.g. Burda et al., IWAE).
    """

    def __init__(self, name: str, train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                 test_y: np.ndarray, device: torch.device, generator: torch.Generator, has_labels: bool = True,
                 binarize: str = "none"):
        self.name, self.device, self.generator = name, torch.device(device), generator
        self.has_labels = has_labels
        if binarize not in BINARIZE_CHOICES:
            raise ConfigError(f"data.binarize = {binarize!r} is not allowed; allowed: one of "
                              f"{', '.join(BINARIZE_CHOICES)}")
        self.binarize = binarize
        # uint8 sets stay uint8 on the device (a quarter of the memory) and become floats per batch.
        self._train = torch.as_tensor(np.array(train_x), device=self.device)  # a copy: cached arrays stay read-only
        self.train_labels = torch.as_tensor(train_y, dtype=torch.int64, device=self.device)
        self.test_images = self._to_unit(torch.as_tensor(np.array(test_x), device=self.device))
        if binarize == "dynamic":
            self.test_images = binarize_fixed(self.test_images)
        self.test_labels = torch.as_tensor(test_y, dtype=torch.int64, device=self.device)
        self.shape = tuple(int(s) for s in self._train.shape[1:])
        self.dim = math.prod(self.shape)
        self.size = len(self._train)
        self._seed = generator.initial_seed()
        self._epoch, self._cursor = 0, 0
        self._perm = self._permutation(0)

    @staticmethod
    def _to_unit(x: torch.Tensor) -> torch.Tensor:
        return x.float().div_(255) if x.dtype == torch.uint8 else x.float()

    def _permutation(self, epoch: int) -> torch.Tensor:
        # Derived from (seed, epoch) alone, so a resume can rebuild it without replaying the stream.
        g = torch.Generator(device=self.device).manual_seed((self._seed * 1_000_003 + epoch) % 2**63)
        return torch.randperm(self.size, generator=g, device=self.device)

    def batch(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The next n training images of the epoch (fewer at its end, as a DataLoader gives).

        With `generator`, n images drawn at random instead, leaving the epoch untouched
        (for fixed view batches).
        """
        if generator is not None:
            idx = torch.randint(self.size, (n,), generator=generator, device=self.device)
            return self._drawn(self._to_unit(self._train.index_select(0, idx)), generator)
        if self._cursor >= self.size:
            self._epoch += 1
            self._cursor = 0
            self._perm = self._permutation(self._epoch)
        idx = self._perm[self._cursor:self._cursor + n]  # index_select: ~10x faster than x[idx] on CPU
        self._cursor += len(idx)
        return self._drawn(self._to_unit(self._train.index_select(0, idx)), self.generator)

    def _drawn(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """x as it is, or (binarize = dynamic) a fresh 0/1 draw with P(1) = the grey level."""
        return torch.bernoulli(x, generator=generator) if self.binarize == "dynamic" else x

    def steps_per_epoch(self, batch_size: int) -> int:
        return math.ceil(self.size / batch_size)

    @property
    def epoch(self) -> float:
        return self._epoch + self._cursor / self.size

    def get_state(self) -> torch.Tensor:
        return torch.tensor([self._cursor, self._epoch, self._seed], dtype=torch.int64)

    def set_state(self, state: torch.Tensor) -> None:
        cursor, epoch, seed = (int(v) for v in state.tolist())
        self._cursor, self._epoch, self._seed = cursor, epoch, seed
        self._perm = self._permutation(epoch)


def build_image_data(data_cfg, device: torch.device, generator: torch.Generator) -> ImageData:
    """The ImageData for data_cfg.dataset: mnist, fashion-mnist, images (a folder) or array (a file)."""
    name = data_cfg.dataset
    size = int(getattr(data_cfg, "image_size", 0) or 0)
    if name == "mnist":
        arrays, labelled = load_idx_folder(MNIST_DIR), True
    elif name == "fashion-mnist":
        folder = fashion_mnist_dir()
        if not fashion_mnist_ready():
            folder = download_fashion_mnist()
        arrays, labelled = load_idx_folder(folder), True
    elif name in ("images", "array"):
        if not data_cfg.path:
            kind = "a folder of images" if name == "images" else "a .npy or .npz file"
            raise ConfigError(f"data.path is empty; the {name} data set needs {kind}")
        if name == "images":
            x, y = load_image_folder(data_cfg.path, size or DEFAULT_FOLDER_SIZE)
            raw = (x, y, None, None)
            labelled = len(set(y.tolist())) > 1
        else:
            raw = load_array_file(data_cfg.path)
            labelled = raw[1] is not None
        arrays = prepare_arrays(*raw, where=Path(data_cfg.path).name, size=0 if name == "images" else size)
    else:
        raise ConfigError(f"data.dataset = {name!r} is not an image data set; allowed: mnist, fashion-mnist, "
                          "images, array")
    if size and name in ("mnist", "fashion-mnist"):
        arrays = prepare_arrays(*arrays, where=name, size=size)
    return ImageData(name, *arrays, device=device, generator=generator, has_labels=labelled,
                     binarize=getattr(data_cfg, "binarize", "none"))
