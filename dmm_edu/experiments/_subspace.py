"""The shared recipe of the high-dimensional experiments (E4, E5, E8, E9, E11).

The world is "subspace-k-in-n" (data on a random k-dimensional subspace of Rⁿ, four classes by
quadrant); the network an MLP n-256-256-256-C with ReLU and W ~ N(0, c²/fan_in), trained by
mini-batch SGD. The measurement itself (minimal free / on / off distances, on(∇ℓ), the random
baselines) is `dmm_edu.boundary.distances`, the same for every experiment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_choice, check_positive_float, check_positive_int
from dmm_edu.data.synthetic import subspace_world
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


def check_recipe(recipe: Recipe, name: str = "recipe") -> None:
    """ValueError naming the field (`recipe.n`, …) for a recipe that cannot make a world and train a network."""
    if not isinstance(recipe, Recipe):
        raise ValueError(f"{name}={recipe!r} is not accepted; expected a Recipe")
    n = check_positive_int(f"{name}.n", recipe.n, minimum=2)
    k = check_positive_int(f"{name}.k", recipe.k, minimum=2)  # quadrant labels use (z1, z2)
    if k >= n:
        raise ValueError(f"{name}.k={k} is not accepted; expected 2 <= k < n = {n} (the off-manifold space needs n > k)")
    check_positive_int(f"{name}.n_train", recipe.n_train)
    check_positive_int(f"{name}.n_test", recipe.n_test)
    if not (isinstance(recipe.hidden, tuple) and recipe.hidden):
        raise ValueError(f"{name}.hidden={recipe.hidden!r} is not accepted; expected a non-empty tuple of widths >= 1")
    for i, width in enumerate(recipe.hidden):
        check_positive_int(f"{name}.hidden[{i}]", width)
    check_positive_float(f"{name}.c", recipe.c)
    check_positive_float(f"{name}.lr", recipe.lr)
    check_positive_int(f"{name}.batch_size", recipe.batch_size)
    check_positive_int(f"{name}.epochs", recipe.epochs, minimum=0)
    check_positive_int(f"{name}.n_attack", recipe.n_attack)
    check_choice(f"{name}.dtype", recipe.dtype, ("float32", "float64"))


def check_init_scales(init_scales, recipe: Recipe) -> None:
    """ValueError naming the field for an init-scale sweep (E4, E5) that cannot run: an empty
    `init_scales`, a scale that is not a positive number, or a recipe `check_recipe` refuses."""
    if not init_scales:
        raise ValueError(f"init_scales={init_scales!r} is not accepted; expected a non-empty tuple")
    for i, c in enumerate(init_scales):
        check_positive_float(f"init_scales[{i}]", c)
    check_recipe(recipe)


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


def clean_accuracy(model: MLP, world) -> float:
    """Accuracy on the world's test set."""
    return accuracy(model, world.x_test, world.y_test)
