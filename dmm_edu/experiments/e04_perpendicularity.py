"""E4 — how perpendicular to the manifold is the gradient? It depends on the init scale.

The DMM says the gradient at a data point is roughly perpendicular to the data manifold (C4).
Measured against the random baseline √(k/n), the answer depends on the training recipe: with the
data in a subspace, plain SGD never changes the weights' response to normal directions, so the
off-manifold part of the gradient is inherited from the init scale c. Small c gives gradients
almost inside the manifold; large c gives gradients that lean off it. The experiment trains the
same network from three init scales and measures on(∇ℓ) = ‖P_T ∇ℓ‖ / ‖∇ℓ‖ at test points.
Check: on(∇) decreases with c, and every value stays above 2·√(k/n) (why: C4's testable form in
the subspace world: training turns the gradient towards the data at every init scale, so even the
most perpendicular case stays well above chance; the book lists every check in the appendix
"Predictions and checks"). Book page: "Why perturbations are tiny and look like noise".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dmm_edu.boundary.distances import gradient_on_fraction
from dmm_edu.experiments._subspace import Recipe, attack_set, check_init_scales, clean_accuracy, make_model, make_world, train_model
from dmm_edu.manifold import random_baseline


@dataclass(frozen=True)
class Config:
    init_scales: tuple[float, ...] = (0.5, 1.41, 2.5)  #: init scales c to compare
    recipe: Recipe = field(default_factory=Recipe)  #: world, network and training


CONFIGS = {
    "smoke": Config(recipe=Recipe(n=100, k=5, n_train=1000, n_test=300, hidden=(64, 64), epochs=10)),
    "book": Config(recipe=Recipe(dtype="float32")),
    "full": Config(init_scales=(0.25, 0.5, 1.0, 1.41, 2.0, 2.5, 3.0),
                   recipe=Recipe(n_train=10000, epochs=100, dtype="float32")),
}


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    check_init_scales(config.init_scales, config.recipe)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    recipe = config.recipe
    world = make_world(recipe, rng)
    metrics: dict = {"init_scales": list(config.init_scales), "baseline_on": random_baseline(recipe.n, recipe.k)}
    arrays: dict = {}
    for c in config.init_scales:
        model = make_model(recipe, world.n_classes, rng, c=c)
        x, y = attack_set(model, world, recipe.n_attack)
        on_init = gradient_on_fraction(model, x, y, world.projector)  # (M,) before training
        train_model(model, world, recipe, rng)
        x, y = attack_set(model, world, recipe.n_attack)
        on_grad = gradient_on_fraction(model, x, y, world.projector)  # (M,) after training; NaN where ∇ = 0
        tag = f"c{c:g}"
        metrics[tag] = {"test_accuracy": clean_accuracy(model, world), "on_grad": float(np.nanmedian(on_grad)),
                        "on_grad_init": float(np.nanmedian(on_init))}
        arrays[f"on_grad_{tag}"] = on_grad
        if progress:
            progress(f"c={c:g}: median on(grad) {np.nanmedian(on_grad):.3f} (random {metrics['baseline_on']:.3f})")
    return metrics, arrays
