"""How much of a direction lies along the manifold, and what chance alone would give.

on(d) = ||P_T d|| / ||d|| is 1 for a direction inside the tangent space and 0 for one normal to
it. Every measured on-fraction and every ratio of minimal distances in the book is printed beside
what a random direction or a randomly oriented boundary would give; those baselines live here,
each with its derivation (experiment E3 measures the first one; the critique of the DMM rests on
comparing with them). Book page: "Data manifolds and tangent spaces".

On a zero vector: on(0) is NaN everywhere in the package. A zero vector has no direction, so it is
neither along the manifold (1) nor across it (0); NaN keeps it out of every median (the
measurements skip NaN; E9 reports the share of zero gradients as `zero_grad_fraction`) instead of
pulling the median towards either answer. It happens for real: a float32 network so confident that its softmax
rounds to one-hot has an input gradient of exactly zero.
"""

from __future__ import annotations

import math

import numpy as np

from dmm_edu._checks import check_array, check_positive_int, check_rng
from dmm_edu.manifold.projectors import Projector


def _check_projector(projector) -> Projector:
    if not isinstance(projector, Projector):
        raise TypeError(f"projector must be a dmm_edu.manifold Projector; got {type(projector).__name__}")
    return projector


# --8<-- [start:on_fraction]
def on_fraction(d, projector: Projector, x=None) -> np.ndarray | float:
    """on(d) = ||P_T d||_2 / ||d||_2, in [0, 1]; NaN for a zero row (see the module docstring).

    d: (n,) or (N, n) float (numpy, or a torch tensor: computed in float64 numpy); projector: a
    Projector (a `Frames` evaluated at the N points, an exact subspace, PCA, ...); x: base points
    (N, n) or (n,) for pointwise projectors. Returns (N,) (float for a single d and a flat
    projector or single x).
    """
    _check_projector(projector)
    if hasattr(d, "detach"):  # a torch tensor
        d = d.detach().cpu().double().numpy()
    d_arr = check_array("d", d)
    norm_d = np.linalg.norm(d_arr, axis=-1)  # (N,) or ()
    t = projector.tangent(d_arr, x)  # (N, n) or (n,)
    with np.errstate(divide="ignore", invalid="ignore"):
        on = np.linalg.norm(t, axis=-1) / norm_d  # (N,) or (): on(d) = ||P_T d|| / ||d||
    on = np.where(norm_d > 0, on, np.nan)
    return float(on) if on.ndim == 0 else on
# --8<-- [end:on_fraction]


def _n_k(n: int, k: int, *, proper: bool = False) -> tuple[int, int]:
    n = check_positive_int("n", n)
    k = check_positive_int("k", k)
    if k > n or (proper and k == n):
        raise ValueError(f"k={k} is not accepted; expected 1 <= k {'<' if proper else '<='} n = {n}")
    return n, k


def random_baseline(n: int, k: int) -> float:
    """sqrt(k / n): the on-fraction of a random direction in R^n for a k-dim tangent space (its RMS).

    For g ~ N(0, I_n), on(g)^2 = ||P_T g||^2 / ||g||^2 is the share of k of the n squared coordinates
    in their sum, which is Beta(k/2, (n-k)/2) distributed with mean k / n; so sqrt(k/n) is exactly the
    root-mean-square of on(g), for every n. (The mean of on(g) itself is lower, noticeably so when k is
    small: the square root of an average exceeds the average of square roots; `random_on_mean`.)
    """
    n, k = _n_k(n, k)
    return math.sqrt(k / n)  # on(random) ≈ sqrt(k/n)


def random_on_mean(n: int, k: int) -> float:
    """E[on(v)] for v uniform on the unit sphere of R^n and a k-dim tangent space, exactly.

    Mean versus RMS: `random_baseline` is sqrt(E[on(v)^2]) = sqrt(k/n), the root-mean-square. The mean
    E[on(v)] = E[sqrt(on(v)^2)] is smaller whenever on(v) varies (Jensen: the square root is concave),
    and it is what an average of sampled on-fractions estimates, so a check on a sampled mean
    compares with this value, not with sqrt(k/n).
    Derivation: on(v)^2 ~ B = Beta(a, b) with a = k/2, b = (n-k)/2 (`random_baseline`), and
    E[B^(1/2)] = B(a + 1/2, b) / B(a, b), i.e.

        E[on(v)] = Gamma((k+1)/2) Gamma(n/2) / (Gamma(k/2) Gamma((n+1)/2)),

    computed in logs (`_log_gamma_half_ratio`) so that no n overflows. Checks: n = 2, k = 1 gives
    2/pi; n = 3, k = 1 gives 1/2 (|v_1| is uniform on [0, 1]); k = n gives 1. The gap to sqrt(k/n)
    is about sqrt(k/n) (n - k) / (4 k n): a few percent for k ~ 10, vanishing as k grows.
    Gaussian directions g ~ N(0, I_n) give the same on-fractions (g / ||g|| is uniform on the sphere).
    n, k: integers with 1 <= k <= n (ValueError naming the argument otherwise).
    """
    n, k = _n_k(n, k)
    return math.exp(_log_gamma_half_ratio(k / 2) - _log_gamma_half_ratio(n / 2))  # exactly 1 for k = n


