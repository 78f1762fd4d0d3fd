"""RealNVP: a normalising flow trained by maximum likelihood through the change of variables

    p_x(x) = p_z(f(x)) |det df/dx|,   p_z = N(0, I),
    NLL(x) = -log p_z(f(x)) - log|det df/dx|   ("log_pz" and "log_det" in the metrics).

f is a stack of affine couplings (core.models.flows). For 2-D data each coupling keeps one
coordinate and transforms the other with MLP s and t; for images the multi-scale architecture
of Dinh et al. uses checkerboard and channel-wise masks, squeezes and factored-out halves.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from core.config import ConfigError
from core.models.base import GenerativeModel, grad_norm, mlp, numpy_copies
from core.models.flows import (
    AffineCoupling,
    FlowSequence,
    InverseFlow,
    LogitTransform,
    Squeeze,
    channel_mask,
    checkerboard_mask,
    make_norm,
    resnet_st,
    standard_normal_log_prob,
)

VIEW_POINTS = 512  # data points (and their images in z) drawn in the 2-D views
DENSITY_RES = 48  # the density and log-det maps are DENSITY_RES x DENSITY_RES (4096 points cost 25 ms)
GRID_LINES, GRID_POINTS, GRID_EXTENT = 11, 41, 3.0  # z-space grid pulled back to x
JACOBIAN_POINTS = 8
TEST_POINTS, TEST_SEED = 20_000, 2**20 + 3  # the fixed held-out 2-D sample of evaluate()
SAMPLE_TEMPERATURES = (0.5, 0.75, 1.0)  # image samples at z ~ N(0, T^2 I)
INTERP_IMAGES = 8  # test images whose codes z the snapshot carries (interpolation end points)
SLIDER_IMAGES = 16  # test images whose codes give the sliders' start points and principal directions
SLIDER_AXES = 8  # the principal directions of those codes that get a slider
LEVELS = 256  # pixel levels of 8-bit images
# The change-of-variables lesson's square: small enough that f is nearly linear on it (on a trained moons
# flow the area ratio is within 0.5% of |det ∂f/∂x| at its centre; 2% at 0.01)
SQUARE_HALF_WIDTH = 0.005


def plane_flow(dim: int, p) -> FlowSequence:
    """[norm, coupling] x couplings; consecutive couplings keep alternate coordinates."""
    layers: list[nn.Module] = []
    for k in range(p.couplings):
        mask = torch.zeros(1, dim)
        mask[0, k % 2 :: 2] = 1  # for 2-D: keep x1 and change x2, then the other way round
        net = mlp(dim, 2 * dim, p.hidden, p.depth, p.activation)
        nn.init.zeros_(net[-1].weight)  # s = t = 0: each coupling starts as the identity
        nn.init.zeros_(net[-1].bias)
        layers += make_norm(p.norm, dim, image=False)
        layers.append(AffineCoupling(mask, net, p.scale_fn))
    return FlowSequence(layers)


class MultiScaleFlow(nn.Module):
    """Dinh et al.'s multi-scale flow on (C, H, W), output flattened to (N, C*H*W).

    Each scale but the last: 3 checkerboard couplings, a squeeze to (4C, H/2, W/2), 3 channel-wise
    couplings, then half the channels leave as part of z (they are already Gaussianised enough,
    and the rest of the flow works on a smaller tensor). The last scale: 4 checkerboard couplings.
    """

    def __init__(self, shape: tuple[int, int, int], p):
        super().__init__()
        c, h, w = shape
        step = 2 ** (p.scales - 1)
        if h % step or w % step:
            raise ConfigError(f"realnvp.scales = {p.scales} needs image sides divisible by {step}; "
                              f"these images are {h}x{w}")
        self.stages = nn.ModuleList()
        self.z_shapes: list[tuple[int, int, int]] = []  # the shape of each factored-out part of z

        def coupling(mask, channels):
            return make_norm(p.norm, channels, image=True) + [
                AffineCoupling(mask, resnet_st(channels, p.channels, p.blocks), p.scale_fn)]

        for scale in range(p.scales):
            last = scale == p.scales - 1
            layers: list[nn.Module] = []
            for k in range(4 if last else 3):
                layers += coupling(checkerboard_mask(c, h, w, k % 2), c)
            if not last:
                layers.append(Squeeze())
                c, h, w = 4 * c, h // 2, w // 2
                for k in range(3):
                    layers += coupling(channel_mask(c, h, w, k % 2), c)
                self.z_shapes.append((c // 2, h, w))
                c = c - c // 2
            self.stages.append(FlowSequence(layers))
        self.z_shapes.append((c, h, w))

    def forward(self, x):
        parts, log_det = [], x.new_zeros(x.shape[0])
        for i, stage in enumerate(self.stages):
            x, ld = stage(x)
            log_det = log_det + ld
            if i < len(self.stages) - 1:
                out = self.z_shapes[i][0]
                parts.append(x[:, :out].flatten(1))  # factored out: this half is now part of z
                x = x[:, out:]
        parts.append(x.flatten(1))
        return torch.cat(parts, 1), log_det

    def inverse(self, z):
        sizes = [math.prod(s) for s in self.z_shapes]
        parts = [part.reshape(-1, *shape) for part, shape in
                 zip(z.flatten(1).split(sizes, 1), self.z_shapes, strict=True)]
        x = parts[-1]
        for i in range(len(self.stages) - 1, -1, -1):
            if i < len(self.stages) - 1:
                x = torch.cat([parts[i], x], 1)
            x = self.stages[i].inverse(x)
        return x


class ImageFlow(nn.Module):
    """Pixels y in [0, 1] -> logit space -> multi-scale flow -> z (N, C*H*W); log|det| of both."""

    def __init__(self, shape, p):
        super().__init__()
        self.shape = tuple(shape)
        self.logit = LogitTransform(p.logit_alpha)
        self.body = MultiScaleFlow(self.shape, p)

    def forward(self, y):
        w, ld_logit = self.logit(y)
        z, ld_body = self.body(w)
        return z, ld_logit + ld_body

    def inverse(self, z):
        return self.logit.inverse(self.body.inverse(z))


class RealNVP(GenerativeModel):
    """The flow model for 2-D points and for images (8-bit pixels scaled to [0, 1])."""

    def __init__(self, cfg, data, device, noise):
        super().__init__(cfg, data, device, noise)
        p = self.params
        self.is_image = hasattr(data, "shape") and len(tuple(data.shape)) >= 3
        view_rng = torch.Generator(device=device).manual_seed(cfg.train.seed + 7919)
        if self.is_image:
            self.image_shape = tuple(data.shape)[-3:]
            self.flow = ImageFlow(self.image_shape, p)
            self.latent_dim = math.prod(self.image_shape)
            self.metric_names = ("nll", "log_pz", "log_det", "bits_per_dim", "grad_norm")
            self.register_buffer("view_z", torch.randn(16, self.latent_dim, generator=view_rng, device=device),
                                 persistent=False)
        else:
            self.flow = plane_flow(data.dim, p)
            self.latent_dim = data.dim
            self.metric_names = ("nll", "log_pz", "log_det", "grad_norm")
            # Fixed inputs for the views, from their own RNG so drawing never shifts the training stream.
            self.register_buffer("view_data", data.batch(VIEW_POINTS, view_rng), persistent=False)
            self.register_buffer("view_z", torch.randn(VIEW_POINTS, data.dim, generator=view_rng, device=device),
                                 persistent=False)
        self.setup()

    def configure_optimizers(self):
        p = self.params
        return {"main": torch.optim.Adam(self.flow.parameters(), lr=p.lr, betas=(p.beta1, p.beta2),
                                         weight_decay=p.weight_decay)}

    # -- the change of variables ------------------------------------------------------------
    def forward(self, x):
        """x -> (z, log|det df/dx|). For images x is a continuous pixel image in [0, 1]."""
        return self.flow(x)

    def inverse(self, z):
        """z -> x = f^{-1}(z), exact."""
        return self.flow.inverse(z)

    def log_prob(self, x):
        """log p_x(x) = log p_z(f(x)) + log|det df/dx|, per example (a density on [0, 1]^D for images)."""
        z, log_det = self.flow(x)
        return standard_normal_log_prob(z) + log_det

    def _dequantize(self, x, generator):
        """Pixel levels k = 255 x, plus u ~ U[0, 1) (or 1/2 when off), scaled by 1/256 into [0, 1)."""
        levels = torch.round(x * (LEVELS - 1))
        u = (torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
             if self.params.dequantize else torch.full_like(x, 0.5))
        return (levels + u) / LEVELS

    def nll_terms(self, x, generator=None):
        """(nll, log_pz, log_det) per example, in nats. For images the map k + u -> (k + u)/256
        adds -D log 256 to log_det, so nll bounds the discrete negative log-likelihood."""
        if self.is_image:
            x = self._dequantize(x, generator or self.noise)
        z, log_det = self.flow(x)
        log_pz = standard_normal_log_prob(z)
        if self.is_image:
            log_det = log_det - self.latent_dim * math.log(LEVELS)
        return -(log_pz + log_det), log_pz, log_det

    def bits_per_dim(self, nll):
        return nll / (self.latent_dim * math.log(2))

    # -- training -----------------------------------------------------------------------------
    def training_step(self, step: int):
        p = self.params
        self.apply_lr(step)
        opt = self.optimizers["main"]
        for group in opt.param_groups:  # live setting
            group["weight_decay"] = p.weight_decay
        nll, log_pz, log_det = self.nll_terms(self.data.batch(self.cfg.data.batch_size))
        nll = nll.mean()
        # Images: minimise bits per dim, the same objective scaled to a size Adam's eps suits.
        loss = self.bits_per_dim(nll) if self.is_image else nll
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if p.grad_clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(self.flow.parameters(), p.grad_clip)
        else:
            norm = grad_norm(self.flow.parameters())
        opt.step()
        out = {"nll": nll.detach(), "log_pz": log_pz.detach().mean(), "log_det": log_det.detach().mean(),
               "grad_norm": norm}
        if self.is_image:
            out["bits_per_dim"] = self.bits_per_dim(out["nll"])
        return out

    # -- the change-of-variables lesson (2-D) ------------------------------------------------------
    def area_ratio(self, point, half_width: float = SQUARE_HALF_WIDTH, n: int = 64) -> float:
        """area(f(square)) / area(square) for a small square around a 2-D point (see change_of_variables_at)."""
        return change_of_variables_at(self.flow, point, half_width, n)["area_ratio"]

    def log_det_at(self, points) -> torch.Tensor:
        """log|det ∂f/∂x| at each 2-D point, from the layers (Σ s over the couplings plus any normalisation)."""
        couplings, others = log_det_parts(self.flow, torch.as_tensor(points, dtype=torch.float32))
        return couplings + others

    def reconstruction_gap(self) -> float:
        """max |f⁻¹(f(x)) − x| over the 2-D views' data points."""
        return reconstruction_gap(self.flow, self.view_data)

    # -- sampling and views ---------------------------------------------------------------------
    def decoder(self) -> nn.Module:
        """z -> x, the inverse flow (for images: (N, C*H*W) -> (N, C, H, W) in [0, 1])."""
        return InverseFlow(self.flow, clamp=(0.0, 1.0) if self.is_image else None)

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None, temperature: float = 1.0) -> torch.Tensor:
        """x = f^{-1}(z), z ~ N(0, T^2 I); (n, 2) points or (n, C, H, W) images in [0, 1]."""
        was_training = self.training
        self.eval()
        g = torch.Generator(device=self.device).manual_seed(self.cfg.train.seed + 104729 if seed is None else seed)
        z = temperature * torch.randn(n, self.latent_dim, generator=g, device=self.device)
        x = self.flow.inverse(z)
        self.train(was_training)
        return x.clamp(0, 1) if self.is_image else x

    def snapshot(self) -> dict[str, np.ndarray]:
        snap = self._image_snapshot() if self.is_image else self._plane_snapshot()
        snap["decoder_state"] = numpy_copies(self.decoder().state_dict())
        return snap

    def main_view_keys(self) -> tuple[str, ...]:
        # The density map is what a student watches change; the layer-by-layer states, the
        # pulled-back grid and the Jacobian check cost as much again and are read a few times a second.
        return () if self.is_image else ("density", "log_det_map", "inverse_samples")

    def main_view_snapshot(self) -> dict[str, np.ndarray]:
        return numpy_copies({k: v.float() for k, v in self._density_maps().items()}
                            | {"inverse_samples": self.flow.inverse(self.view_z).float()})

    def _density_maps(self) -> dict[str, torch.Tensor]:
        x0, x1, y0, y1 = self.data.info.bounds
        xs = torch.linspace(x0, x1, DENSITY_RES, device=self.device)
        ys = torch.linspace(y0, y1, DENSITY_RES, device=self.device)
        gx, gy = torch.meshgrid(xs, ys, indexing="ij")
        grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
        z_grid, log_det_grid = self.flow(grid)
        density = torch.exp(standard_normal_log_prob(z_grid) + log_det_grid)  # p_z(f(x)) |det df/dx|
        return {"density": density.reshape(DENSITY_RES, DENSITY_RES),
                "log_det_map": log_det_grid.reshape(DENSITY_RES, DENSITY_RES)}

    def _plane_snapshot(self) -> dict[str, np.ndarray]:
        z_data, _, states = self.flow(self.view_data, keep_states=True)
        out = {
            **self._density_maps(),
            "data": self.view_data,
            "forward_z": z_data,
            "inverse_grid": self.flow.inverse(_z_grid_lines(self.device)).reshape(
                2 * GRID_LINES, GRID_POINTS, 2),
            "inverse_samples": self.flow.inverse(self.view_z),
            "layers": torch.stack(states),
            "jacobian_check": jacobian_gap(self.flow, self.view_data[:JACOBIAN_POINTS]),
        }
        snap = numpy_copies({k: v.float() for k, v in out.items()})
        snap["layer_names"] = np.array(["x"] + [_layer_name(m) for m in self.flow.layers])
        snap["bounds"] = np.asarray(self.data.info.bounds, np.float32)
        return snap

    def _image_snapshot(self) -> dict[str, np.ndarray]:
        temps = torch.tensor(SAMPLE_TEMPERATURES, device=self.device)
        z = (temps[:, None, None] * self.view_z).reshape(-1, self.latent_dim)
        images = self.flow.inverse(z).clamp(0, 1).reshape(len(temps), -1, *self.image_shape)
        snap = {"samples": images.float().cpu().numpy(), "temperatures": temps.cpu().numpy()}
        test = getattr(self.data, "test_images", None)
        if test is not None and len(test) >= 2:
            # A few fixed test images and their codes z = f(x), the end points of the GUI's
            # interpolation; pixel levels at the centre of their bins, so z is deterministic.
            x = torch.as_tensor(test[:max(INTERP_IMAGES, SLIDER_IMAGES)], device=self.device, dtype=torch.float32)
            x = (torch.round(x * (LEVELS - 1)) + 0.5) / LEVELS
            codes = self.flow(x)[0]
            snap["test_images"] = x[:INTERP_IMAGES].float().cpu().numpy()
            snap["test_z"] = codes[:INTERP_IMAGES].float().cpu().numpy()
            # the sliders start at one of these codes and move along their principal directions
            snap.update(slider_codes=codes.float().cpu().numpy(),
                        slider_axes=_principal_axes(codes, SLIDER_AXES).float().cpu().numpy())
        return snap

    # -- evaluation ---------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, progress=None) -> dict:
        was_training = self.training
        self.eval()
        try:
            return self._evaluate_images(progress) if self.is_image else self._evaluate_plane()
        finally:
            self.train(was_training)

    def _evaluate_plane(self) -> dict:
        g = torch.Generator(device=self.device).manual_seed(TEST_SEED)
        x = self.data.batch(TEST_POINTS, g)
        nll, log_pz, log_det = self.nll_terms(x)
        return {"test_nll": float(nll.mean()), "test_log_pz": float(log_pz.mean()),
                "test_log_det": float(log_det.mean()), "test_points": TEST_POINTS}

    def _evaluate_images(self, progress=None, batch: int = 500) -> dict:
        images = torch.as_tensor(self.data.test_images, device=self.device, dtype=torch.float32)
        g = torch.Generator(device=self.device).manual_seed(TEST_SEED)  # the same dequantisation noise
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        for done, chunk in enumerate(images.split(batch), 1):
            total += self.nll_terms(chunk, g)[0].double().sum()
            if progress is not None:
                progress(min(done * batch, len(images)), len(images))
        nll = float(total) / len(images)
        return {"bits_per_dim": nll / (self.latent_dim * math.log(2)), "test_nll": nll,
                "test_images": len(images)}


