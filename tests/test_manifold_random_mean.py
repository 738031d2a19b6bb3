"""The exact mean of a random direction's on-fraction (`random_on_mean`) and its spread (`random_on_sd`).

Exact small cases, the limits, and Monte Carlo with a tolerance of 5 Monte Carlo standard errors
(computed from the sample itself, so the test does not lean on the function it checks).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.manifold import SubspaceProjector, random_baseline, sample_random_on_fraction
from dmm_edu.manifold.measures import random_on_mean, random_on_sd


def subspace(n, k, rng):
    return SubspaceProjector(np.linalg.qr(rng.standard_normal((n, k)))[0])  # a random k-dim subspace of R^n


def test_exact_small_cases():
    assert random_on_mean(2, 1) == pytest.approx(2 / math.pi, rel=1e-12)  # E|cos θ| on the circle
    assert random_on_mean(3, 1) == pytest.approx(0.5, rel=1e-12)  # on the 2-sphere |v_1| is uniform on [0, 1]
    assert random_on_mean(4, 2) == pytest.approx(2 / 3, rel=1e-12)  # on(v)² ~ Beta(1, 1): E sqrt(U) = 2/3
    for n in (1, 2, 7, 784, 10**6):
        assert random_on_mean(n, n) == 1.0 and random_on_sd(n, n) == 0.0  # the direction lies in T


def test_large_n_matches_the_chi_limit_without_overflow():
    """For k fixed and n → ∞, √n · on(v) tends to a chi variable with k degrees of freedom."""
    n, k = 10**9, 3
    chi_mean = math.sqrt(2) * math.gamma((k + 1) / 2) / math.gamma(k / 2)  # E[chi_3] = 2 sqrt(2/π)
    assert math.sqrt(n) * random_on_mean(n, k) == pytest.approx(chi_mean, rel=1e-8)  # the n-correction is O(1/n)
    # the digits survive where plain log-gamma differences cancel: k = n is 1, and k/n = 1e-6 sits at the
    # chi limit too (√n · E[on] = √k · (1 - 1/(4k)) to O(1/k²), here with k = 1e6)
    assert random_on_mean(10**12, 10**12) == 1.0
    assert math.sqrt(10**12) * random_on_mean(10**12, 10**6) == pytest.approx(1e3 * (1 - 1 / 4e6), rel=1e-11)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 10**6), k_frac=st.floats(0.0, 1.0))
def test_the_mean_is_below_the_rms_and_the_moments_agree(n, k_frac):
    k = 1 + int(k_frac * (n - 1))  # 1 <= k <= n
    mean, sd, rms = random_on_mean(n, k), random_on_sd(n, k), random_baseline(n, k)
    assert 0 < mean <= rms <= 1
    if k < n:
        assert mean < rms  # Jensen: on(v) varies, and the square root is strictly concave
    assert mean**2 + sd**2 == pytest.approx(k / n, rel=1e-9)  # E[on²] = k/n


@settings(max_examples=12, deadline=None)
@given(n=st.integers(2, 60), k_frac=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_monte_carlo_mean_and_sd_agree_within_their_standard_errors(n, k_frac, seed):
    k = 1 + int(k_frac * (n - 1))
    m = 4000
    rng = np.random.default_rng(seed)
    on = sample_random_on_fraction(subspace(n, k, rng), m, rng)  # (m,)
    se_mean = on.std(ddof=1) / math.sqrt(m)
    assert abs(on.mean() - random_on_mean(n, k)) <= 5 * se_mean + 1e-12  # + rounding: k = n has sd 0
    # the variance: a sample variance of m draws has standard error sqrt((μ4 - σ⁴) / m)
    dev = on - on.mean()
    se_var = math.sqrt(max(np.mean(dev**4) - np.mean(dev**2) ** 2, 0.0) / m)
    assert abs(on.var(ddof=1) - random_on_sd(n, k) ** 2) <= 5 * se_var + 1e-12


def test_the_mean_is_not_the_rms_at_monte_carlo_precision():
    """With enough samples the sampled mean tells E[on] from √(k/n): their gap is many standard errors."""
    n, k, m = 200, 10, 40000
    rng = np.random.default_rng(3)
    on = sample_random_on_fraction(subspace(n, k, rng), m, rng)
    se = on.std(ddof=1) / math.sqrt(m)
    assert abs(on.mean() - random_on_mean(n, k)) < 5 * se
    assert random_baseline(n, k) - on.mean() > 5 * se
    assert math.sqrt(np.mean(on**2)) == pytest.approx(random_baseline(n, k), abs=5 * se)


@pytest.mark.parametrize("n,k,match", [(3, 4, "k=4"), (0, 1, "n=0"), (2.5, 1, "n=2.5"), (5, 0, "k=0"),
                                       (True, 1, "n=True"), ("7", 2, "n=")])
def test_bad_n_or_k_names_the_argument(n, k, match):
    for function in (random_on_mean, random_on_sd):
        with pytest.raises(ValueError, match=match):
            function(n, k)
