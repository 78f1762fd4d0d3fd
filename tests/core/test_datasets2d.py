"""2-D data sets: their statistics match the definitions in SPEC.md; CSV files are checked."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.config import ConfigError
from core.datasets2d import PLANE_DATASETS, PlaneData, grid25_means, load_csv_points, ring8_means, sample_plane

N = 40_000
GENERATED = [name for name in PLANE_DATASETS if name != "csv"]


def nearest(points: torch.Tensor, means: torch.Tensor):
    d = torch.cdist(points.double(), means.double())
    return d.argmin(1)


def check_mixture(points: torch.Tensor, means: torch.Tensor, std: float, rel_std: float = 0.03):
    k = len(means)
    idx = nearest(points, means)
    counts = torch.bincount(idx, minlength=k).double()
    # Equal weights: each count is Binomial(N, 1/k); allow 5 standard deviations.
    p = 1 / k
    assert (counts - N * p).abs().max() < 5 * math.sqrt(N * p * (1 - p)), counts
    offsets = points.double() - means.double()[idx]
    for coord in range(2):
        assert offsets[:, coord].std().item() == pytest.approx(std, rel=rel_std)
        assert abs(offsets[:, coord].mean().item()) < 5 * std / math.sqrt(N) + 1e-3


def test_ring8_means_follow_the_formula_without_a_repeated_mode():
    means = ring8_means().double()
    i = torch.arange(8, dtype=torch.float64)
    expected = 2 * torch.stack([torch.cos(2 * math.pi * i / 8), torch.sin(2 * math.pi * i / 8)], 1)
    torch.testing.assert_close(means, expected, atol=1e-6, rtol=0)
    gaps = torch.cdist(means, means) + 100 * torch.eye(8, dtype=torch.float64)
    # Neighbours on a radius-2 circle split in 8 are 4 sin(pi/8) = 1.53 apart: no two coincide.
    assert gaps.min().item() == pytest.approx(4 * math.sin(math.pi / 8), abs=1e-5)


def test_ring8_samples():
    pts = sample_plane("ring8", N, seed=3)
    check_mixture(pts, ring8_means(), 0.02)
    # Every sample lies close to its mean, so none sits at a ninth (repeated) place.
    assert (torch.cdist(pts, ring8_means()).min(1).values < 0.02 * 6).all()


def test_grid25_samples():
    means = grid25_means()
    ticks = {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert len(means) == 25
    assert {(float(x), float(y)) for x, y in means} == {(x, y) for x in ticks for y in ticks}
    check_mixture(sample_plane("grid25", N, seed=4), means, 0.05)


def test_8gaussians_samples():
    # FFJORD: centres at radius 4 on 8 equal angles, noise std 0.5, everything divided by 1.414.
    angles = 2 * math.pi * torch.arange(8, dtype=torch.float64) / 8
    means = 4 / 1.414 * torch.stack([angles.cos(), angles.sin()], 1)
    pts = sample_plane("8gaussians", N, seed=5)
    # Neighbouring modes are ~3 std apart at the midpoint, so a few samples are misassigned: 5 %.
    check_mixture(pts, means, 0.5 / 1.414, rel_std=0.05)


def _distance_to_moons(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances of each point to sklearn's two half circles: upper = (cos t, sin t),
    lower = (1 - cos t, 0.5 - sin t), t in [0, pi]."""

    def half_circle(q, centre, upper):
        rel = q - centre
        on_arc = rel[:, 1] >= 0 if upper else rel[:, 1] <= 0
        to_circle = np.abs(np.linalg.norm(rel, axis=1) - 1)
        ends = np.array([[1.0, 0.0], [-1.0, 0.0]])
        to_ends = np.min(np.linalg.norm(rel[:, None, :] - ends[None], axis=2), axis=1)
        return np.where(on_arc, to_circle, to_ends)

    return half_circle(p, np.array([0.0, 0.0]), True), half_circle(p, np.array([1.0, 0.5]), False)


def test_moons_lie_on_the_two_half_circles():
    pts = sample_plane("moons", N, seed=6).double().numpy()
    d_up, d_low = _distance_to_moons(pts)
    d = np.minimum(d_up, d_low)
    # With isotropic noise of std 0.05 the distance to the curve is about |N(0, 0.05^2)|,
    # whose mean is 0.05 sqrt(2/pi) = 0.040 (curvature and the other moon change it slightly).
    assert d.mean() == pytest.approx(0.05 * math.sqrt(2 / math.pi), rel=0.1)
    assert np.quantile(d, 0.99) < 0.05 * 3
    upper = d_up < d_low
    assert upper.mean() == pytest.approx(0.5, abs=5 * math.sqrt(0.25 / N))
    # t is uniform on [0, pi]: E[sin t] = 2/pi, E[cos t] = 0 on the upper moon.
    assert pts[upper, 1].mean() == pytest.approx(2 / math.pi, abs=0.02)
    assert pts[upper, 0].mean() == pytest.approx(0.0, abs=0.02)
    assert pts[~upper, 0].mean() == pytest.approx(1.0, abs=0.02)
    assert pts[~upper, 1].mean() == pytest.approx(0.5 - 2 / math.pi, abs=0.02)


