"""E8i — clinging over training, on real images: how the boundary's distance to test images, and its
on/off split, change epoch by epoch.

An MLP trains on real images (bundled MNIST by default). At epoch 0 (init) and after epochs 1, 2, 5,
10, 20, … DeepFool measures, at a fixed set of test images, the minimal L2 distance to the boundary
anywhere (d_free), inside the tangent space T of the image manifold (d_on) and inside its normal
space N (d_off), and on(d_free) = ‖P_T d‖/‖d‖. T is the top-k PCA directions of the training images;
a random k-frame, measured the same way, is the control. Medians are taken over the fixed images
the network classifies correctly at that epoch (their number is recorded).
What the DMM predicts for images: the boundary clings early (C2), so from the first epochs on the
short way across is perpendicular to the manifold, d_off ≈ d_free ≪ d_on, while d_free itself
falls as training goes on (Karner measured the mean distance to the nearest adversarial example of
an MNIST MLP falling from about 0.9 to 0.65 in [0, 1] scale over 40 epochs). A randomly oriented
boundary — which is what the network at init has — gives on(d) ≈ √(k/n), d_on/d_free ≈ √(n/k) and
d_off ≈ d_free: the "DMM look" at init is the random baseline, so only what training changes is
evidence. The checks (science.md's E8 check d_off/d_on < 0.8 at every trained epoch, and the image
version's d_off < d_on, d_off/d_free < 1.5, d_on/d_free below √(n/k), d_free falling) are recorded,
whether or not they hold, in metrics["checks"].
Book page: "Clinging and dimpling" (the real-image section).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu._checks import check_choice
from dmm_edu.attacks import deepfool
from dmm_edu.experiments._images import (
    MNIST_NAMES,
    MODELS,
    FixedBases,
    ImageRecipe,
    load_images,
    on_fraction,
    random_frame,
    torch_generator,
)
from dmm_edu.manifold import PCAProjector
from dmm_edu.torch_nn import MLP, SmallCNN, TrainConfig, evaluate, predict, train_classifier

SPACES = ("free", "on", "off")
CLING_RATIO = 0.8  # science.md (E8): d_off / d_on < 0.8 at every trained epoch
OFF_MAX = 1.5  # d_off ≈ d_free, in E7's form: d_off / d_free < 1.5
FIT_ACCURACY = 0.8  # "fitted": from the first epoch with this test accuracy, does d_off / d_on fall?
# Karner's MNIST MLP (784-256-256-10): mean L2 distance to the nearest adversarial example, [0, 1] scale,
# about 0.9 after the first epoch and about 0.65 after 40 epochs (read off his figure; PGD, not DeepFool).
KARNER_D_FREE = {"epochs": (1, 40), "mean_d_free": (0.9, 0.65)}
CURVES = ("d_free", "d_on", "d_off", "d_free_mean", "on_free_median", "d_on_over_d_free", "d_off_over_d_free",
          "d_off_over_d_on", "random_d_on_over_d_free", "d_free_all", "d_on_all", "d_off_all", "on_free_all",
          "n_correct", "n_measured", "test_accuracy", "train_accuracy")


@dataclass(frozen=True)
class Config(ImageRecipe):
    k: int = 16  #: dimension of the PCA tangent space and of the random control frame
    measure_epochs: tuple[int, ...] | None = None  #: epochs to measure after (0 = init); None: 0, 1, 2, 5, 10, 20, … and `epochs`
    published_rtol: float = 0.25  #: a number agrees with a published one within this relative tolerance


CONFIGS = {
    "smoke": Config(n_per_class=100, epochs=5, lr=0.05, n_attack=50),
    "book": Config(epochs=10, n_attack=100),
    "full": Config(dataset="mnist", download=True, epochs=40, n_attack=1000),
}


# ---------------------------------------------------------------- pieces E9i shares
def build_model(recipe: ImageRecipe, train, generator: torch.Generator) -> torch.nn.Module:
    """An untrained classifier of recipe.model for `train`'s image shape and classes."""
    if check_choice("model", recipe.model, MODELS) == "mlp":
        return MLP(train.shape, recipe.hidden, train.n_classes, generator=generator)
    return SmallCNN(train.shape, train.n_classes, generator=generator)


