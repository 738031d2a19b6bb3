"""E9 — adversarial training deepens the dimples.

Two copies of the same initial network are trained on the subspace world for the same epochs:
one on the clean mini-batches, one Madry-style on PGD-L2 adversarial points only (each mini-batch
is attacked first, eps = 0.2, 5 steps of alpha = 2.5·eps/5, and the step is taken on the attacked
batch). Then, at test points both networks classify correctly, DeepFool measures the minimal
distance to the boundary anywhere (d_free), inside the manifold (d_on) and along its normal (d_off).
The DMM predicts that adversarial training mainly pushes the boundary away from the manifold
along the normal, deepening the dimples (C9): d_off grows a lot, d_on barely changes. A "robust
features" account in which AT reshapes the in-manifold decision rule would instead move d_on as
much as d_off. The default init scale is c = 2.5, the regime where the standard network's boundary
clings to the manifold (d_off < d_on, see E5 and E8); at a small init scale the standard boundary
already stands across the manifold and there is no shallow dimple to deepen.
Beside the distances, the boundary's angle to the manifold at each measured point, from on(δ_free)
(`dmm_edu.boundary.cling.angle_summary`: 90° a wall across the manifold, 0° a sheet
along it), per network, and the change of its median under AT (`boundary_angle_change`, degrees).
Check: d_off(AT)/d_off(standard) > 2 and d_on(AT)/d_on(standard) in [0.7, 1.5] (why: C9 says AT
mainly deepens the dimples, so the distance along the normal must grow a lot, more than double,
while the distance along the manifold changes little, within a factor 1.5 either way; the book
lists every check in the appendix "Predictions and checks").
For the pictures (figure "slices", scene "adversarial_training") it also saves exact 2-D slices of
both networks' margins through the first few measured points, in the SAME plane: the standard
network's unit on- and off-manifold DeepFool perturbations (u: along the manifold, v: its normal).
Book page: "Adversarial training deepens dimples".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int, check_rng
from dmm_edu.attacks import pgd
from dmm_edu.boundary import ray_crossing, slice_planes, slice_stack
from dmm_edu.boundary.distances import Distances, minimal_distances
from dmm_edu.experiments._subspace import Recipe, check_recipe, clean_accuracy, make_model, make_world, train_model
from dmm_edu.boundary.cling import angle_summary
from dmm_edu.manifold import baselines
from dmm_edu.numpy_nn import SGD, accuracy


@dataclass(frozen=True)
class Config:
    eps: float = 0.2  #: L2 radius of the training attack
    steps: int = 5  #: PGD steps per mini-batch
    alpha_factor: float = 2.5  #: PGD step alpha = alpha_factor · eps / steps (Madry et al.)
    random_start: bool = True  #: start each PGD run uniformly inside the eps-ball (Madry et al.)
    recipe: Recipe = field(default_factory=lambda: Recipe(c=2.5, n_attack=150, dtype="float32"))  #: world, net, SGD
    slice_points: int = 3  #: measured points sliced for the pictures (both networks, the same plane)
    slice_resolution: int = 81  #: grid nodes per axis of each slice (odd: the centre is the point)
    slice_extent: float = 1.3  #: half-width of a slice, in units of the longest distance drawn in it


CONFIGS = {
    "smoke": Config(recipe=Recipe(n=100, k=5, n_train=1000, n_test=300, hidden=(64, 64, 64), c=2.5, epochs=20,
                                  n_attack=100, dtype="float32"), slice_resolution=61),
    "book": Config(),
    "full": Config(recipe=Recipe(c=2.5, n_train=10000, epochs=100, n_attack=1000)),
}


# --8<-- [start:adversarial_train]
def adversarial_train(model, x, y, *, eps: float, steps: int, alpha: float, lr: float, epochs: int,
                      batch_size: int, rng: np.random.Generator, random_start: bool = True) -> list[float]:
    """Madry-style adversarial training with PGD-L2: on every mini-batch (x_B, y_B)

        x_adv = x_B + δ,  δ = PGD-L2(x_B, y_B; ‖δ‖₂ ≤ eps, `steps` steps of size alpha),
        θ ← θ − lr · ∇_θ ℓ(f(x_adv), y_B)

    (the step is taken on the attacked points only). x: (N, n), y: (N,). Returns the loss per step.
    """
    check_rng("rng", rng)
    x = np.asarray(x, dtype=model.dtype)  # (N, n)
    opt = SGD(model.params, model.grads, lr=lr)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))  # (N,) fresh shuffle each epoch
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = x[idx], y[idx]  # (B, n), (B,)
            adv = pgd(model, xb, yb, eps, alpha=alpha, steps=steps, norm="l2", random_start=random_start, rng=rng)
            losses.append(model.loss_and_grads(adv.x_adv, yb))  # ∇_θ ℓ(f(x_adv), y)
            opt.step()
    return losses
# --8<-- [end:adversarial_train]


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    check_positive_float("eps", config.eps)
    check_positive_int("steps", config.steps)
    check_positive_float("alpha_factor", config.alpha_factor)
    check_recipe(config.recipe)
    check_positive_int("slice_points", config.slice_points, minimum=0)
    check_positive_int("slice_resolution", config.slice_resolution, minimum=3)
    check_positive_float("slice_extent", config.slice_extent)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    recipe = config.recipe
    world = make_world(recipe, rng)
    standard = make_model(recipe, world.n_classes, rng)
    robust = copy.deepcopy(standard)  # the same initial weights
    alpha = config.alpha_factor * config.eps / config.steps

    train_model(standard, world, recipe, rng)  # plain SGD on the clean points
    adversarial_train(robust, world.x, world.y, eps=config.eps, steps=config.steps, alpha=alpha, lr=recipe.lr,
                      epochs=recipe.epochs, batch_size=recipe.batch_size, rng=rng, random_start=config.random_start)

    # the same points for both: test points both networks classify correctly
    ok = (standard.predict(world.x_test) == world.y_test) & (robust.predict(world.x_test) == world.y_test)
    idx = np.flatnonzero(ok)[:recipe.n_attack]
    x, y = world.x_test[idx], world.y_test[idx]  # (M, n), (M,)

    metrics: dict = {"eps": config.eps, "alpha": alpha, **baselines(world.n, world.k)}
    arrays: dict = {}
    dist: dict[str, Distances] = {}
    for name, model in (("standard", standard), ("adversarial", robust)):
        dist[name] = minimal_distances(model, x, y, world.projector, gradient=True)  # DeepFool free / on / off
        robust_acc = pgd(model, x, y, config.eps, alpha=alpha, steps=config.steps, norm="l2").success  # (M,)
        metrics[name] = {"test_accuracy": clean_accuracy(model, world),
                         "train_accuracy": accuracy(model, world.x, world.y),
                         "pgd_success_at_eps": float(np.mean(robust_acc)),
                         "zero_grad_fraction": float(np.mean(np.isnan(dist[name].on_grad)))}
        arrays.update({f"{key}_{name}": v for key, v in dist[name].arrays().items()})
    both = dist["standard"].measured & dist["adversarial"].measured  # (M,) compare the same points
    for name in dist:
        metrics[name].update(dist[name].summary(where=both))
        metrics[name]["boundary_angle"] = angle_summary(dist[name].on_delta, where=both)  # θ, the same points
    for s in ("free", "on", "off"):  # AT / standard, the numbers C9 is about
        metrics[f"ratio_d_{s}"] = metrics["adversarial"][f"d_{s}"] / metrics["standard"][f"d_{s}"]
    metrics["boundary_angle_change"] = (metrics["adversarial"]["boundary_angle"]["median"]
                                        - metrics["standard"]["boundary_angle"]["median"])  # degrees, AT - standard
    metrics["n_measured"] = int(both.sum())
    arrays["measured"] = both
    slice_at = np.flatnonzero(both)[:config.slice_points]  # (S,) into the attacked points
    arrays.update(shared_plane_slices({"standard": standard, "adversarial": robust}, dist, x, y, slice_at, config))
    arrays["slice_index"] = slice_at
    metrics["slices"] = slice_summary(arrays)
    if progress:
        for name in dist:
            m = metrics[name]
            progress(f"{name}: test acc {m['test_accuracy']:.3f}, d_free {m['d_free']:.3f}, d_on {m['d_on']:.3f}, "
                     f"d_off {m['d_off']:.3f}")
        progress(f"AT/standard: d_free x{metrics['ratio_d_free']:.2f}, d_on x{metrics['ratio_d_on']:.2f}, "
                 f"d_off x{metrics['ratio_d_off']:.2f}")
    return metrics, arrays


def shared_plane_slices(models: dict, dist: dict[str, Distances], x: np.ndarray, y: np.ndarray, at: np.ndarray,
                        config: Config) -> dict[str, np.ndarray]:
    """Both networks' margins m_y through the points x[at], in the plane of the STANDARD network's on / off perturbations.

    x: (M, n), y: (M,), dist: each network's measurement at x (its perturbations are reused), at: (S,).
    u = δ_on / ‖δ_on‖ (the manifold through x), v = δ_off / ‖δ_off‖ (its normal), from DeepFool on
    `models["standard"]`; one plane per point, shared by both panels. Arrays, with {m} each model name:
    slice_logit_{m} (S, R, R) float32 (rows along v), slice_axis_u = slice_axis_v (S, R),
    slice_d_{free,on,off}_{m} (S,) each network's own DeepFool norms (its own directions),
    slice_cross_{u,v}_{m} (S,) where the +u / +v ray of the shared plane first meets its boundary
    (NaN if not within slice_reach (S,), 4x the standard network's longest distance), slice_label (S,).
    """
    x, y = x[at], y[at]  # (S, n), (S,)
    out = {f"slice_d_{s}_{name}": dist[name].norm[s][at] for name in models for s in ("free", "on", "off")}
    ref = dist["standard"]
    u, v = slice_planes(ref.delta["on"][at], ref.delta["off"][at])  # (S, n) each: u in T, v ⊥ u
    reach = 4.0 * np.maximum(ref.norm["on"][at], ref.norm["off"][at])  # (S,) how far each ray is searched
    for name, model in models.items():
        out[f"slice_cross_u_{name}"] = np.array([ray_crossing(model, x[s], u[s], reach[s], int(y[s]))
                                                 for s in range(len(x))])  # (S,) along the manifold
        out[f"slice_cross_v_{name}"] = np.array([ray_crossing(model, x[s], v[s], reach[s], int(y[s]))
                                                 for s in range(len(x))])  # (S,) along the normal
    drawn = np.stack([ref.norm["on"][at], ref.norm["off"][at],
                      *(np.nan_to_num(out[f"slice_cross_{a}_{m}"]) for a in "uv" for m in models)])  # (6, S)
    extent = config.slice_extent * drawn.max(axis=0)  # (S,) every arrow of both panels fits
    for name, model in models.items():
        logit, axis = slice_stack(model, x, u, v, extent, config.slice_resolution, labels=y)  # (S, R, R), (S, R)
        out[f"slice_logit_{name}"] = logit.astype(np.float32)
    out.update({"slice_axis_u": axis.astype(np.float32), "slice_axis_v": axis.astype(np.float32),
                "slice_label": np.asarray(y), "slice_reach": reach})
    return out


def slice_summary(arrays: dict) -> dict:
    """What the slices show, as numbers the book can quote: how many sliced points, at how many of them
    the +v (normal) ray meets no boundary within slice_reach for each network, and the median ratio
    AT / standard of the distance along +u (the manifold) to the boundary (NaN where a ray misses)."""
    misses = {m: int(np.isnan(arrays[f"slice_cross_v_{m}"]).sum()) for m in ("standard", "adversarial")}
    ratio_u = arrays["slice_cross_u_adversarial"] / arrays["slice_cross_u_standard"]  # (S,)
    return {"n_points": int(len(arrays["slice_index"])), "normal_ray_misses_standard": misses["standard"],
            "normal_ray_misses_adversarial": misses["adversarial"],
            "cross_u_ratio_median": float(np.nanmedian(ratio_u)) if np.isfinite(ratio_u).any() else float("nan")}
