"""The shared recipe of the high-dimensional experiments (E4, E5, E8, E9, E11).

The world is "subspace-k-in-n" (data on a random k-dimensional subspace of Rⁿ, four classes by
quadrant); the network an MLP n-256-256-256-C with ReLU and W ~ N(0, c²/fan_in), trained by
mini-batch SGD. `measure_geometry` attacks correctly classified test points with DeepFool three
times, free, restricted to the tangent space (on) and to the normal space (off), and measures the
on-manifold fraction of the loss gradient: the numbers C4 and C7 are about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dmm_edu.attacks import deepfool
from dmm_edu.data.synthetic import subspace_world
from dmm_edu.manifold import on_fraction, random_baseline
from dmm_edu.numpy_nn import MLP, SGD, accuracy, train


@dataclass(frozen=True)
class Recipe:
    n: int = 200  #: ambient dimension
    k: int = 10  #: manifold dimension
    n_train: int = 3000  #: training points
    n_test: int = 1000  #: test points
    hidden: tuple[int, ...] = (256, 256, 256)  #: hidden layer widths
    c: float = 1.41  #: init scale, W ~ N(0, c²/fan_in), biases zero
    lr: float = 0.05  #: SGD learning rate
    batch_size: int = 64  #: mini-batch size
    epochs: int = 40  #: passes over the training data
    n_attack: int = 200  #: correctly classified test points attacked per measurement
    dtype: str = "float64"  #: the network's float type; "float32" halves the cost of training


def make_world(recipe: Recipe, rng: np.random.Generator):
    return subspace_world(n=recipe.n, k=recipe.k, n_train=recipe.n_train, n_test=recipe.n_test,
                          labels="quadrant", rng=rng)


def make_model(recipe: Recipe, n_classes: int, rng: np.random.Generator, c: float | None = None) -> MLP:
    return MLP([recipe.n, *recipe.hidden, n_classes], "relu", c=recipe.c if c is None else c, rng=rng,
               dtype=recipe.dtype)


def train_model(model: MLP, world, recipe: Recipe, rng: np.random.Generator, epochs: int | None = None,
                callbacks: list[Callable] = ()) -> None:
    """Mini-batch SGD on the world's training set (the recipe's lr, batch size and epochs)."""
    train(model, SGD(model.params, model.grads, lr=recipe.lr), world.x, world.y,
          epochs=recipe.epochs if epochs is None else epochs, batch_size=recipe.batch_size, rng=rng,
          callbacks=callbacks)


def attack_set(model: MLP, world, n_attack: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n_attack correctly classified test points: x (M, n), y (M,)."""
    ok = np.flatnonzero(model.predict(world.x_test) == world.y_test)[:n_attack]
    return world.x_test[ok], world.y_test[ok]


def grad_on_fraction(model: MLP, world, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """on(∇_x ℓ) at each x: (M, n) -> (M,); NaN where the gradient is exactly zero (a float32
    network so confident that softmax rounds to one-hot), where on(·) is undefined."""
    grad = model.input_grad(x, y)  # (M, n)
    nonzero = np.linalg.norm(grad, axis=1) > 0  # (M,)
    on = np.full(len(x), np.nan)  # (M,)
    if nonzero.any():
        on[nonzero] = on_fraction(grad[nonzero], world.projector)
    return on


def measure_geometry(model: MLP, world, x: np.ndarray, y: np.ndarray) -> tuple[dict, dict]:
    """Minimal free / on / off distances (medians over points where all three attacks succeed),
    their ratios, success rates, and on(∇) of the loss gradient; beside them √(k/n)."""
    free = deepfool(model, x, y)
    on = deepfool(model, x, y, space="on", projector=world.projector)
    off = deepfool(model, x, y, space="off", projector=world.projector)
    both = free.success & on.success & off.success  # (M,) compare like with like
    on_grad = grad_on_fraction(model, world, x, y)  # (M,), NaN where ∇ = 0
    on_delta = on_fraction(free.delta[free.success], world.projector)
    d = {name: float(np.median(r.norm[both])) if both.any() else float("nan")
         for name, r in (("d_free", free), ("d_on", on), ("d_off", off))}
    metrics = {
        **d,
        "d_off_over_d_on": d["d_off"] / d["d_on"],
        "d_on_over_d_free": d["d_on"] / d["d_free"],
        "d_off_over_d_free": d["d_off"] / d["d_free"],
        "free_within_5pct_of_best": float(np.mean(free.norm[both] <= 1.05 * np.minimum(on.norm[both], off.norm[both]))),
        "success_free": free.success_rate, "success_on": on.success_rate, "success_off": off.success_rate,
        "on_grad_median": float(np.nanmedian(on_grad)) if np.isfinite(on_grad).any() else float("nan"),
        "on_delta_median": float(np.median(on_delta)) if on_delta.size else float("nan"),
        "random_baseline": random_baseline(world.n, world.k),
        "sqrt_n_over_k": float(np.sqrt(world.n / world.k)),
        "n_measured": int(both.sum()),
    }
    arrays = {"d_free": free.norm, "d_on": on.norm, "d_off": off.norm, "on_grad": on_grad,
              "success_all": both}
    return metrics, arrays


def clean_accuracy(model: MLP, world) -> float:
    """Accuracy on the world's test set."""
    return accuracy(model, world.x_test, world.y_test)