def _principal_axes(codes: torch.Tensor, k: int) -> torch.Tensor:
    """The top k principal directions of the codes (n, D), each scaled by the codes' standard
    deviation along it, so a slider at ±3 moves z three spreads. A direction has no sign of its
    own: its largest entry is made positive, so a slider keeps its meaning from one snapshot to the
    next. A direction that does not exist (k > n - 1 codes) is all zeros."""
    centred = codes.double() - codes.double().mean(0)
    _, spread, axes = torch.linalg.svd(centred, full_matrices=False)  # (n,), (n, D)
    axes = axes[:k] * (spread[:k] / math.sqrt(max(len(codes) - 1, 1)))[:, None]
    sign = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
    axes = axes * torch.where(sign == 0, 1.0, sign)
    return torch.cat([axes, axes.new_zeros(k - len(axes), codes.shape[1])]) if len(axes) < k else axes


def _layer_name(layer: nn.Module) -> str:
    """The layer's class, and for a 2-D coupling which coordinate it keeps (x_{1:d})."""
    name = type(layer).__name__
    if isinstance(layer, AffineCoupling) and layer.mask.dim() == 2:
        kept = ", ".join(f"x{i + 1}" for i in torch.nonzero(layer.mask[0]).flatten().tolist())
        name += f" (keeps {kept})"
    return name


