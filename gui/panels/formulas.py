"""What the formula panel shows for each model: the lecture's equations (shared/SPEC.md) split into
pieces of LaTeX, the terms among them, which metric gives each term its live value, and which
curves and pictures a term drives (highlighted while the mouse is on it).

Every sentence a person reads is in TEXT, in one place, marked for translation (text(key) gives it in the
window's language); the LaTeX holds no words."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QT_TRANSLATE_NOOP

from gui.i18n import translate

TEXT = {
    "vae.elbo": QT_TRANSLATE_NOOP("Formulas", "The ELBO, maximised. Values: the newest training batch, per example (nats)."),
    "vae.kl": QT_TRANSLATE_NOOP("Formulas", "The KL term in closed form, summed over the latent dimensions j."),
    "vae.model": QT_TRANSLATE_NOOP("Formulas", "The encoder q(z|x) and the decoder p(x|z)."),
    "gan.loss": QT_TRANSLATE_NOOP("Formulas", "The loss: real data is class 1, G(z) is class 0. Values: the newest step; D(·) as batch means."),
    "gan.maxmin": QT_TRANSLATE_NOOP("Formulas", "D minimises L, G maximises it."),
    "gan.g.minimax": QT_TRANSLATE_NOOP("Formulas", "G's loss in this run (minimax, as in L): G minimises"),
    "gan.g.non-saturating": QT_TRANSLATE_NOOP("Formulas", "G's loss in this run (non-saturating): G minimises"),
    "gan.g.critic": QT_TRANSLATE_NOOP("Formulas", "G's loss in this run (a critic score, not a probability): G minimises"),
    "gan.saturated": QT_TRANSLATE_NOOP("Formulas", "When D wins, L saturates at 0 and the minimax G's gradient vanishes."),
    "gan.not_this_loss": QT_TRANSLATE_NOOP("Formulas", "This run trains with gan.loss = {loss}: D outputs a critic "
                                                       "score, not a probability, so it does not minimise L(D, G) above."),
    "flow.change": QT_TRANSLATE_NOOP("Formulas", "Change of variables. Values: the log of each factor, the newest batch's mean (nats)."),
    "flow.coupling": QT_TRANSLATE_NOOP("Formulas", "Affine coupling: the first d coordinates pass through; the rest are scaled by exp(s) and shifted by t."),
    "flow.jacobian": QT_TRANSLATE_NOOP("Formulas", "Its Jacobian is block triangular,"),
    "flow.det": QT_TRANSLATE_NOOP("Formulas", "so its determinant is the product of the diagonal. Value: Σ s over all couplings."),
    "flow.inverse": QT_TRANSLATE_NOOP("Formulas", "The inverse is exact and as cheap: s and t are never inverted."),
    "flow.bits": QT_TRANSLATE_NOOP("Formulas", "Images: the negative log-likelihood in bits per dimension."),
    # under a term: its value now
    "value": "{v}",  # symbols only: the same in every language
    "log": "log {v}",
    "sum_s": "Σ s = {v}",
    "no_value": "–",
    "values_at": QT_TRANSLATE_NOOP("Formulas", "values at step {step:,}"),
    "no_values": QT_TRANSLATE_NOOP("Formulas", "values appear after the first step"),
}


def text(key: str) -> str:
    """TEXT[key] in the window's language."""
    return translate("Formulas", TEXT[key])


@dataclass(frozen=True)
class Term:
    """A hoverable piece of a formula. Its value is sign × the newest value of `metric` (none if
    metric is None); `curves` are history-curve metric names and `panels` panel object names it drives."""

    key: str
    latex: str
    metric: str | None = None
    sign: float = 1.0
    shows: str = "value"  # which TEXT entry writes its value
    curves: tuple[str, ...] = ()
    panels: tuple[str, ...] = ()
    needs_probability: bool = False  # GAN: L(D, G) is not what a critic (wgan-gp, hinge) minimises


@dataclass(frozen=True)
class Row:
    """A caption above one line of maths: pieces are LaTeX strings (plain) or Terms."""

    caption: str  # a TEXT key
    pieces: tuple[str | Term, ...]
    gan_losses: tuple[str, ...] = field(default=())  # shown only for these gan.loss values (empty: always)

    def terms(self) -> list[Term]:
        return [p for p in self.pieces if isinstance(p, Term)]


KL = r"\mathrm{KL}\big(q(z|x_i)\,\|\,\mathcal{N}(0, I)\big)"

VAE_ROWS = (
    Row("vae.elbo", (
        Term("elbo", r"\mathrm{ELBO}", "loss", -1.0, curves=("loss", "test_loss")),
        r"{} = \sum_i \Big[",
        Term("recon", r"\mathbb{E}_{q(z|x_i)} \log p(x_i|z)", "recon", -1.0, curves=("recon", "test_recon"),
             panels=("vae_reconstructions", "vae_plane")),
        "{} - {}",
        Term("kl", KL, "kl", curves=("kl", "test_kl"), panels=("vae_kl_per_dim",)),
        r"\Big]",
    )),
    Row("vae.kl", (
        Term("kl_closed", KL, "kl", curves=("kl", "test_kl"), panels=("vae_kl_per_dim",)),
        r"{} = \frac{1}{2} \sum_j \big(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2\big)",
    )),
    Row("vae.model", (
        Term("encoder", r"q(z|x) = \mathcal{N}\big(\mu(x),\, \mathrm{diag}\, \sigma^2(x)\big)",
             panels=("vae_latent_scatter",)),
        r",\quad",
        Term("decoder", r"p(x|z) = \mathrm{decoder}(z) + \varepsilon", panels=("vae_samples", "vae_plane")),
    )),
)