def train_config(recipe: ImageRecipe, epochs: int | None = None) -> TrainConfig:
    """SGD (momentum 0.9, batch 64) at recipe.lr for recipe.epochs (or `epochs`), no progress bar."""
    return TrainConfig(epochs=recipe.epochs if epochs is None else epochs, lr=recipe.lr, device=recipe.device,
                       progress=False)


def tangent_bases(train, k: int, rng: np.random.Generator) -> tuple[dict[str, FixedBases], float]:
    """{"pca": top-k PCA directions of the training images, "random_frame": a random k-frame}, each
    U_tan (n, k), and the fraction of the pixel variance the PCA directions keep."""
    X = train.flat().astype(np.float64)  # (N, n) training images as rows
    pca = PCAProjector(X, k)  # U = top-k right singular vectors of X - mean
    bases = {"pca": FixedBases(torch.from_numpy(pca.U.copy())),  # (n, k)
             "random_frame": FixedBases(random_frame(X.shape[1], k, rng))}  # (n, k) the control
    return bases, pca.captured


def minimal_distances(model, x: torch.Tensor, y: torch.Tensor, bases: dict[str, FixedBases],
                      recipe: ImageRecipe) -> dict[str, np.ndarray]:
    """DeepFool (no box) away from the labels y, free and restricted to each tangent's T and N.

    x: (M, C, H, W), y: (M,). Returns per-point arrays (M,): "d_free", "success_free", "on_free"
    (on(d_free) under the first tangent, NaN where it failed), and "d_on_{name}", "d_off_{name}",
    "success_on_{name}", "success_off_{name}" per tangent name.
    """
    kw = dict(steps=recipe.steps, overshoot=recipe.overshoot)
    free = deepfool(model, x, y, **kw)
    out = {"d_free": free.norm.cpu().numpy(), "success_free": free.success.cpu().numpy()}
    first = next(iter(bases))
    on = on_fraction(free.delta.reshape(len(y), -1), bases[first])  # (M,) on(d_free) = ‖P_T d‖/‖d‖
    on[~out["success_free"]] = np.nan
    out["on_free"] = on
    for name, b in bases.items():
        for space in ("on", "off"):
            r = deepfool(model, x, y, space=space, projector=b, **kw)
            out[f"d_{space}_{name}"], out[f"success_{space}_{name}"] = r.norm.cpu().numpy(), r.success.cpu().numpy()
    return out


def median(a: np.ndarray) -> float:
    return float(np.median(a)) if a.size else float("nan")


def medians(dist: dict[str, np.ndarray], where: np.ndarray, tangent: str = "pca") -> dict[str, float]:
    """d_free, d_on, d_off medians (and on(d_free)) over the points `where` (M,) at which all three succeeded."""
    ok = where & dist["success_free"] & dist[f"success_on_{tangent}"] & dist[f"success_off_{tangent}"]  # (M,)
    return {"d_free": median(dist["d_free"][ok]), "d_on": median(dist[f"d_on_{tangent}"][ok]),
            "d_off": median(dist[f"d_off_{tangent}"][ok]),
            "on_free_median": float(np.nanmedian(dist["on_free"][ok])) if ok.any() else float("nan"),
            "d_free_mean": float(np.mean(dist["d_free"][ok])) if ok.any() else float("nan"), "n": int(ok.sum())}


