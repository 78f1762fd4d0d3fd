"""Image data: the IDX reader, the bundled MNIST files, user arrays and folders, and epoch batching."""

from __future__ import annotations

import gzip
import hashlib
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core.config import ConfigError
from core.images import (
    MNIST_DIR,
    MNIST_MD5,
    ImageData,
    build_image_data,
    load_idx_folder,
    read_idx,
)


def idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def write_split(folder, style: str, gz: bool, n=5, h=4, w=3, seed=0):
    """A tiny MNIST-style folder; style 'dash' = train-images-idx3-ubyte, 'dot' = train-images.idx3-ubyte."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for stem, ndim, shape in (("train-images", 3, (n, h, w)), ("train-labels", 1, (n,)),
                              ("t10k-images", 3, (2, h, w)), ("t10k-labels", 1, (2,))):
        arr = rng.integers(0, 256 if ndim == 3 else 10, size=shape).astype(np.uint8)
        name = f"{stem}-idx{ndim}-ubyte" if style == "dash" else f"{stem}.idx{ndim}-ubyte"
        data = idx_bytes(arr)
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(data) if gz else data)
        arrays[stem] = arr
    return arrays


def test_bundled_mnist_md5s():
    for name, expected in MNIST_MD5.items():
        data = gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes())
        assert hashlib.md5(data).hexdigest() == expected, name


def test_bundled_mnist_shapes():
    train_x, train_y, test_x, test_y = load_idx_folder(MNIST_DIR)
    assert train_x.shape == (60000, 1, 28, 28) and test_x.shape == (10000, 1, 28, 28)
    assert train_y.shape == (60000,) and test_y.shape == (10000,)
    assert set(np.unique(train_y)) == set(range(10))
    assert test_y[:5].tolist() == [7, 2, 1, 0, 4]  # the well-known first test digits


@pytest.mark.parametrize("style", ["dash", "dot"])
@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_both_name_styles_gzipped_or_raw(tmp_path, style, gz):
    arrays = write_split(tmp_path, style, gz)
    train_x, train_y, test_x, test_y = load_idx_folder(tmp_path)
    np.testing.assert_array_equal(train_x[:, 0], arrays["train-images"])
    np.testing.assert_array_equal(train_y, arrays["train-labels"])
    np.testing.assert_array_equal(test_x[:, 0], arrays["t10k-images"])
    np.testing.assert_array_equal(test_y, arrays["t10k-labels"])


def test_gzip_detected_by_content_not_name(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "plain-name-idx3-ubyte"
    path.write_bytes(gzip.compress(idx_bytes(arr)))
    np.testing.assert_array_equal(read_idx(path), arr)


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-5], "truncated or corrupt"),
    (lambda b: b"\x08\x03" + b[2:], "bad magic number"),
    (lambda b: b[:2] + b"\x0d" + b[3:], "type code 0x0d"),
    (lambda b: b[:6], "truncated IDX header"),
    (lambda b: b"", "bad magic number"),
    (lambda b: b + b"\x00", "truncated or corrupt"),
])
def test_corrupt_idx_gives_clear_error(tmp_path, damage, message):
    data = idx_bytes(np.zeros((3, 4, 4), np.uint8))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(damage(data))
    with pytest.raises(ConfigError, match=message) as info:
        read_idx(path)
    assert path.name in str(info.value)


def test_truncated_gzip_gives_clear_error(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.ones((50, 8, 8), np.uint8)))[:-20])
    with pytest.raises(ConfigError, match="train-images-idx3-ubyte.gz"):
        read_idx(path)


def test_missing_file_and_count_mismatch(tmp_path):
    write_split(tmp_path, "dash", gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(ConfigError, match="2 images but t10k-labels has 3 labels"):
        load_idx_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ConfigError, match="t10k-labels"):
        load_idx_folder(tmp_path)


def make_data(n=10, seed=3) -> ImageData:
    x = np.arange(n * 4, dtype=np.uint8).reshape(n, 1, 2, 2)
    y = np.arange(n)
    return ImageData("toy", x, y, x[:2], y[:2], torch.device("cpu"), torch.Generator().manual_seed(seed))


def test_epoch_is_a_permutation_with_a_short_last_batch():
    data = make_data(10)
    assert data.steps_per_epoch(4) == 3
    batches = [data.batch(4) for _ in range(3)]
    assert [len(b) for b in batches] == [4, 4, 2]  # as a DataLoader without drop_last
    firsts = torch.cat(batches)[:, 0, 0, 0] * 255 / 4
    assert sorted(firsts.round().long().tolist()) == list(range(10))
    assert batches[0].dtype == torch.float32 and 0 <= batches[0].min() and batches[0].max() <= 1
    next_epoch = torch.cat([data.batch(4) for _ in range(3)])[:, 0, 0, 0]
    assert not torch.equal(next_epoch, torch.cat(batches)[:, 0, 0, 0])  # a fresh shuffle


def test_cursor_state_restores_the_exact_next_batches():
    data = make_data(10)
    for _ in range(4):  # into the second epoch
        data.batch(3)
    state = data.get_state()
    assert state.dtype == torch.int64
    expected = [data.batch(3) for _ in range(5)]
    fresh = make_data(10, seed=99)  # a different seed: the state must carry the real one
    fresh.set_state(state)
    for want in expected:
        assert torch.equal(fresh.batch(3), want)


def test_explicit_generator_leaves_the_epoch_alone():
    a, b = make_data(), make_data()
    a.batch(16, torch.Generator().manual_seed(1))
    assert torch.equal(a.get_state(), b.get_state())
    assert torch.equal(a.batch(4), b.batch(4))


def test_array_file_nhwc_rgb_and_resize(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(20, 6, 6, 3)).astype(np.uint8)
    np.save(tmp_path / "faces.npy", x)
    cfg = SimpleNamespace(dataset="array", path=str(tmp_path / "faces.npy"))
    data = build_image_data(cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert data.shape == (3, 6, 6) and data.dim == 108
    assert data.size == 18 and len(data.test_images) == 2  # 10% held out
    assert not data.has_labels
    cfg.image_size = 4
    small = build_image_data(cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert small.shape == (3, 4, 4) and small.batch(5).shape == (5, 3, 4, 4)


def test_npz_with_splits_and_float_values(tmp_path):
    x = np.random.default_rng(0).random((8, 5, 5)).astype(np.float32)
    np.savez(tmp_path / "set.npz", x_train=x, y_train=np.arange(8) % 2, x_test=x[:3], y_test=np.zeros(3))
    cfg = SimpleNamespace(dataset="array", path=str(tmp_path / "set.npz"))
    data = build_image_data(cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert data.size == 8 and data.test_images.shape == (3, 1, 5, 5)
    torch.testing.assert_close(data.test_images[:, 0], torch.from_numpy(x[:3]))
    assert data.train_labels.tolist() == [0, 1] * 4


def test_bad_arrays_are_config_errors(tmp_path):
    np.save(tmp_path / "neg.npy", -np.ones((4, 3, 3), np.float32))
    np.save(tmp_path / "flat.npy", np.ones((4, 9), np.float32))
    for name, message in (("neg.npy", "values run from -1"), ("flat.npy", "is not N x H x W"),
                          ("missing.npy", "must be an existing")):
        cfg = SimpleNamespace(dataset="array", path=str(tmp_path / name))
        with pytest.raises(ConfigError, match=message):
            build_image_data(cfg, torch.device("cpu"), torch.Generator())


def test_folder_of_pgm_and_ppm_images_with_subfolder_labels(tmp_path):
    for label, magic, channels in (("cats", b"P5", 1), ("dogs", b"P6", 3)):
        (tmp_path / label).mkdir()
        for i in range(3):
            pixels = bytes([(i * 40 + j) % 256 for j in range(10 * 8 * channels)])
            (tmp_path / label / f"{i}.{'pgm' if channels == 1 else 'ppm'}").write_bytes(
                magic + b"\n# a comment\n10 8\n255\n" + pixels)
    cfg = SimpleNamespace(dataset="images", path=str(tmp_path), image_size=12)
    data = build_image_data(cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert data.shape == (3, 12, 12)  # mixed grey and colour: all become RGB
    labels = torch.cat([data.train_labels, data.test_labels])
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1] and data.has_labels


def test_folder_of_png_and_jpeg_images_grey_and_colour(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    (tmp_path / "zeros").mkdir()
    (tmp_path / "ones").mkdir()
    grey = rng.integers(0, 256, (20, 16), dtype=np.uint8)
    for i in range(3):
        Image.fromarray(grey).save(tmp_path / "zeros" / f"{i}.png")
        Image.fromarray(rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)).save(tmp_path / "ones" / f"{i}.jpg")
    cfg = SimpleNamespace(dataset="images", path=str(tmp_path), image_size=8)
    data = build_image_data(cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert data.shape == (3, 8, 8)  # grey PNG and colour JPEG: all become RGB, resized to 8 x 8
    labels = torch.cat([data.train_labels, data.test_labels])
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1]
    x = torch.cat([data.batch(data.size), data.test_images])
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0 and float(x.std()) > 0.1


def test_a_broken_png_in_a_folder_is_named_in_the_error(tmp_path):
    for i in range(2):
        (tmp_path / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # a header and nothing else
    cfg = SimpleNamespace(dataset="images", path=str(tmp_path))
    with pytest.raises(ConfigError, match="0.png"):
        build_image_data(cfg, torch.device("cpu"), torch.Generator())
