"""E2 — boundary tilting: a boundary can classify perfectly and still pass right next to the data.

The data lie on a line (the manifold, direction e₁) in Rⁿ, labels y = [x₁ > 0]. A linear classifier
f(x) = w·x with w = e₁ + t·v, v a unit vector normal to the manifold, classifies every point on
the line exactly as w = e₁ does (v·x = 0 there), whatever the tilt t. But its minimal adversarial
distance is |w·x|/‖w‖ = |x₁|/√(1 + t²), and that perturbation's on-manifold fraction is
on(w) = 1/√(1 + t²): the more the boundary tilts, the closer it lies to the data, and the more
perpendicular to the manifold the shortest way across becomes (Tanay & Griffin 2016; C4, C5).

Why tilt at all? Plain gradient descent never sees the normal space: for data in a subspace the
loss gradient ∇_w L = Σ ℓ'ᵢ xᵢ lies in that subspace, so the normal component of w stays at its
random initial value, whose size is the init scale c. The second half of the experiment trains
linear models by SGD from inits of growing scale and checks exactly that.
Check: margin(t = 100) / margin(t = 0) < 0.02 with accuracy unchanged (why: the closed form
1/√(1 + t²) is about 0.01 at t = 100; twice that leaves room for DeepFool's overshoot and still
shows the hundredfold shrink that tilting predicts; the book lists every check in the appendix
"Predictions and checks"). Book page: "Why perturbations are tiny and look like noise".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.attacks import deepfool
from dmm_edu.numpy_nn import MLP, SGD, accuracy, train


@dataclass(frozen=True)
class Config:
    dims: tuple[int, ...] = (2, 10, 100)  #: ambient dimensions n
    tilts: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0)  #: tilt t of w = e₁ + t·v
    n_points: int = 200  #: points on the line, x₁ ~ U(±[0.1, 1])
    init_scales: tuple[float, ...] = (0.1, 1.0, 10.0)  #: init scales c of the SGD-trained linear models
    steps: int = 500  #: SGD steps for each trained model
    lr: float = 0.1  #: learning rate


CONFIGS = {
    "smoke": Config(dims=(2, 100), tilts=(0.0, 1.0, 100.0), n_points=50, steps=100),
    "book": Config(),
    "full": Config(dims=(2, 10, 100, 1000), n_points=2000, steps=2000),
}


def line_data(n: int, n_points: int, rng: np.random.Generator):
    """Points on the x₁ axis of Rⁿ, |x₁| in [0.1, 1], label 1 where x₁ > 0.  -> x: (N, n), y: (N,)."""
    t = rng.uniform(0.1, 1.0, n_points) * rng.choice([-1.0, 1.0], n_points)  # (N,)
    x = np.zeros((n_points, n))
    x[:, 0] = t
    return x, (t > 0).astype(np.int64)


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    for name in ("dims", "tilts", "init_scales"):
        if not getattr(config, name):
            raise ValueError(f"{name}={getattr(config, name)!r} is not accepted; expected a non-empty tuple")
    for i, n in enumerate(config.dims):
        check_positive_int(f"dims[{i}]", n, minimum=2)
    for i, t in enumerate(config.tilts):
        check_positive_float(f"tilts[{i}]", t, allow_zero=True)
    for i, c in enumerate(config.init_scales):
        check_positive_float(f"init_scales[{i}]", c)
    check_positive_int("n_points", config.n_points, minimum=2)
    check_positive_int("steps", config.steps)
    check_positive_float("lr", config.lr)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    metrics: dict = {"tilts": list(config.tilts), "init_scales": list(config.init_scales)}
    arrays: dict = {"tilts": np.array(config.tilts)}
    for n in config.dims:
        x, y = line_data(n, config.n_points, rng)
        v = rng.normal(size=n)
        v[0] = 0.0
        v /= np.linalg.norm(v)  # a random unit vector normal to the line
        margins, on, acc = [], [], []
        for t in config.tilts:
            net = MLP([n, 1], rng=rng)
            net.params[0][:, 0] = np.eye(n)[0] + t * v  # w = e₁ + t·v
            net.params[1][:] = 0.0
            adv = deepfool(net, x, overshoot=0.0)  # one step on a linear model: exact minimal distance
            margins.append(float(np.median(adv.norm)))
            on.append(float(np.median(np.abs(adv.delta[:, 0]) / adv.norm)))  # on(δ) = |δ₁| / ‖δ‖
            acc.append(accuracy(net, x, y))
        exact = np.median(np.abs(x[:, 0])) / np.sqrt(1 + np.array(config.tilts) ** 2)  # |x₁| / √(1 + t²)
        arrays[f"margin_n{n}"], arrays[f"on_n{n}"] = np.array(margins), np.array(on)
        arrays[f"margin_exact_n{n}"] = exact

        # plain SGD keeps the normal part of w at its init: ‖P_N w‖ before and after training
        normal_before, normal_after, trained_margin = [], [], []
        for c in config.init_scales:
            net = MLP([n, 1], c=c, rng=rng)
            w0 = net.params[0][1:, 0].copy()  # normal components (coordinates 2..n)
            train(net, SGD(net.params, net.grads, lr=config.lr), x, y, loss="binary_logistic", steps=config.steps)
            normal_before.append(float(np.linalg.norm(w0)))
            normal_after.append(float(np.linalg.norm(net.params[0][1:, 0])))
            trained_margin.append(float(np.median(deepfool(net, x, overshoot=0.0).norm)))
        metrics[f"n{n}"] = {
            "accuracy_min": min(acc), "accuracy_max": max(acc),
            "margin_ratio_max_tilt": margins[-1] / margins[0],
            "margin_max_rel_error": float(np.max(np.abs(np.array(margins) - exact) / exact)),
            "on_fraction_max_tilt": on[-1],
            "normal_norm_before": normal_before, "normal_norm_after": normal_after,
            "trained_margin": trained_margin,
        }
        if progress:
            progress(f"n={n}: margin ratio at t={config.tilts[-1]}: {margins[-1] / margins[0]:.4f}")
    return metrics, arrays