def _z_grid_lines(device) -> torch.Tensor:
    """GRID_LINES lines along z1 and GRID_LINES along z2, GRID_POINTS each, in [-3, 3]^2."""
    t = torch.linspace(-GRID_EXTENT, GRID_EXTENT, GRID_POINTS, device=device)
    c = torch.linspace(-GRID_EXTENT, GRID_EXTENT, GRID_LINES, device=device)
    along_z1 = torch.stack(torch.broadcast_tensors(t[None, :], c[:, None]), -1)
    along_z2 = torch.stack(torch.broadcast_tensors(c[:, None], t[None, :]), -1)
    return torch.cat([along_z1, along_z2]).reshape(-1, 2)


def jacobian_gap(flow: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """max |sum of the layers' log|det J|  -  log|det| of the autograd Jacobian of f|, over points x.

    f acts on each point alone, so row j of every point's Jacobian is the gradient of the sum over
    points of z_j: D backward passes instead of the N * D a full autograd Jacobian takes."""
    with torch.enable_grad():
        v = x.detach().requires_grad_(True)
        z, log_det = flow(v)
        dim = z.shape[1]
        rows = [torch.autograd.grad(z[:, j].sum(), v, retain_graph=j < dim - 1)[0] for j in range(dim)]
    per_point = torch.stack(rows, 1)  # (N, D, D): [n, j, i] = dz_j / dx_i at point n
    return (torch.linalg.slogdet(per_point)[1] - log_det.detach()).abs().max().detach()


# -- the change-of-variables lesson (2-D flows) ------------------------------------------------------
def square_boundary(center, half_width: float, n: int) -> torch.Tensor:
    """(4n, 2): the boundary of the square of side 2·half_width around `center`, n points a side,
    counter-clockwise from the lower-left corner (the corners are points 0, n, 2n, 3n)."""
    cx, cy = (float(c) for c in center)
    t = torch.arange(n, dtype=torch.float64) / n * 2 * half_width - half_width  # -h .. h, end excluded
    h = torch.full_like(t, half_width)
    sides = [torch.stack([t, -h], 1), torch.stack([h, t], 1), torch.stack([-t, h], 1), torch.stack([-h, -t], 1)]
    return torch.cat(sides) + torch.tensor([cx, cy], dtype=torch.float64)


def polygon_area(points) -> float:
    """The area inside a closed polygon (its vertices in order), by the shoelace formula."""
    p = torch.as_tensor(points, dtype=torch.float64)
    x, y = p[:, 0], p[:, 1]
    return float(0.5 * (x * y.roll(-1) - x.roll(-1) * y).sum().abs())


@torch.no_grad()
def log_det_parts(flow: FlowSequence, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(Σ over couplings of Σ_j s_j, Σ of the other layers' log|det|) at each point: their sum is
    log|det ∂f/∂x|. The other layers are the normalisations (ActNorm's log-scales), 0 without them."""
    x = points.float()
    couplings = x.new_zeros(len(x))
    others = x.new_zeros(len(x))
    for layer in flow.layers:
        x, ld = layer(x)
        if isinstance(layer, AffineCoupling):
            couplings = couplings + ld
        else:
            others = others + ld
    return couplings, others


@torch.no_grad()
def change_of_variables_at(flow: FlowSequence, point, half_width: float = SQUARE_HALF_WIDTH, n: int = 64) -> dict:
    """A small square around `point`, its image under f, and both sides of the theorem there:
    area(f(square)) / area(square) by the shoelace formula on f of the boundary (n points a side),
    and |det ∂f/∂x| = exp(log-det) from the layers at the point. For a small square they agree."""
    square = square_boundary(point, half_width, n)
    image, _ = flow(square.float())
    couplings, others = log_det_parts(flow, torch.as_tensor([list(point)], dtype=torch.float32))
    return {
        "square": square.float().numpy(),
        "image": image.float().numpy(),
        "area_ratio": polygon_area(image) / polygon_area(square),
        "coupling_log_det": float(couplings[0]),  # Σ s over the couplings
        "log_det": float(couplings[0] + others[0]),  # log|det ∂f/∂x|, all layers
    }


@torch.no_grad()
def reconstruction_gap(flow: FlowSequence, points: torch.Tensor) -> float:
    """max over points and coordinates of |f⁻¹(f(x)) − x|: the inverse is exact up to rounding."""
    z, _ = flow(points.float())
    return float((flow.inverse(z) - points.float()).abs().max())
