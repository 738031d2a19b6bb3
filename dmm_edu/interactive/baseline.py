"""E3 for the browser: the exact distribution of on(v) for a random direction, over a grid of (n, k).

For v uniform on the unit sphere of Rⁿ and a k-dimensional tangent space T, on(v)² = ‖P_T v‖² is
Beta(k/2, (n-k)/2), so r = on(v) has the density

    f(r) = 2 r^(k-1) (1 - r²)^((n-k)/2 - 1) / B(k/2, (n-k)/2),   0 <= r <= 1,

a closed form (no sampling): `density` evaluates it in logs with `math.lgamma`. For every (n, k) of
the grid (`N_VALUES` × `K_VALUES`, with 1 <= k <= n - 2 so that f stays finite at r = 1, plus every
pair of the E3 result) the figure gets f on `POINTS` evenly spaced r over a window that holds all but
a negligible tail (`window`), with √(k/n) (`random_baseline`, the RMS), the exact mean
(`random_on_mean`) and sd (`random_on_sd`). Where (n, k) is one of E3's pairs it also gets E3's
saved on-fractions of random directions (`on_random_n{n}_k{k}`) and of an untrained network's
gradient (`on_grad_untrained_n{n}_k{k}`), and their means, which the browser bins into histograms
over the density. Script: docs/assets/interactive/baseline.js.
Book page: "Data manifolds and tangent spaces" (the "Mean or root-mean-square?" paragraph).
"""

from __future__ import annotations

import math

import numpy as np

from dmm_edu import palette
from dmm_edu.interactive import Figure, grid
from dmm_edu.manifold import random_baseline, random_on_mean, random_on_sd
from dmm_edu.results import Result

N_VALUES = (10, 20, 50, 100, 200, 500, 784, 1000, 3072)  #: ambient dimensions (E3's are added)
K_VALUES = (1, 2, 3, 5, 8, 10, 16, 25, 30, 50, 100, 200, 500, 1000)  #: manifold dimensions, kept where k <= n - 2
POINTS = 241  #: grid points of each density
SAMPLE_SCALE = 1 / 32000  #: E3's on-fractions (in [0, 1]) travel to 3e-5: far below a histogram bin
TAIL_SD = 7.0  #: the window reaches this many sd beyond the mean on either side (clipped to [0, 1])


def density(r: np.ndarray, n: int, k: int) -> np.ndarray:
    """f(r), the density of on(v) = r for a uniformly random unit v in Rⁿ and a k-dim tangent space.

    n, k: integers with 1 <= k <= n - 2 (ValueError otherwise: at k = n - 1 the density is infinite
    at r = 1, and k = n puts all of it at r = 1). r: values in [0, 1].
    """
    if not (isinstance(n, int) and isinstance(k, int) and 1 <= k <= n - 2):
        raise ValueError(f"(n, k)={(n, k)!r} is not accepted; expected integers with 1 <= k <= n - 2")
    r = np.asarray(r, dtype=np.float64)
    a, b = k / 2, (n - k) / 2
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), -np.inf)
        log_s = np.where(r < 1, np.log1p(-np.where(r < 1, r, 0.0) ** 2), -np.inf)
        up = 0.0 if k == 1 else (k - 1) * log_r  # r^0 = 1 at r = 0 too
        down = 0.0 if b == 1 else (b - 1) * log_s
        return np.exp(math.log(2.0) - log_beta + up + down)


def window(n: int, k: int) -> tuple[float, float]:
    """[lo, hi]: mean ± TAIL_SD sd of on(v), clipped to [0, 1] and rounded outwards to 1e-4."""
    mean, sd = random_on_mean(n, k), random_on_sd(n, k)
    lo = max(0.0, math.floor((mean - TAIL_SD * sd) * 1e4) / 1e4)
    hi = min(1.0, math.ceil((mean + TAIL_SD * sd) * 1e4) / 1e4)
    return lo, hi


def axis(lo: float, hi: float) -> np.ndarray:
    """The POINTS values of r a density is given at (the browser rebuilds the same ones)."""
    return np.linspace(lo, hi, POINTS)


def cell(n: int, k: int, results_e3: Result | None) -> dict:
    lo, hi = window(n, k)
    f = density(axis(lo, hi), n, k)
    out = {"k": k, "lo": lo, "hi": hi, "density": grid(f, float(f.max()) / 32000),
           "rms": random_baseline(n, k), "mean": random_on_mean(n, k), "sd": random_on_sd(n, k)}
    if results_e3 is not None:
        a, tag = results_e3.arrays, f"n{n}_k{k}"
        rand, grad = a[f"on_random_{tag}"], a[f"on_grad_untrained_{tag}"]
        grad = grad[np.isfinite(grad)]
        out["e3"] = {"random": grid(rand, SAMPLE_SCALE), "random_mean": float(rand.mean()), "random_count": int(rand.size),
                     "grad": grid(grad, SAMPLE_SCALE), "grad_mean": float(grad.mean()) if grad.size else None,
                     "grad_count": int(grad.size)}
    return out


def build(results: dict[str, Result]) -> dict:
    r = results["E3"]
    pairs = sorted({(int(n), int(k)) for n, k in r.metrics["dims"]})
    ns = sorted(set(N_VALUES) | {n for n, _ in pairs})
    rows = []
    for n in ns:
        ks = sorted({k for k in K_VALUES if k <= n - 2} | {k for m, k in pairs if m == n})
        rows.append({"n": n, "cells": [cell(n, k, r if (n, k) in pairs else None) for k in ks]})
    return {"rows": rows, "points": POINTS, "pairs": [list(p) for p in pairs], "start": [200, 10],
            "colours": {"density": palette.BLUE, "random": palette.RANDOM, "grad": palette.GRADIENT,
                        "rms": palette.BASELINE, "mean": palette.GREEN, "window": palette.NEUTRAL}}


FIGURES = (Figure("E3-baseline", ("E3",), build,
                  "the exact distribution of on(v) for a random direction v, for a chosen ambient dimension n "
                  "and manifold dimension k, against √(k/n) and its exact mean, with E3's samples where it ran",
                  "E3-random"),)
