"""E5 — free, on- and off-manifold minimal attacks with the exact tangent space.

For each init scale c the network is trained on the subspace world, then DeepFool finds, at
correctly classified test points, the smallest perturbation in three spaces: anywhere (d_free),
inside the tangent space (d_on) and inside the normal space (d_off). The DMM predicts that the
boundary lies close to the manifold along its normal, so d_off ≈ d_free ≪ d_on (C7). The
prediction holds for large init scales and fails for small ones, where the boundary stands
across the manifold and d_on is the short way. For a locally linear classifier
d_S / d_free ≈ 1/on_S(∇f), so the random baseline for d_on/d_free is √(n/k), printed beside.
The boundary's angle to the manifold at each measured point (`dmm_edu.boundary.cling.angle_summary`): θ
with sin θ = on(δ_free), 90° a wall standing across the manifold, 0° a sheet lying along it; its
median, quartiles and the shares of wall-like (θ > 60°) and sheet-like (θ < 30°) points, per c.
Check: c = 2.5: d_off/d_on < 0.85; c = 0.5: d_off/d_on > 2.5; and d_free ≤ 1.05·min(d_on, d_off)
(why: a clinging boundary is closest along the normal, by a margin below 1 that seed spread cannot
close; with a small init the off-manifold slope stays small, so the ordering must reverse; and the
free attack, allowed every direction, can be no longer than a restricted one, up to DeepFool's
slack; the book lists every check in the appendix "Predictions and checks").
For the pictures (figure "slices", scene "adversarial_step") it also saves, at each c, exact 2-D
slices of the margin through the first few measured points, in the plane of the unit on- and off-manifold DeepFool perturbations (u: along the manifold, v: its normal).
Book page: "On- vs off-manifold perturbations".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.boundary import ray_crossing, slice_planes, slice_stack
from dmm_edu.boundary.cling import angle_summary
from dmm_edu.boundary.distances import Distances, minimal_distances
from dmm_edu.experiments._subspace import Recipe, attack_set, check_init_scales, clean_accuracy, make_model, make_world, train_model


@dataclass(frozen=True)
class Config:
    init_scales: tuple[float, ...] = (0.5, 1.41, 2.5)  #: init scales c to compare
    recipe: Recipe = field(default_factory=Recipe)  #: world, network and training
    slice_points: int = 3  #: measured points (all three attacks succeed) sliced per c, for the pictures
    slice_resolution: int = 81  #: grid nodes per axis of each slice (odd: the centre is the point)
    slice_extent: float = 1.3  #: half-width of a slice, in units of max(d_on, d_off) at that point


CONFIGS = {
    "smoke": Config(init_scales=(0.5, 1.41, 2.5), recipe=Recipe(n=100, k=5, n_train=1000, n_test=300, hidden=(64, 64),
                                                          epochs=10, n_attack=100), slice_resolution=61),
    "book": Config(recipe=Recipe(dtype="float32")),
    "full": Config(init_scales=(0.25, 0.5, 1.0, 1.41, 2.0, 2.5, 3.0), recipe=Recipe(n_train=10000, epochs=100,
                                                                                     n_attack=1000, dtype="float32")),
}


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    check_init_scales(config.init_scales, config.recipe)
    check_positive_int("slice_points", config.slice_points, minimum=0)
    check_positive_int("slice_resolution", config.slice_resolution, minimum=3)
    check_positive_float("slice_extent", config.slice_extent)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    recipe = config.recipe
    world = make_world(recipe, rng)
    metrics: dict = {"init_scales": list(config.init_scales)}
    arrays: dict = {}
    for c in config.init_scales:
        model = make_model(recipe, world.n_classes, rng, c=c)
        train_model(model, world, recipe, rng)
        x, y = attack_set(model, world, recipe.n_attack)
        dist = minimal_distances(model, x, y, world.projector, gradient=True)  # DeepFool free / on / off
        tag = f"c{c:g}"
        geo = dist.summary()
        metrics[tag] = {"test_accuracy": clean_accuracy(model, world), **geo}
        arrays.update({f"{name}_{tag}": a for name, a in dist.arrays().items()})
        metrics[tag]["boundary_angle"] = angle_summary(dist.on_delta, where=dist.measured)  # θ over the measured points
        slice_at = np.flatnonzero(dist.measured)[:config.slice_points]  # (S,) into the attack set
        arrays.update({f"slice_{name}_{tag}": a for name, a in
                       on_off_slices(model, x, y, dist, slice_at, config).items()})
        arrays[f"slice_index_{tag}"] = slice_at
        if progress:
            progress(f"c={c:g}: d_free {geo['d_free']:.3f}, d_on {geo['d_on']:.3f}, d_off {geo['d_off']:.3f} "
                     f"(d_off/d_on {geo['d_off_over_d_on']:.2f})")
    return metrics, arrays


def on_off_slices(model, x: np.ndarray, y: np.ndarray, dist: Distances, at: np.ndarray,
                  config: Config) -> dict[str, np.ndarray]:
    """Slices of the margin m_y through the points x[at] in the plane of their on / off DeepFool perturbations.

    x: (M, n), y: (M,), dist: the measurement at x (its perturbations are reused), at: (S,) which points.
    u = δ_on / ‖δ_on‖ lies in the manifold (flat here: the u axis IS the manifold through x), v =
    δ_off / ‖δ_off‖ along its normal; the exact split makes δ_on ⊥ δ_off (`cos` records it). Returns
    logit (S, R, R) float32 with rows along v, axis_u = axis_v (S, R), d_free / d_on / d_off (S,)
    DeepFool's norms, cross_u / cross_v (S,) the first boundary crossing along +u / +v inside the slice
    (NaN if none), cos (S,) and label (S,).
    """
    x, y = x[at], y[at]  # (S, n), (S,)
    d_on, d_off = dist.delta["on"][at], dist.delta["off"][at]  # (S, n) each
    u, v = slice_planes(d_on, d_off)  # (S, n) each: u in T, v ⊥ u
    extent = config.slice_extent * np.maximum(dist.norm["on"][at], dist.norm["off"][at])  # (S,)
    logit, axis = slice_stack(model, x, u, v, extent, config.slice_resolution, labels=y)  # (S, R, R), (S, R)
    cross_u = [ray_crossing(model, x[s], u[s], extent[s], int(y[s])) for s in range(len(x))]  # along the manifold
    cross_v = [ray_crossing(model, x[s], v[s], extent[s], int(y[s])) for s in range(len(x))]  # along the normal
    cos = [float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)) for a, b in zip(d_on, d_off)]
    return {"logit": logit.astype(np.float32), "axis_u": axis.astype(np.float32), "axis_v": axis.astype(np.float32),
            **{f"d_{s}": dist.norm[s][at] for s in ("free", "on", "off")}, "cross_u": np.array(cross_u),
            "cross_v": np.array(cross_v), "cos": np.array(cos), "label": np.asarray(y)}
