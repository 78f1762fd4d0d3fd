"""A plain PyTorch loop of the default 2-D GAN, written without genviz's classes, and genviz's
headless trainer, each timed in a fresh process for `bench` (gui/bench.py):

    python -m core.plain_loop headless MODEL DATASET STEPS   -> {"steps_per_s": ...}
    python -m core.plain_loop engine MODEL DATASET STEPS     -> {"steps_per_s": ...}
    python -m core.plain_loop recording MODEL DATASET STEPS  -> {"record_share": ...} (see recording_share)
    python -m core.plain_loop plain STEPS ROUNDS             -> headless vs. the plain loop, interleaved

So "no slower than a plain script" is measured, not assumed, and the window's cost is measured
against a process that shares nothing with any window (run it with OMP_WAIT_POLICY=PASSIVE, as
the engine is run).
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.build import build_model
from core.datasets2d import PlaneData
from core.engine import engine_rates, torch_threads_for_engine
from core.presets import build_config
from core.trainer import Trainer


def _mlp(n_in, n_out, hidden, depth):
    layers, width = [], n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, n_out))


def plain_gan_steps_per_sec(cfg, steps: int, diagnostics: bool = False) -> float:
    """Non-saturating loss + R1 + EMA + cosine lr, as the default preset, in plain code.

    diagnostics=True also keeps what genviz records every step (both losses, mean D(x) and
    D(G(z)), both gradient norms), so the comparison isolates the framework's own overhead."""
    p, batch = cfg.params, cfg.data.batch_size
    device = torch.device("cpu")
    torch.manual_seed(cfg.train.seed)
    gen = torch.Generator().manual_seed(cfg.train.seed)
    data = PlaneData(cfg.data.dataset, device, gen)
    G, D = _mlp(p.latent_dim, 2, p.hidden, p.depth), _mlp(2, 1, p.hidden, p.depth)
    G_ema = copy.deepcopy(G).requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=p.lr_g, betas=(p.beta1, p.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=p.lr_d, betas=(p.beta1, p.beta2))
    losses = []
    start = time.perf_counter()
    for step in range(steps):
        factor = p.lr_final + (1 - p.lr_final) * 0.5 * (1 + math.cos(math.pi * step / cfg.train.steps))
        for opt, lr in ((opt_g, p.lr_g), (opt_d, p.lr_d)):
            opt.param_groups[0]["lr"] = lr * factor
        real = data.batch(batch).requires_grad_(True)
        fake = G(torch.randn(batch, p.latent_dim, generator=gen)).detach()
        real_logits = D(real)
        loss_d = F.softplus(-real_logits).mean() + F.softplus(D(fake)).mean()
        (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
        opt_d.zero_grad(set_to_none=True)
        (loss_d + 0.5 * p.r1_gamma * grad.pow(2).sum(1).mean()).backward()
        if diagnostics:
            norm_d = torch.stack([q.grad.norm() for q in D.parameters()]).norm()
        opt_d.step()
        fake_logits = D(G(torch.randn(batch, p.latent_dim, generator=gen)))
        loss_g = F.softplus(-fake_logits).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        if diagnostics:
            norm_g = torch.stack([q.grad.norm() for q in G.parameters()]).norm()
            losses.append(torch.stack([loss_d.detach(), torch.sigmoid(real_logits.detach()).mean(),
                                       torch.sigmoid(fake_logits.detach()).mean(), norm_d, norm_g]))
        opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(list(G_ema.parameters()), list(G.parameters()), 1 - p.ema)
        losses.append(loss_g.detach())  # kept as tensors, like a careful script
    torch.stack([x.sum() for x in losses]).mean().item()
    return steps / (time.perf_counter() - start)


def headless_steps_per_sec(model: str, dataset: str, steps: int) -> float:
    """The engine's Trainer loop with no window: the engine's flush rate, same steps and seed;
    the wall time of the whole loop, flushes included."""
    cfg = build_config(model, dataset, overrides={"train.steps": steps})
    trainer = Trainer(build_model(cfg), flush_interval=engine_rates()["flush_interval"], snapshot_interval=None)
    start = time.perf_counter()
    trainer.run(max_steps=steps)
    return steps / (time.perf_counter() - start)


def engine_steps_per_sec(model: str, dataset: str, steps: int) -> float:
    """The Engine as the window's process runs it (weights copied for the views at the window's rates,
    the timeline recorded, metric rows as messages) but its messages thrown away: no wire and no window.
    Against headless, this is what streaming to a window costs training; against the window-open run,
    what the window's presence on the machine costs it. Wall time of the engine's own loop, as bench's."""
    from core.engine import Engine
    from core.protocol import Message

    cfg = build_config(model, dataset, overrides={"train.steps": steps})
    ended: list[dict] = []

    def emit(msg: Message) -> None:
        if msg.kind == "state" and "run_wall_s" in msg.body:  # the loop ended: let serve() return
            ended.append(msg.body)
            engine.command(Message("cmd", body={"op": "shutdown"}))

    engine = Engine(emit)
    engine.command(Message("cmd", "bench", body={"op": "build", "config": cfg.to_dict()}))
    engine.command(Message("cmd", "bench", body={"op": "start", "max_steps": steps}))
    engine.serve()
    return ended[0]["run_steps"] / ended[0]["run_wall_s"]


def recording_share(model: str, dataset: str, steps: int) -> dict:
    """The timeline's cost to training, timed where it is paid: the engine (as engine_steps_per_sec runs it)
    with every Timeline.record call timed, over the wall time of its loop. Unlike a ratio of two runs'
    steps/s, this is not lost in the machine's drift of a few per cent between runs."""
    from core.timeline import Timeline

    spent = [0.0, 0]
    record = Timeline.record

    def timed_record(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return record(self, *args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0
            spent[1] += 1

    Timeline.record = timed_record
    try:
        started = time.perf_counter()
        rate = engine_steps_per_sec(model, dataset, steps)
        loop_s = steps / rate
    finally:
        Timeline.record = record
    return {"steps_per_s": rate, "loop_s": loop_s, "record_s": spent[0], "record_calls": spent[1],
            "record_share": spent[0] / loop_s, "wall_s": time.perf_counter() - started}


def headless_vs_plain(steps: int, rounds: int) -> dict:
    cfg = build_config("gan", "ring8", overrides={"train.steps": steps})
    runs: dict[str, list[float]] = {"headless": [], "plain": [], "plain_with_same_metrics": []}
    for _ in range(rounds):
        runs["headless"].append(headless_steps_per_sec("gan", "ring8", steps))
        runs["plain"].append(plain_gan_steps_per_sec(cfg, steps))
        runs["plain_with_same_metrics"].append(plain_gan_steps_per_sec(cfg, steps, diagnostics=True))
    rates = {f"{k}_steps_per_s": float(np.median(v)) for k, v in runs.items()}
    return {**rates, "headless_over_plain": rates["headless_steps_per_s"] / rates["plain_steps_per_s"],
            "headless_over_plain_with_same_metrics":
                rates["headless_steps_per_s"] / rates["plain_with_same_metrics_steps_per_s"]}


def main(argv: list[str]) -> dict:
    torch.set_num_threads(torch_threads_for_engine())  # as the engine's process does
    if argv[0] == "headless":
        return {"steps_per_s": headless_steps_per_sec(argv[1], argv[2], int(argv[3]))}
    if argv[0] == "engine":
        return {"steps_per_s": engine_steps_per_sec(argv[1], argv[2], int(argv[3]))}
    if argv[0] == "recording":
        return recording_share(argv[1], argv[2], int(argv[3]))
    return headless_vs_plain(int(argv[1]), int(argv[2]))


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
