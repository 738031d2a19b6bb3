"""E7 — the paper's protocol: an autoencoder's decoder Jacobian as the tangent space, attacks free / on / off.

A convolutional autoencoder with Softplus activations and latent size k learns the images as the
manifold {D(z)}; at an image x its tangent space is span J_dec(E(x)), orthonormalised by QR (Karner's
reproduction of Shamir et al.). At correctly classified test images the minimal L2 perturbation is found
anywhere (d_free), inside the tangent space (d_on) and inside its normal space (d_off), twice: with
DeepFool, and with the reproductions' tool, L2 PGD with small steps that stops at the first success
(its ‖δ‖ then bounds the minimal distance from above). The DMM predicts d_on ≫ d_free ≈ d_off (C7).
For a locally linear classifier d_S/d_free ≈ 1/on_S(∇f), which is √(n/k) for a random k-dimensional S:
a random k-frame, attacked the same way, is printed beside. PGD success rates at a ladder of eps
complete the picture. Check: d_off/d_free < 1.5 and d_on/d_free > 1.2, with √(n/k) beside (why: C7:
an attack kept on the manifold must travel clearly further than a free one, by 20% or more, while one
kept off it is almost as short; 1.5 leaves room for PGD's step quantisation but not for an ordering
like d_on's; the book lists every check in the appendix "Predictions and checks").
No [0, 1] box in the norm measurements (as DeepFool and Karner). The examples drawn for the figures and
scenes are kept for both tools (`ae_ex_*` from DeepFool, `pgd_ex_*` from PGD), each with the class the
model gives x + δ for the free, on and off attack (`*_ex_pred_free` and so on), so they can say "5 → 3". The `full` profile runs full MNIST;
for CIFAR-10 use `run_experiment("E7", "full", **FULL_CIFAR10)` (SmallCNN, latent 128).
Book page: "On- vs off-manifold perturbations" (the image case with the paper's protocol).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.attacks import deepfool, pgd
from dmm_edu.boundary.distances import SPACES, distances_from, gradient_on_fraction, minimal_distances
from dmm_edu.experiments._images import (
    check_image_recipe,
    MNIST_NAMES,
    PUBLISHED,
    ImageRecipe,
    attack_points,
    compare,
    example_arrays,
    load_images,
    rho_comparison,
    torch_generator,
    train_model,
)
from dmm_edu.manifold import AutoencoderProjector, Frames, baselines, frames_at, random_frame
from dmm_edu.torch_nn import ConvAutoencoder, TrainConfig, train_autoencoder

ON_MIN, OFF_MAX = 1.2, 1.5  # C7: d_on/d_free > 1.2 (on-manifold is clearly longer), d_off/d_free < 1.5 (off is
# almost as short as free, up to PGD's step quantisation)


@dataclass(frozen=True)
class Config(ImageRecipe):
    k: int = 16  #: the autoencoder's latent size = the tangent dimension (Karner's for MNIST: dmm_edu.published)
    ae_channels: tuple[int, int] = (16, 32)  #: channels of the autoencoder's two conv layers
    ae_epochs: int = 8  #: autoencoder training epochs (Adam, MSE)
    ae_lr: float = 2e-3  #: autoencoder learning rate (Adam)
    ae_batch_size: int = 128  #: images per autoencoder step
    pgd_alpha: float = 0.02  #: PGD step (L2) of the early-stopped minimal-norm search
    pgd_steps: int = 400  #: its step cap: norms up to pgd_alpha · pgd_steps can be found
    pgd_eps: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)  #: the eps ladder of the PGD success rates
    pgd_ladder_steps: int = 50  #: PGD steps at each eps of the ladder (step 2.5 eps / steps)
    published_rtol: float = 0.25  #: a number agrees with a published one within this relative tolerance


CONFIGS = {
    "smoke": Config(n_per_class=300, epochs=4, ae_epochs=3, n_attack=60, pgd_steps=300, n_examples=4),
    "book": Config(),
    "full": Config(dataset="mnist", download=True, epochs=20, ae_channels=(32, 64), ae_epochs=30, n_attack=1000),
}
# The full profile on CIFAR-10, with Karner's latent size k = 128 of n = 3072 (his ratio and √(n/k) for it are
# in dmm_edu.published, keys karner.cifar10.*).
FULL_CIFAR10 = {"dataset": "cifar10", "model": "cnn", "k": 128, "ae_channels": (64, 128), "epochs": 30,
                "pgd_eps": (0.1, 0.25, 0.5, 1.0), "pgd_alpha": 0.005, "pgd_steps": 800}


def train_ae(config: Config, train, generator: torch.Generator) -> ConvAutoencoder:
    """The Softplus autoencoder with latent config.k, trained on the training images (Adam, MSE)."""
    ae = ConvAutoencoder(train.shape, k=config.k, channels=config.ae_channels, generator=generator)
    x, _ = train.to_torch()  # (N, C, H, W)
    ae_config = TrainConfig(epochs=config.ae_epochs, batch_size=config.ae_batch_size, lr=config.ae_lr,
                            optimizer="adam", device=config.device, progress=False)
    train_autoencoder(ae, x, ae_config, generator=generator)
    return ae.eval()


@torch.no_grad()
def reconstruction_mse(ae: ConvAutoencoder, test, batch_size: int = 1024) -> float:
    """mean (D(E(x)) - x)² over the test images and pixels."""
    x, _ = test.to_torch()  # (N, C, H, W)
    device = next(ae.parameters()).device
    se = sum(float(((ae(xb.to(device)) - xb.to(device)) ** 2).sum()) for xb in x.split(batch_size))
    return se / x.numel()


def pgd_minimal(model, x, y, frames: Frames, config: Config) -> dict:
    """Early-stopped L2 PGD (margin loss, step pgd_alpha, no box) per space: {space: AttackResult (numpy)};
    norm is ‖δ‖ at the first success, an upper bound on the minimal distance."""
    eps = config.pgd_alpha * config.pgd_steps  # a ball the steps never reach: only early stopping ends them
    return {space: pgd(model, x, y, eps, alpha=config.pgd_alpha, steps=config.pgd_steps, norm="l2", bounds=None,
                       loss="margin", early_stop=True, space=space,
                       projector=None if space == "free" else frames).numpy() for space in SPACES}


def pgd_ladder(model, x, y, frames: Frames, config: Config) -> dict:
    """PGD-L2 success rates at each eps of the ladder, per space: {"eps": [...], "success_<space>": [...]}."""
    ladder = {"eps": list(config.pgd_eps)}
    for space in SPACES:
        ladder[f"success_{space}"] = [
            pgd(model, x, y, eps, steps=config.pgd_ladder_steps, norm="l2", bounds=None, loss="margin",
                early_stop=True, space=space, projector=None if space == "free" else frames).success_rate
            for eps in config.pgd_eps]
    return ladder


def karner_comparison(config: Config, ours: dict) -> dict:
    """Our PGD ratios (ratio of medians) against Karner's MNIST MLP numbers, where comparable."""
    karner = PUBLISHED["karner_mnist_mlp"]
    comparable = config.dataset in MNIST_NAMES and config.model == "mlp" and config.k == karner["k"]
    why = None if comparable else (f"not comparable: Karner used MNIST, an MLP and k = {karner['k']}; here "
                                   f"{config.dataset}, {config.model}, k = {config.k}")
    return {key: compare(ours[key], karner[key], config.published_rtol, why)
            for key in ("d_on_over_d_free", "d_off_over_d_free")}


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    check_image_recipe(config)
    check_positive_int("k", config.k)
    for i, channels in enumerate(config.ae_channels):
        check_positive_int(f"ae_channels[{i}]", channels)
    check_positive_int("ae_epochs", config.ae_epochs)
    check_positive_float("ae_lr", config.ae_lr)
    check_positive_int("ae_batch_size", config.ae_batch_size)
    check_positive_float("pgd_alpha", config.pgd_alpha)
    check_positive_int("pgd_steps", config.pgd_steps)
    if not config.pgd_eps:
        raise ValueError(f"pgd_eps={config.pgd_eps!r} is not accepted; expected a non-empty tuple of budgets > 0")
    for i, eps in enumerate(config.pgd_eps):
        check_positive_float(f"pgd_eps[{i}]", eps)
    check_positive_int("pgd_ladder_steps", config.pgd_ladder_steps)
    check_positive_float("published_rtol", config.published_rtol)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    train, test = load_images(config, rng)
    generator = torch_generator(rng)
    model = train_model(config, train, generator)
    ae = train_ae(config, train, generator)
    x, y, accuracy = attack_points(model, test, config.n_attack, rng)  # (M, C, H, W), (M,)
    mse = reconstruction_mse(ae, test)
    if progress:
        progress(f"{config.dataset}: clean test accuracy {accuracy:.4f}, autoencoder test MSE {mse:.4f}; "
                 f"attacking {len(y)} images")
    ae_frames = frames_at(AutoencoderProjector(ae), x)  # (M, n, k): QR of J_dec at E(x), computed once
    n = ae_frames.n
    rand_frames = random_frame(n, config.k, rng)  # (n, k) control
    free = deepfool(model, x, y, steps=config.steps, overshoot=config.overshoot)  # once, for both tangents
    on_grad = gradient_on_fraction(model, x, y, ae_frames)  # (M,) on(∇ℓ) under the autoencoder tangent
    metrics: dict = {"dataset": config.dataset, "clean_test_accuracy": accuracy, "ae_test_mse": mse, "n": n,
                     "k": config.k, **baselines(n, config.k)}
    arrays: dict = {"labels": y.cpu().numpy()}
    for name, frames, attack in (("ae", ae_frames, "deepfool"), ("random_frame", rand_frames, "deepfool"),
                                 ("pgd", ae_frames, "pgd")):
        if attack == "deepfool":
            dist = minimal_distances(model, x, y, frames, steps=config.steps, overshoot=config.overshoot, free=free)
        else:
            dist = distances_from(pgd_minimal(model, x, y, frames, config), frames, x)
        if frames is ae_frames:
            dist.on_grad = on_grad
        metrics[name] = dist.summary()
        arrays.update({f"{name}_{key}": a for key, a in dist.arrays().items()})
        if name in ("ae", "pgd"):  # DeepFool's examples (the grid) and PGD's (the paper's own attack)
            arrays.update({f"{name}_{key}": a
                           for key, a in example_arrays(x, dist, frames, config.n_examples, model).items()})
        if progress:
            m = metrics[name]
            progress(f"{name} ({attack}): d_on/d_free {m['d_on_over_d_free']:.2f}, d_off/d_free "
                     f"{m['d_off_over_d_free']:.2f} (random S: {m['baseline_d_on_over_d_free']:.2f}); on(d_free) "
                     f"{m['on_delta']:.3f} (random {m['baseline_on']:.3f})")
    metrics["pgd_ladder"] = pgd_ladder(model, x, y, ae_frames, config)
    metrics["rho_deepfool"] = metrics["ae"]["rho_mean"]  # DeepFool reports the mean of ρ over its test set
    metrics["published"] = PUBLISHED
    metrics["agrees_with_published"] = {**karner_comparison(config, metrics["pgd"]),
                                        "rho_deepfool": rho_comparison(metrics["rho_deepfool"], config,
                                                                       config.published_rtol)}
    metrics["checks"] = {  # the predictions, recorded whether or not they hold
        f"{tool}_{key}": bool(ok) for tool in ("ae", "pgd") for key, ok in (
            (f"d_on_over_d_free_above_{ON_MIN:g}", metrics[tool]["d_on_over_d_free"] > ON_MIN),
            (f"d_off_over_d_free_below_{OFF_MAX:g}", metrics[tool]["d_off_over_d_free"] < OFF_MAX))}
    return metrics, arrays
