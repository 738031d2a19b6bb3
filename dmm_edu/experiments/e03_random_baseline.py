"""E3 — the random-direction baseline: how "on-manifold" is a direction that knows nothing?

In Rⁿ with a k-dimensional tangent space T, a random direction d has on(d) = ‖P_T d‖/‖d‖ ≈ √(k/n),
so in high dimension *every* direction is mostly off-manifold. A claim that adversarial
perturbations are "nearly perpendicular to the manifold" (C4) means something only against this
baseline. The experiment samples random directions for several (n, k), and also measures the input
gradient of an *untrained* network at data points: before any learning its on-fraction already
sits at the baseline. Check: |mean on(random) - √(k/n)| < 0.03 over 1000 vectors (why: the standard
error of a mean of 1000 draws and the small bias of E‖P_T d‖/‖d‖ below √(k/n) are both far below
0.03, so a larger gap means the sampler or the projector is wrong).
Book page: "Data manifolds and tangent spaces" (the random baseline section).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.data.synthetic import subspace_world
from dmm_edu.manifold import on_fraction, random_baseline, sample_random_on_fraction
from dmm_edu.numpy_nn import MLP


@dataclass(frozen=True)
class Config:
    dims: tuple[tuple[int, int], ...] = ((200, 10), (784, 16), (3072, 30), (50, 25))  #: (n, k) pairs
    n_vectors: int = 1000  #: random directions per (n, k)
    n_points: int = 500  #: data points where the untrained network's gradient is measured
    hidden: int = 256  #: width of the untrained MLP's hidden layers (three of them)
    c: float = 1.41  #: init scale of the untrained MLP


CONFIGS = {
    "smoke": Config(dims=((200, 10), (50, 25)), n_vectors=1000, n_points=100, hidden=64),
    "book": Config(),
    "full": Config(n_vectors=20000, n_points=3000),
}


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    if not config.dims:
        raise ValueError(f"dims={config.dims!r} is not accepted; expected a non-empty tuple of (n, k) pairs")
    for i, (n, k) in enumerate(config.dims):
        check_positive_int(f"dims[{i}][0]", n, minimum=2)
        check_positive_int(f"dims[{i}][1]", k, minimum=2)  # the data's labels use (z1, z2)
        if k >= n:
            raise ValueError(f"dims[{i}]={(n, k)!r} is not accepted; expected 2 <= k < n")
    check_positive_int("n_vectors", config.n_vectors)
    check_positive_int("n_points", config.n_points)
    check_positive_int("hidden", config.hidden)
    check_positive_float("c", config.c)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    """Metrics: per (n, k) the mean and sd of on(random), √(k/n), and on(∇) of an untrained net."""
    metrics: dict = {"dims": [list(d) for d in config.dims]}
    arrays: dict = {}
    for n, k in config.dims:
        tag = f"n{n}_k{k}"
        world = subspace_world(n=n, k=k, n_train=config.n_points, n_test=0, rng=rng)
        on_rand = sample_random_on_fraction(world.projector, config.n_vectors, rng)  # (n_vectors,)
        net = MLP([n, config.hidden, config.hidden, config.hidden, world.n_classes], c=config.c, rng=rng)
        grad = net.input_grad(world.x, world.y)  # (n_points, n): ∇_x of the loss, before training
        on_grad = on_fraction(grad, world.projector)  # (n_points,)
        metrics[tag] = {
            "baseline": random_baseline(n, k),  # √(k/n)
            "on_random_mean": float(on_rand.mean()),
            "on_random_sd": float(on_rand.std()),
            "on_grad_untrained_mean": float(on_grad.mean()),
        }
        arrays[f"on_random_{tag}"] = on_rand
        arrays[f"on_grad_untrained_{tag}"] = on_grad
        if progress:
            progress(f"n={n}, k={k}: mean on(random) {on_rand.mean():.3f} vs sqrt(k/n) {random_baseline(n, k):.3f}")
    return metrics, arrays