def test_moons_noise_scale():
    # Along x at the top of the upper moon (t near pi/2) the curve is flat, so x - cos t is pure noise;
    # instead measure y on the upper moon's crest, where y = sin t + noise ~ 1 + noise.
    pts = sample_plane("moons", N, seed=7).double().numpy()
    crest = pts[(np.abs(pts[:, 0]) < 0.1) & (pts[:, 1] > 0.7)]
    assert len(crest) > 500
    resid = crest[:, 1] - np.sqrt(np.clip(1 - crest[:, 0] ** 2, 0, None))
    assert resid.std() == pytest.approx(0.05, rel=0.1)
    assert abs(resid.mean()) < 0.01


@pytest.mark.parametrize("name", GENERATED)
def test_determinism_shape_and_dtype(name):
    a = sample_plane(name, 500, seed=11)
    b = sample_plane(name, 500, seed=11)
    c = sample_plane(name, 500, seed=12)
    assert a.shape == (500, 2) and a.dtype == torch.float32
    assert torch.isfinite(a).all()
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_stream_continues():
    dev = torch.device("cpu")
    d1 = PlaneData("ring8", dev, torch.Generator().manual_seed(5))
    d2 = PlaneData("ring8", dev, torch.Generator().manual_seed(5))
    first = d1.batch(64)
    assert torch.equal(first, d2.batch(64))
    assert not torch.equal(d1.batch(64), first)  # the stream moves on


def test_explicit_generator_does_not_advance_the_stream():
    dev = torch.device("cpu")
    ref = PlaneData("ring8", dev, torch.Generator().manual_seed(5))
    ref_a, ref_b = ref.batch(64), ref.batch(64)
    d = PlaneData("ring8", dev, torch.Generator().manual_seed(5))
    a = d.batch(64)
    aside = d.batch(64, torch.Generator().manual_seed(99))
    b = d.batch(64)
    assert torch.equal(a, ref_a) and torch.equal(b, ref_b)
    assert not torch.equal(aside, ref_b)


@pytest.mark.parametrize("name", ["ring8", "moons", "pinwheel"])
def test_output_device_cpu(name):
    assert sample_plane(name, 10, device="cpu").device == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", GENERATED)
def test_output_device_cuda(name):
    pts = sample_plane(name, 10, device="cuda")
    assert pts.device.type == "cuda"


def test_unknown_dataset_is_a_config_error():
    with pytest.raises(ConfigError, match="nosuch"):
        PlaneData("nosuch", torch.device("cpu"), torch.Generator())


# -- CSV ------------------------------------------------------------------------------


def test_csv_good_file(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("1.5,2\n-3,4e-1\n\n0,0\n")
    pts = load_csv_points(f)
    np.testing.assert_array_equal(pts, np.array([[1.5, 2], [-3, 0.4], [0, 0]], np.float32))
    assert pts.dtype == np.float32
    data = PlaneData("csv", torch.device("cpu"), torch.Generator().manual_seed(0), path=str(f))
    batch = data.batch(300)
    assert batch.shape == (300, 2)
    rows = {tuple(r) for r in batch.tolist()}
    assert rows == {tuple(r) for r in pts.tolist()}  # samples are the file's points, all of them


def test_csv_with_header(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("x,y\n1,2\n3,4\n")
    np.testing.assert_array_equal(load_csv_points(f), np.array([[1, 2], [3, 4]], np.float32))


@pytest.mark.parametrize(
    "content",
    [
        "1,2\n3,abc\n",  # non-numeric
        "x,y\n1,2\nfoo,bar\n",  # non-numeric after a header
        "1,2,3\n4,5,6\n",  # three columns
        "1\n2\n3\n",  # one column
        "1,2\n3,4,5\n",  # ragged
        "1,2\nnan,4\n",  # NaN
        "1,2\n3,inf\n",  # infinite
        "1,2\n",  # a single point
        "",  # empty
    ],
)
def test_csv_bad_files_raise_config_error_naming_the_file(tmp_path, content):
    f = tmp_path / "bad_points.csv"
    f.write_text(content)
    with pytest.raises(ConfigError, match="bad_points.csv"):
        load_csv_points(f)
    with pytest.raises(ConfigError, match="bad_points.csv"):
        PlaneData("csv", torch.device("cpu"), torch.Generator(), path=str(f))


def test_csv_binary_file(tmp_path):
    f = tmp_path / "blob.csv"
    f.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(ConfigError, match="blob.csv"):
        load_csv_points(f)


def test_csv_missing_file(tmp_path):
    f = tmp_path / "missing.csv"
    with pytest.raises(ConfigError, match="missing.csv"):
        load_csv_points(f)
    folder = tmp_path / "a_folder.csv"
    folder.mkdir()
    with pytest.raises(ConfigError, match="a_folder.csv"):
        load_csv_points(folder)  # a folder is not a file either
    with pytest.raises(ConfigError):
        load_csv_points("")