# ---------------------------------------------------------------- the experiment
def measure_epochs(config: Config) -> tuple[int, ...]:
    """The epochs measured: config.measure_epochs, or 0, 1, 2, 5, 10, 20, 50, … below `epochs`, and `epochs`."""
    E = config.epochs
    if config.measure_epochs is None:
        nice = sorted({m * 10**p for p in range(7) for m in (1, 2, 5)})
        return (0, *[e for e in nice if e < E], E) if E > 0 else (0,)
    e = tuple(config.measure_epochs)
    if (not e or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v <= E for v in e)
            or list(e) != sorted(set(e))):
        raise ValueError(f"measure_epochs={config.measure_epochs!r} is not accepted; expected strictly increasing "
                         f"integers in [0, epochs={E}]")
    return tuple(int(v) for v in e)


def _measure(model, x, y, bases, config, test_xy) -> dict[str, float]:
    """Everything one epoch records, at the fixed points x (M, C, H, W) with true labels y (M,)."""
    y_hat = predict(model, x).to(y.device)  # (M,)
    correct = (y_hat == y).cpu().numpy()  # (M,) the medians use only these
    dist = minimal_distances(model, x, y_hat, bases, config)  # away from the prediction: defined at every point
    m = medians(dist, correct)
    every = medians(dist, np.ones_like(correct))  # all fixed points (the only sizeable set at init)
    rand = medians(dist, correct, "random_frame")
    return {**{key: m[key] for key in ("d_free", "d_on", "d_off", "d_free_mean", "on_free_median")},
            "d_on_over_d_free": m["d_on"] / m["d_free"], "d_off_over_d_free": m["d_off"] / m["d_free"],
            "d_off_over_d_on": m["d_off"] / m["d_on"], "random_d_on_over_d_free": rand["d_on"] / rand["d_free"],
            "d_free_all": every["d_free"], "d_on_all": every["d_on"], "d_off_all": every["d_off"],
            "on_free_all": every["on_free_median"], "n_correct": int(correct.sum()), "n_measured": m["n"],
            "test_accuracy": evaluate(model, *test_xy)}


def _checks(curves: dict, epochs: np.ndarray, n: int, k: int) -> dict[str, bool]:
    """The predictions, recorded whether or not they hold (trained = epochs >= 1)."""
    t = epochs >= 1
    c = {key: np.asarray(v, dtype=float)[t] for key, v in curves.items()}
    first, last = (0, -1)
    fit_ratio = c["d_off_over_d_on"]  # (E',) over the trained epochs
    fit = np.flatnonzero(c["test_accuracy"] >= FIT_ACCURACY)  # trained epochs at which the network fits the task
    return {
        f"d_off_over_d_on_below_{CLING_RATIO:g}_every_trained_epoch": bool(np.all(c["d_off_over_d_on"] < CLING_RATIO)),
        "d_off_below_d_on_every_trained_epoch": bool(np.all(c["d_off_over_d_on"] < 1.0)),
        f"d_off_over_d_free_below_{OFF_MAX:g}_every_trained_epoch": bool(np.all(c["d_off_over_d_free"] < OFF_MAX)),
        "d_on_over_d_free_below_sqrt_n_over_k_every_trained_epoch":
            bool(np.all(c["d_on_over_d_free"] < math.sqrt(n / k))),
        "d_off_below_d_on_at_the_last_epoch": bool(c["d_off_over_d_on"][last] < 1.0) if t.any() else False,
        "d_free_falls_over_training": bool(c["d_free"][last] < c["d_free"][first]) if t.sum() > 1 else False,
        "d_off_over_d_on_falls_over_training":
            bool(c["d_off_over_d_on"][last] < c["d_off_over_d_on"][first]) if t.sum() > 1 else False,
        f"d_off_over_d_on_falls_after_accuracy_{FIT_ACCURACY:g}": bool(fit.size and fit[0] < len(fit_ratio) - 1
                                                                       and fit_ratio[-1] < fit_ratio[fit[0]]),
    }


