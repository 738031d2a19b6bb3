"""E3 — the random-direction baseline: how "on-manifold" is a direction that knows nothing?

In Rⁿ with a k-dimensional tangent space T, a random direction v has on(v) = ‖P_T v‖/‖v‖ ≈ √(k/n),
so in high dimension *every* direction is mostly off-manifold. A claim that adversarial
perturbations are "nearly perpendicular to the manifold" (C4) means something only against this
baseline. The experiment samples random directions for several (n, k), and also measures the input
gradient of an *untrained* network at data points: before any learning its on-fraction already
sits at the baseline.

√(k/n) is the root-mean-square of on(v); its mean is a little lower (Jensen), and exactly known
(`random_on_mean`), so each (n, k) records both. Check, at every (n, k): the mean of the m sampled
on-fractions lies within N_SE standard errors of the exact mean, i.e. a relative tolerance of
N_SE · sd / (√m · E[on]) with sd² = k/n − E[on]² (`random_on_sd`). Why: such a mean is
unbiased for E[on] with that standard error, so a sound sampler and projector miss by more than
5 standard errors with probability below 1e-6, whereas an absolute tolerance would be loose where
k/n is small and strict where it is large. With the book's 1000 directions the tolerance at
(200, 10) is ±3.5 %, wider than the 2.3 % by which √(k/n) exceeds the mean; the `full` profile's
20000 narrow it to ±0.8 %, where a comparison with √(k/n) would fail.
Book page: "Data manifolds and tangent spaces" (the random baseline section).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.data.synthetic import subspace_world
from dmm_edu.manifold import on_fraction, random_baseline, sample_random_on_fraction
from dmm_edu.manifold.measures import random_on_mean, random_on_sd
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

N_SE = 5.0  #: the check's half-width in standard errors of the sampled mean (two-sided miss rate < 1e-6)


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


def mean_check(on_random: np.ndarray, n: int, k: int) -> dict:
    """The sampled mean of on(v) against its exact expectation, in relative terms and in standard errors.

    rel_error = (mean - E[on]) / E[on]; rel_tol = N_SE · SE / E[on] with SE = sd / √m the standard
    error of a mean of m = on_random.size draws (sd from `random_on_sd`, exact); z = (mean - E[on]) / SE.
    The check holds when |rel_error| <= rel_tol, i.e. |z| <= N_SE.
    """
    exact = random_on_mean(n, k)
    se = random_on_sd(n, k) / math.sqrt(on_random.size)
    gap = float(on_random.mean()) - exact
    return {"on_random_mean_exact": exact, "on_random_rel_error": gap / exact,
            "on_random_rel_tol": N_SE * se / exact, "on_random_z": gap / se}


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    """Metrics: per (n, k) the mean, RMS and sd of on(random), its exact mean, √(k/n), the check's
    relative error and tolerance, and on(∇) of an untrained net; `checks`: the check at each (n, k), and
    on_random_max_abs_z, the largest |z| over them (the check holds everywhere iff it is <= N_SE)."""
    metrics: dict = {"dims": [list(d) for d in config.dims]}
    arrays: dict = {}
    checks: dict = {}
    for n, k in config.dims:
        tag = f"n{n}_k{k}"
        world = subspace_world(n=n, k=k, n_train=config.n_points, n_test=0, rng=rng)
        on_rand = sample_random_on_fraction(world.projector, config.n_vectors, rng)  # (n_vectors,)
        net = MLP([n, config.hidden, config.hidden, config.hidden, world.n_classes], c=config.c, rng=rng)
        grad = net.input_grad(world.x, world.y)  # (n_points, n): ∇_x of the loss, before training
        on_grad = on_fraction(grad, world.projector)  # (n_points,)
        compared = mean_check(on_rand, n, k)
        metrics[tag] = {
            "baseline": random_baseline(n, k),  # √(k/n), the RMS of on(v)
            "on_random_mean": float(on_rand.mean()),
            "on_random_rms": float(np.sqrt(np.mean(on_rand**2))),  # estimates √(k/n)
            "on_random_sd": float(on_rand.std()),
            **compared,  # the exact mean and the check's numbers
            "on_grad_untrained_mean": float(on_grad.mean()),
        }
        checks[f"on_random_mean_within_{N_SE:g}se_of_exact_{tag}"] = bool(
            abs(compared["on_random_rel_error"]) <= compared["on_random_rel_tol"])
        arrays[f"on_random_{tag}"] = on_rand
        arrays[f"on_grad_untrained_{tag}"] = on_grad
        if progress:
            progress(f"n={n}, k={k}: mean on(random) {on_rand.mean():.4f} vs exact {compared['on_random_mean_exact']:.4f} "
                     f"({compared['on_random_rel_error']:+.2%}, tolerance ±{compared['on_random_rel_tol']:.2%}); "
                     f"sqrt(k/n) {random_baseline(n, k):.4f}")
    # the check over every (n, k) in one number: the largest gap between sampled and exact mean, in standard errors
    metrics["on_random_max_abs_z"] = max(abs(metrics[f"n{n}_k{k}"]["on_random_z"]) for n, k in config.dims)
    metrics["checks"] = checks  # recorded whether or not they hold
    return metrics, arrays
