"""Where CUDA is present, the image models take their GPU preset layer (bigger batches, bf16 autocast where
it is safe); elsewhere, and for 2-D data, the configuration is what it always was. The CUDA check is
monkeypatched here; the tests at the end that need a real GPU skip without one."""

from __future__ import annotations

import pytest
import torch

from core.build import build_model
from core.presets import build_config

IMAGE_MODELS = ("vae", "gan", "realnvp")


@pytest.fixture
def cuda(monkeypatch):
    """Set whether torch reports a CUDA device; returns a function of one bool."""
    def present(flag: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: flag)
    return present


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_image_models_take_the_gpu_layer_only_where_cuda_is_present(cuda, model):
    cuda(False)
    cpu = build_config(model, "mnist")
    cuda(True)
    gpu = build_config(model, "mnist")
    assert gpu.data.batch_size > cpu.data.batch_size
    assert cpu.train.precision == "fp32"
    # bf16 where it is safe: not for a flow, whose log-determinants sum hundreds of terms
    assert gpu.train.precision == ("fp32" if model == "realnvp" else "bf16")


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_2d_data_is_the_same_with_or_without_cuda(cuda, model):
    cuda(False)
    cpu = build_config(model, "moons")
    cuda(True)
    assert build_config(model, "moons").to_dict() == cpu.to_dict()


def test_an_explicit_device_decides_and_set_wins(cuda):
    cuda(True)
    assert build_config("vae", "mnist", overrides={"train.device": "cpu"}).train.precision == "fp32"
    assert build_config("vae", "mnist", overrides={"data.batch_size": 32}).data.batch_size == 32
    cuda(False)
    assert build_config("vae", "mnist", overrides={"train.device": "cuda"}).train.precision == "bf16"


def test_a_preset_has_its_own_gpu_settings(cuda):
    """binarized: eval's IWAE at the literature's k = 5000 on a GPU, a k the CPU finishes in minutes elsewhere."""
    cuda(False)
    cpu = build_config("vae", "mnist", "binarized")
    cuda(True)
    gpu = build_config("vae", "mnist", "binarized")
    assert gpu.params.iwae_k == 5000 and cpu.params.iwae_k < gpu.params.iwae_k
    assert gpu.data.binarize == cpu.data.binarize == "dynamic"


def test_bf16_is_ignored_on_the_cpu():
    """A run trained with the GPU preset and resumed on a CPU trains there in float32."""
    cfg = build_config("vae", "mnist", overrides={"train.device": "cpu", "train.precision": "bf16",
                                                  "vae.hidden": 16, "data.batch_size": 8})
    model = build_model(cfg)
    first = model.training_step(1)
    assert all(v.dtype == torch.float32 for v in first.values())
    same = build_model(cfg.with_overrides({"train.precision": "fp32"})).training_step(1)
    assert all(torch.equal(first[k], same[k]) for k in first)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

SMALL = {"vae": {"vae.hidden": 32}, "gan": {"gan.channels": 8}, "realnvp": {"realnvp.channels": 8,
                                                                         "realnvp.blocks": 1}}


@needs_cuda
@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_gpu_preset_steps_train_without_host_syncs(model):
    cfg = build_config(model, "mnist", overrides=SMALL[model])
    assert cfg.data.batch_size >= 256
    m = build_model(cfg)
    m.training_step(0)  # the first step may initialise (ActNorm's data-dependent start)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        metrics = [m.training_step(step) for step in range(1, 6)]
    finally:
        torch.cuda.set_sync_debug_mode("default")
    last = torch.stack([v.float() for v in metrics[-1].values()])
    assert torch.isfinite(last).all()
    assert all(v.dtype == torch.float32 for v in metrics[-1].values())