def karner_comparison(curves: dict, epochs: np.ndarray, config: Config) -> dict:
    """Our mean d_free at the first and last trained epochs beside Karner's ≈ 0.9 → 0.65 (epochs 1 → 40)."""
    t = np.flatnonzero(epochs >= 1)
    ours = [float(curves["d_free_mean"][i]) for i in (t[0], t[-1])] if t.size else [float("nan")] * 2
    same = config.dataset in MNIST_NAMES and config.model == "mlp" and tuple(config.hidden) == (256, 256)
    differs = [] if same else ["another dataset or network"]
    if not t.size or (int(epochs[t[0]]), int(epochs[t[-1]])) != KARNER_D_FREE["epochs"]:
        differs.append(f"epochs {int(epochs[t[0]]) if t.size else '-'} → {int(epochs[-1])}, not 1 → 40")
    differs.append("DeepFool (overshoot 2%, no box) here, PGD there")
    falls = ours[1] < ours[0]
    return {"ours": ours, "published": list(KARNER_D_FREE["mean_d_free"]), "published_epochs": list(KARNER_D_FREE["epochs"]),
            "falls_like_published": bool(falls),
            "first_within_rtol": bool(abs(ours[0] - 0.9) <= config.published_rtol * 0.9),
            "reason": ("d_free falls as in Karner's curve" if falls else "d_free does not fall, unlike Karner's curve")
                      + "; differs: " + ", ".join(differs)}


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    epochs = measure_epochs(config)
    train, test = load_images(config, rng)
    generator = torch_generator(rng)
    model = build_model(config, train, generator)
    bases, captured = tangent_bases(train, config.k, rng)
    x_test, y_test = test.to_torch()  # (N, C, H, W), (N,)
    pick = torch.from_numpy(rng.permutation(len(test))[:config.n_attack])  # (M,) the fixed points
    x, y = x_test[pick], y_test[pick]  # (M, C, H, W), (M,)
    n = bases["pca"].n
    curves: dict[str, list] = {name: [] for name in CURVES}

    def callback(epoch, model, history) -> None:
        if epoch not in epochs:
            return
        device = next(model.parameters()).device
        on_device = {name: FixedBases(b.U_tan.to(device)) for name, b in bases.items()}
        m = _measure(model, x.to(device), y.to(device), on_device, config, (x_test, y_test))
        m["train_accuracy"] = history.train_acc[-1] if history.train_acc else float("nan")
        for name in CURVES:
            curves[name].append(m[name])
        if progress:
            progress(f"epoch {epoch}: test acc {m['test_accuracy']:.3f}, {m['n_correct']}/{len(y)} correct; "
                     f"d_free {m['d_free']:.3f}, d_on {m['d_on']:.3f}, d_off {m['d_off']:.3f} "
                     f"(d_off/d_on {m['d_off_over_d_on']:.2f}), on(d_free) {m['on_free_median']:.2f}; "
                     f"random frame d_on/d_free {m['random_d_on_over_d_free']:.2f} (√(n/k) {math.sqrt(n / config.k):.2f})")

    train_x, train_y = train.to_torch()  # (N_train, C, H, W), (N_train,)
    train_classifier(model, train_x, train_y, train_config(config), generator=generator, callback=callback)
    e = np.array(epochs)  # (E,)
    metrics: dict = {"dataset": config.dataset, "epochs": list(epochs), "n": n, "k": config.k,
                     "n_fixed_points": len(y), "pca_explained_variance": captured,
                     "random_baseline_on": math.sqrt(config.k / n),  # on(random direction) ≈ √(k/n)
                     "random_baseline_ratio": math.sqrt(n / config.k),  # d_S/d_free for a random k-dim S ≈ √(n/k)
                     **curves}
    last = -1
    metrics["final"] = {key: curves[key][last] for key in ("d_free", "d_on", "d_off", "d_on_over_d_free",
                                                            "d_off_over_d_free", "d_off_over_d_on", "test_accuracy")}
    metrics["checks"] = _checks(curves, e, n, config.k)
    metrics["karner"] = karner_comparison(curves, e, config)
    arrays = {"epochs": e, **{name: np.asarray(v, dtype=float) for name, v in curves.items()}}  # (E,) each
    arrays["labels"] = y.numpy()
    return metrics, arrays
