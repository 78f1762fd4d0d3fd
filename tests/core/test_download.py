"""Fashion-MNIST download, against a local HTTP server on 127.0.0.1 (never the real internet)."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
import torch

from core import images
from core.images import DownloadError, build_image_data, download_fashion_mnist, load_idx_folder


def test_good_checksum_downloads_once_and_reads(served, tmp_path, monkeypatch):
    url, md5s, requests = served
    for name, digest in md5s.items():
        monkeypatch.setitem(images.FASHION_MD5, name, digest)
    seen = []
    folder = download_fashion_mnist(progress=lambda *a: seen.append(a), base_url=url, cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in folder.iterdir()) == sorted(md5s)
    assert {name for name, _, _ in seen} == set(md5s)
    last = {name: (done, total) for name, done, total in seen}  # the final report of each file
    assert all(done == total > 0 for done, total in last.values())
    train_x, train_y, test_x, test_y = load_idx_folder(folder)
    assert train_x.shape == (6, 1, 28, 28) and test_y.shape == (3,)
    download_fashion_mnist(base_url=url, cache_dir=tmp_path / "cache")
    assert len(requests) == 4  # cached: the second call fetched nothing


def test_bad_checksum_is_refused_and_nothing_is_kept(served, tmp_path):
    url, _, _ = served  # the real Fashion-MNIST MD5s do not match the served files
    with pytest.raises(DownloadError, match="failed its checksum") as info:
        download_fashion_mnist(base_url=url, cache_dir=tmp_path / "cache")
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    assert list((tmp_path / "cache" / "fashion-mnist").iterdir()) == []


def test_no_network_says_so_and_points_to_builtin_sets(tmp_path):
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="no network") as info:
        download_fashion_mnist(base_url=f"http://127.0.0.1:{port}/", cache_dir=tmp_path, timeout=5)
    assert "built-in data sets" in str(info.value)


def test_server_error_and_cancel(served, tmp_path, monkeypatch):
    url, md5s, _ = served
    with pytest.raises(DownloadError, match="answered 404"):
        download_fashion_mnist(base_url=url + "missing/", cache_dir=tmp_path)
    for name, digest in md5s.items():
        monkeypatch.setitem(images.FASHION_MD5, name, digest)
    with pytest.raises(DownloadError, match="cancelled"):
        download_fashion_mnist(progress=lambda *a: False, base_url=url, cache_dir=tmp_path)
    assert not any(p.suffix == ".part" for p in (tmp_path / "fashion-mnist").iterdir())


def test_dataset_downloads_into_the_user_cache_via_env_url(served, tmp_path, monkeypatch):
    url, md5s, _ = served
    for name, digest in md5s.items():
        monkeypatch.setitem(images.FASHION_MD5, name, digest)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # platformdirs' cache folder on Linux
    monkeypatch.setenv(images.FASHION_URL_ENV, url)
    data = build_image_data(SimpleNamespace(dataset="fashion-mnist", path=""), torch.device("cpu"),
                            torch.Generator().manual_seed(0))
    assert data.shape == (1, 28, 28) and data.size == 6 and len(data.test_images) == 3
    assert (tmp_path / "xdg" / "genviz" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
