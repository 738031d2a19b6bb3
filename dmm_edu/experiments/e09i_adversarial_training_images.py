"""E9i — adversarial training deepens the dimples, on real images: standard versus PGD-L2 training.

Two copies of one initial network train on the same images in the same batch order: one on the clean
batches, one Madry-style on PGD-L2 adversarial batches (each batch is attacked first, inside the
[0, 1] box, and the step is taken on the attacked images only). At test images both classify
correctly, DeepFool (no box) measures the minimal L2 distance to the boundary anywhere (d_free),
inside the tangent space T (top-k PCA directions of the training images: d_on) and inside its normal
space N (d_off), with a random k-frame as control; clean accuracy and robust accuracy (PGD-L2 at the
training eps) give the accuracy cost. The DMM predicts that adversarial training mainly pushes the
boundary off the manifold along the normal (C9): d_off grows a lot, d_on barely changes; an account
in which AT reshapes the in-manifold decision rule would move d_on as much as d_off.
The training eps. None (default) sets eps = eps_over_d_free × the standard network's median d_free,
measured first: at that radius about half the test images have an adversarial example, so the
training attack finds real boundary crossings, while eps stays far below the in-manifold distance
between classes (the L2 distance from a digit to the nearest training image of another class), so it
cannot ask the network to change a digit's class. The eps chosen is saved with the result (the book
quotes it as the claim E9i.eps, beside the fixed radii common for L2 training on MNIST); a fixed `eps`
may be given instead.
5 PGD steps of alpha = 2.5·eps/steps from a random start (Madry et al.) are enough for an attack that
only has to reach the ball's surface; the robust accuracy is judged with a stronger attack (20 steps).
Beside the distances, the boundary's angle to the PCA tangent at each measured point, from on(δ_free)
(`dmm_edu.boundary.cling.angle_summary`: 90° a wall across the manifold, 0° a sheet
along it), per network, and the change of its median under AT (`boundary_angle_change`, degrees).
Check: d_off(AT)/d_off(standard) > 2 and d_on(AT)/d_on(standard) in [0.7, 1.5], E9's check on images
(why: C9 says AT mainly moves the boundary along the normal, so d_off must grow a lot while d_on
changes little); both recorded in metrics["checks"], whether or not they hold.
Book page: "Adversarial training deepens dimples" (the image case).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.attacks import deepfool
from dmm_edu.boundary.distances import Distances, minimal_distances
from dmm_edu.experiments._images import (
    check_image_recipe,
    ImageRecipe,
    attack_points,
    build_model,
    load_images,
    pca_and_random_frames,
    pgd_l2_perturb,
    robust_accuracy,
    torch_generator,
    train_config,
)
from dmm_edu.boundary.cling import angle_summary
from dmm_edu.manifold import baselines
from dmm_edu.torch_nn import evaluate, predict, train_classifier

D_OFF_RATIO_MIN = 2.0  # C9: AT deepens the dimples, so d_off(AT) / d_off(standard) grows a lot: more than double
D_ON_RATIO_BAND = (0.7, 1.5)  # C9's other half: d_on(AT) / d_on(standard) changes little, within ~1.5x either way
MODELS = ("standard", "adversarial")


@dataclass(frozen=True)
class Config(ImageRecipe):
    k: int = 16  #: dimension of the PCA tangent space and of the random control frame
    eps: float | None = None  #: L2 radius of the training attack ([0, 1] pixel scale); None: eps_over_d_free × median d_free
    eps_over_d_free: float = 1.0  #: eps as a multiple of the standard network's median d_free (when eps is None)
    at_steps: int = 5  #: PGD steps per training batch
    alpha_factor: float = 2.5  #: PGD step alpha = alpha_factor · eps / at_steps (Madry et al.)
    robust_steps: int = 20  #: PGD steps of the robust-accuracy attack at eps
    n_robust: int = 500  #: test images the robust accuracy is measured on


CONFIGS = {
    "smoke": Config(n_per_class=100, epochs=8, lr=0.05, n_attack=50, n_robust=200),
    "book": Config(n_per_class=200, epochs=10, n_attack=100),
    "full": Config(dataset="mnist", download=True, epochs=20, at_steps=10, n_attack=1000, n_robust=2000),
}


def check_config(config: Config) -> None:
    """ValueError for AT settings outside their range (before any work)."""
    check_image_recipe(config)
    if config.eps is not None:
        check_positive_float("eps", config.eps)
    check_positive_float("eps_over_d_free", config.eps_over_d_free)
    check_positive_int("at_steps", config.at_steps)
    check_positive_float("alpha_factor", config.alpha_factor)
    check_positive_int("robust_steps", config.robust_steps)
    check_positive_int("n_robust", config.n_robust)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    check_config(config)
    train, test = load_images(config, rng)
    standard = build_model(config, train, torch_generator(rng))
    robust = copy.deepcopy(standard)  # the same initial weights
    shuffle_seed = int(rng.integers(2**62))  # the same batch order for both
    x_train, y_train = train.to_torch()  # (N, C, H, W), (N,)
    cfg = train_config(config)
    train_classifier(standard, x_train, y_train, cfg, generator=torch.Generator().manual_seed(shuffle_seed))

    eps = config.eps
    if eps is None:  # eps = eps_over_d_free · median d_free of the standard network
        x0, y0, _ = attack_points(standard, test, config.n_attack, rng)  # (M, C, H, W), (M,)
        d0 = deepfool(standard, x0, y0, steps=config.steps, overshoot=config.overshoot)
        eps = config.eps_over_d_free * float(torch.median(d0.norm[d0.success]))
    alpha = config.alpha_factor * eps / config.at_steps
    if progress:
        progress(f"standard network trained; adversarial training at eps {eps:.3f}, {config.at_steps} steps")
    perturb = pgd_l2_perturb(eps, config.at_steps, alpha, torch_generator(rng))
    train_classifier(robust, x_train, y_train, cfg, generator=torch.Generator().manual_seed(shuffle_seed),
                     perturb=perturb)

    # the same points for both: test images both networks classify correctly, in an rng-drawn order
    x_test, y_test = test.to_torch()  # (N, C, H, W), (N,)
    ok = (predict(standard, x_test) == y_test) & (predict(robust, x_test) == y_test)  # (N,)
    if not bool(ok.any()):  # nothing to measure: say why rather than fail inside an attack
        raise ValueError(f"E9i: no test image is classified correctly by both networks (clean accuracy: standard "
                         f"{evaluate(standard, x_test, y_test):.3f}, adversarially trained "
                         f"{evaluate(robust, x_test, y_test):.3f}); with model={config.model!r}, epochs={config.epochs}"
                         f", lr={config.lr} adversarial training did not fit: try more epochs or a smaller lr")
    order = torch.from_numpy(rng.permutation(len(test)))  # (N,)
    pick = order[ok[order]][:config.n_attack]  # (M,)
    robust_pick = order[:config.n_robust]  # (R,) any test images: robust accuracy counts clean errors too
    frames, captured = pca_and_random_frames(train, config.k, rng)
    device = next(standard.parameters()).device
    x, y = x_test[pick].to(device), y_test[pick].to(device)  # (M, C, H, W), (M,)

    n = frames["pca"].n
    metrics: dict = {"dataset": config.dataset, "eps": eps, "alpha": alpha, "eps_chosen_from_d_free": config.eps is None,
                     "n": n, "k": config.k, "pca_explained_variance": captured, **baselines(n, config.k)}
    arrays: dict = {"labels": y.cpu().numpy()}
    dist: dict[str, dict[str, Distances]] = {}
    kw = dict(steps=config.steps, overshoot=config.overshoot)
    for name, model in (("standard", standard), ("adversarial", robust)):
        free = deepfool(model, x, y, **kw)  # once, for both tangents
        dist[name] = {tangent: minimal_distances(model, x, y, frames[tangent], free=free, gradient=tangent == "pca", **kw)
                      for tangent in ("pca", "random_frame")}
        arrays.update({f"{key}_{name}": v for key, v in dist[name]["pca"].arrays().items()})  # (M,) each
        arrays.update({f"random_frame_{key}_{name}": v for key, v in dist[name]["random_frame"].arrays().items()
                       if key in ("d_on", "d_off", "success_on", "success_off")})
        metrics[name] = {"test_accuracy": evaluate(model, x_test, y_test),
                         "robust_accuracy": robust_accuracy(model, x_test[robust_pick].to(device),
                                                            y_test[robust_pick].to(device), eps, config.robust_steps)}
    both = np.logical_and.reduce([d.measured for name in MODELS for d in dist[name].values()])  # (M,)
    for name in MODELS:
        metrics[name].update(dist[name]["pca"].summary(where=both))
        metrics[name]["random_frame"] = dist[name]["random_frame"].summary(where=both)
        metrics[name]["boundary_angle"] = angle_summary(dist[name]["pca"].on_delta, where=both)  # θ to the PCA tangent
    for s in ("free", "on", "off"):  # AT / standard, the numbers C9 is about
        metrics[f"ratio_d_{s}"] = metrics["adversarial"][f"d_{s}"] / metrics["standard"][f"d_{s}"]
    metrics["boundary_angle_change"] = (metrics["adversarial"]["boundary_angle"]["median"]
                                        - metrics["standard"]["boundary_angle"]["median"])  # degrees, AT - standard
    metrics["accuracy_cost"] = metrics["standard"]["test_accuracy"] - metrics["adversarial"]["test_accuracy"]
    metrics["n_measured"] = int(both.sum())
    arrays["measured"] = both
    lo, hi = D_ON_RATIO_BAND
    metrics["checks"] = {  # the predictions, recorded whether or not they hold
        f"d_off_ratio_above_{D_OFF_RATIO_MIN:g}": bool(metrics["ratio_d_off"] > D_OFF_RATIO_MIN),
        f"d_on_ratio_in_{lo:g}_{hi:g}": bool(lo <= metrics["ratio_d_on"] <= hi),
        "d_off_ratio_above_d_on_ratio": bool(metrics["ratio_d_off"] > metrics["ratio_d_on"]),
        "at_raises_robust_accuracy": bool(metrics["adversarial"]["robust_accuracy"]
                                          > metrics["standard"]["robust_accuracy"]),
        "at_costs_clean_accuracy": bool(metrics["accuracy_cost"] > 0),
    }
    if progress:
        for name in MODELS:
            m = metrics[name]
            progress(f"{name}: clean acc {m['test_accuracy']:.3f}, robust acc {m['robust_accuracy']:.3f} at eps "
                     f"{eps:.2f}; d_free {m['d_free']:.3f}, d_on {m['d_on']:.3f}, d_off {m['d_off']:.3f}")
        progress(f"AT/standard: d_free x{metrics['ratio_d_free']:.2f}, d_on x{metrics['ratio_d_on']:.2f}, "
                 f"d_off x{metrics['ratio_d_off']:.2f} ({metrics['n_measured']} points)")
    return metrics, arrays
