"""E5 — free, on- and off-manifold minimal attacks with the exact tangent space.

For each init scale c the network is trained on the subspace world, then DeepFool finds, at
correctly classified test points, the smallest perturbation in three spaces: anywhere (d_free),
inside the tangent space (d_on) and inside the normal space (d_off). The DMM predicts that the
boundary lies close to the manifold along its normal, so d_off ≈ d_free ≪ d_on (C7). The
prediction holds for large init scales and fails for small ones, where the boundary stands
across the manifold and d_on is the short way. For a locally linear classifier
d_S / d_free ≈ 1/on_S(∇f), so the random baseline for d_on/d_free is √(n/k), printed beside.
Check (science.md): c = 2.5: d_off/d_on < 0.85; c = 0.5: d_off/d_on > 2.5; and
d_free ≤ 1.05·min(d_on, d_off). Book page: "On- and off-manifold perturbations".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dmm_edu.experiments._subspace import (
    Recipe,
    attack_set,
    clean_accuracy,
    make_model,
    make_world,
    measure_geometry,
    train_model,
)


@dataclass(frozen=True)
class Config:
    init_scales: tuple[float, ...] = (0.5, 1.41, 2.5)  #: init scales c to compare
    recipe: Recipe = field(default_factory=Recipe)  #: world, network and training


CONFIGS = {
    "smoke": Config(init_scales=(0.5, 2.5), recipe=Recipe(n=100, k=5, n_train=1000, n_test=300, hidden=(64, 64),
                                                          epochs=10, n_attack=100)),
    "book": Config(recipe=Recipe(dtype="float32")),
    "full": Config(init_scales=(0.25, 0.5, 1.0, 1.41, 2.0, 2.5, 3.0), recipe=Recipe(n_train=10000, epochs=100,
                                                                                     n_attack=1000, dtype="float32")),
}


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    recipe = config.recipe
    world = make_world(recipe, rng)
    metrics: dict = {"init_scales": list(config.init_scales)}
    arrays: dict = {}
    for c in config.init_scales:
        model = make_model(recipe, world.n_classes, rng, c=c)
        train_model(model, world, recipe, rng)
        x, y = attack_set(model, world, recipe.n_attack)
        geo, geo_arrays = measure_geometry(model, world, x, y)
        tag = f"c{c:g}"
        metrics[tag] = {"test_accuracy": clean_accuracy(model, world), **geo}
        arrays.update({f"{name}_{tag}": a for name, a in geo_arrays.items()})
        if progress:
            progress(f"c={c:g}: d_free {geo['d_free']:.3f}, d_on {geo['d_on']:.3f}, d_off {geo['d_off']:.3f} "
                     f"(d_off/d_on {geo['d_off_over_d_on']:.2f})")
    return metrics, arrays