def _log_gamma_half_ratio(x: float) -> float:
    """log Gamma(x + 1/2) - log Gamma(x) for x > 0, to about 1e-15 absolute at every x.

    The plain difference of `math.lgamma` values loses the digits the two share: about 1e-11 at
    x = 1e4 and 1e-6 at x = 5e8. From x = 20 on, the Stirling series of the difference,
    (1/2) log x - 1/(8x) + 1/(192 x^3) - 1/(640 x^5) + 17/(14336 x^7), is accurate to rounding.
    """
    if x < 20:
        return math.lgamma(x + 0.5) - math.lgamma(x)
    return 0.5 * math.log(x) - 1 / (8 * x) + 1 / (192 * x**3) - 1 / (640 * x**5) + 17 / (14336 * x**7)


def random_on_sd(n: int, k: int) -> float:
    """The standard deviation of on(v) for a uniformly random direction: sqrt(k/n - E[on(v)]^2).

    Var on(v) = E[on(v)^2] - E[on(v)]^2 with E[on(v)^2] = k/n (`random_baseline`) and the mean of
    `random_on_mean`. It sets the standard error sd / sqrt(m) of a mean of m sampled on-fractions,
    hence how close to `random_on_mean` such a mean must land (experiment E3's check).
    n, k: integers with 1 <= k <= n.
    """
    n, k = _n_k(n, k)
    return math.sqrt(max(0.0, k / n - random_on_mean(n, k) ** 2))  # max: k = n rounds to 0 from either side


# --8<-- [start:random_d_on_over_d_free]
def random_d_on_over_d_free(n: int, k: int) -> float:
    """sqrt(n / k): d_on / d_free when the tangent space is a random k-dim subspace.

    Near a point a classifier is linear, f(x + d) ≈ f(x) + w·d with w = ∇f. The smallest step
    inside a subspace S that reaches f = 0 is d_S = |f| / ||P_S w||, and d_free = |f| / ||w||, so
    d_S / d_free = ||w|| / ||P_S w|| = 1 / on_S(w). For S a random k-dim subspace,
    on_S(w) ≈ sqrt(k/n) (`random_baseline`), hence d_on / d_free ≈ sqrt(n/k).
    """
    n, k = _n_k(n, k)
    return math.sqrt(n / k)
# --8<-- [end:random_d_on_over_d_free]


def random_d_off_over_d_free(n: int, k: int) -> float:
    """sqrt(n / (n - k)): d_off / d_free when the tangent space is a random k-dim subspace.

    As in `random_d_on_over_d_free`, d_off / d_free = ||w|| / ||P_N w||, and the normal space N has
    dimension n - k, so ||P_N w|| / ||w|| ≈ sqrt((n - k)/n).
    """
    n, k = _n_k(n, k, proper=True)
    return math.sqrt(n / (n - k))


# --8<-- [start:random_d_off_over_d_on]
def random_d_off_over_d_on(n: int, k: int) -> float:
    """sqrt(k / (n - k)): d_off / d_on for a randomly oriented (locally linear) boundary.

    d_off / d_on = (|f| / ||P_N w||) / (|f| / ||P_T w||) = ||P_T w|| / ||P_N w||, and for a random w
    the squared norms split k : (n - k) (`random_baseline`), so the ratio is ≈ sqrt(k / (n - k)).
    This is the value a network's boundary has at initialisation if its gradient points anywhere.
    """
    n, k = _n_k(n, k, proper=True)
    return math.sqrt(k / (n - k))
# --8<-- [end:random_d_off_over_d_on]


def baselines(n: int, k: int) -> dict[str, float]:
    """The four random baselines under the names the measurements use (`dmm_edu.boundary.distances`):
    baseline_on, baseline_d_on_over_d_free, baseline_d_off_over_d_free, baseline_d_off_over_d_on."""
    return {"baseline_on": random_baseline(n, k), "baseline_d_on_over_d_free": random_d_on_over_d_free(n, k),
            "baseline_d_off_over_d_free": random_d_off_over_d_free(n, k),
            "baseline_d_off_over_d_on": random_d_off_over_d_on(n, k)}


def sample_random_on_fraction(projector: Projector, n_samples: int, rng: np.random.Generator, x=None) -> np.ndarray:
    """On-fractions of n_samples isotropic Gaussian directions g ~ N(0, I_n): (n_samples,).

    Their root-mean-square is sqrt(k/n) (`random_baseline`), the baseline printed beside every measured
    on/off ratio; their mean is a little lower (`random_on_mean`).
    x: base points for pointwise projectors, a single point (n,) or one per sample (n_samples, n).
    """
    _check_projector(projector)
    n_samples = check_positive_int("n_samples", n_samples)
    rng = check_rng("rng", rng)
    if x is not None:
        x_arr = check_array("x", x)
        if x_arr.ndim == 2 and x_arr.shape[0] != n_samples:
            raise ValueError(
                f"x has {x_arr.shape[0]} rows; expected one point ({projector.n},) or n_samples={n_samples} rows"
            )
    g = rng.standard_normal((n_samples, projector.n))  # (n_samples, n): g ~ N(0, I_n)
    return np.atleast_1d(on_fraction(g, projector, x))