D_REAL = Term("d_real", r"D(x_i)", "d_real", curves=("d_real",), panels=("gan_d_histograms",))
D_FAKE = Term("d_fake", r"D\big(G(z_i)\big)", "d_fake", curves=("d_fake",),
              panels=("gan_d_histograms", "gan_image_samples"))
CRITIC_LOSSES = ("wgan-gp", "hinge")

GAN_ROWS = (
    Row("gan.loss", (
        Term("L", r"L(D, G)", "loss_d", curves=("loss_d",), needs_probability=True),
        r"{} = -\frac{1}{n} \sum_i \log", D_REAL, r"{} - \frac{1}{n} \sum_i \log\Big(1 - {}", D_FAKE, r"\Big)",
    )),
    Row("gan.maxmin", (
        Term("max_G", r"\max_G", curves=("loss_g",)),
        Term("min_D", r"\min_D", curves=("loss_d",)),
        r"L(D, G)",
    )),
    Row("gan.g.minimax", (
        Term("loss_g_minimax", r"L_G = \frac{1}{n} \sum_i \log\Big(1 - D\big(G(z_i)\big)\Big)", "loss_g",
             curves=("loss_g",)),
    ), gan_losses=("minimax",)),
    Row("gan.g.non-saturating", (
        Term("loss_g_non_saturating", r"L_G = -\frac{1}{n} \sum_i \log D\big(G(z_i)\big)", "loss_g",
             curves=("loss_g",)),
    ), gan_losses=("non-saturating",)),
    Row("gan.g.critic", (
        Term("loss_g_critic", r"L_G = -\frac{1}{n} \sum_i D\big(G(z_i)\big)", "loss_g", curves=("loss_g",)),
    ), gan_losses=CRITIC_LOSSES),
    Row("gan.saturated", (
        r"D(x_i) \to 1,\;\; D\big(G(z_i)\big) \to 0 \;\;\Rightarrow\;\;",
        Term("L_saturated", r"L = 0", "loss_d", curves=("loss_d",), needs_probability=True),
        r"\;\;\Rightarrow\;\;",
        Term("grad_g", r"\|\nabla_{\theta_G} L_G\| \to 0", "grad_norm_g", curves=("grad_norm_g",),
             panels=("gan_lesson",)),
    )),
)

DET = r"\left|\det \frac{\partial f}{\partial x}\right|"
S = r"s(x_{1:d})"

FLOW_ROWS = (
    Row("flow.change", (
        Term("px", r"p_x(x)", "nll", -1.0, shows="log", curves=("nll",), panels=("flow_density",)),
        "{} = {}",
        Term("pz", r"p_z\big(f(x)\big)", "log_pz", shows="log", curves=("log_pz",), panels=("flow_forward",)),
        r"{} \cdot {}",
        Term("det", DET, "log_det", shows="log", curves=("log_det",), panels=("flow_log_det",)),
    )),
    Row("flow.coupling", (
        Term("coupling", r"z_{1:d} = x_{1:d}, \quad z_{d+1:D} = x_{d+1:D} \odot \exp\big(" + S + r"\big) + t(x_{1:d})",
             panels=("flow_layers", "flow_forward")),
    )),
    Row("flow.jacobian", (
        Term("jacobian", r"\frac{\partial z}{\partial x} = \begin{pmatrix} I_d & 0 \\ "
             r"\frac{\partial z_{d+1:D}}{\partial x_{1:d}} & \mathrm{diag}\big(\exp " + S + r"\big) \end{pmatrix}",
             panels=("flow_jacobian",)),
    )),
    Row("flow.det", (
        r"\left|\det \frac{\partial z}{\partial x}\right| = {}",
        Term("sum_s", r"\exp\Big(\sum_j " + S + r"_j\Big)", "log_det", shows="sum_s", curves=("log_det",),
             panels=("flow_log_det", "flow_jacobian")),
    )),
    Row("flow.inverse", (
        r"f^{-1}:\;\;",
        Term("inverse", r"x_{1:d} = z_{1:d}, \quad x_{d+1:D} = \big(z_{d+1:D} - t(x_{1:d})\big) \odot "
             r"\exp\big(-" + S + r"\big)", panels=("flow_inverse", "flow_samples")),
    )),
    Row("flow.bits", (
        Term("bits", r"\mathrm{bits/dim}", "bits_per_dim", curves=("bits_per_dim",)),
        r"{} = \frac{-\log p_x(x)}{D \ln 2}",
    )),
)

ROWS_BY_MODEL = {"GAN2D": GAN_ROWS, "ImageGAN": GAN_ROWS, "VAE": VAE_ROWS, "RealNVP": FLOW_ROWS}


def rows_for(model) -> tuple[Row, ...]:
    """The model's rows, less those whose values it does not report (bits/dim on 2-D data)."""
    names = set(model.metric_names)
    rows = ROWS_BY_MODEL.get(type(model).__name__, ())
    return tuple(r for r in rows if all(t.metric is None or t.metric in names for t in r.terms()))
