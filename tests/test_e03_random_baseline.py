"""E3: the mean of a random direction's on-fraction sits at its exact expectation (within 5 standard
errors), a little below √(k/n), which is its root-mean-square."""

import math

import numpy as np
import pytest

from smoke_runs import smoke

from dmm_edu.experiments import e03_random_baseline as e3
from dmm_edu.manifold.measures import random_on_mean, random_on_sd


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_directions_sit_at_the_exact_mean_at_every_dim(seed):
    r = smoke("E3", seed)
    m_vectors = r.config["n_vectors"]
    assert set(r.metrics["checks"]) == {f"on_random_mean_within_5se_of_exact_n{n}_k{k}" for n, k in r.metrics["dims"]}
    for n, k in r.metrics["dims"]:
        tag = f"n{n}_k{k}"
        m = r.metrics[tag]
        exact = random_on_mean(n, k)
        assert m["baseline"] == pytest.approx(math.sqrt(k / n)) and m["on_random_mean_exact"] == pytest.approx(exact)
        se = random_on_sd(n, k) / math.sqrt(m_vectors)
        assert m["on_random_rel_tol"] == pytest.approx(5 * se / exact)  # the tolerance follows from the sample size
        assert m["on_random_rel_error"] == pytest.approx((m["on_random_mean"] - exact) / exact)
        assert r.metrics["checks"][f"on_random_mean_within_5se_of_exact_{tag}"]
        assert abs(m["on_random_mean"] - exact) < 5 * se
        # √(k/n) is the RMS: mean(on²) estimates k/n, on² ~ Beta(k/2, (n-k)/2) with variance a·b / ((a+b)²(a+b+1))
        a, b = k / 2, (n - k) / 2
        se_sq = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)) / m_vectors)
        assert abs(m["on_random_rms"] ** 2 - k / n) < 5 * se_sq
        # an untrained network's input gradient knows nothing about the manifold either
        assert abs(m["on_grad_untrained_mean"] - (k / n) ** 0.5) < 0.05
    zs = [abs(r.metrics[f"n{n}_k{k}"]["on_random_z"]) for n, k in r.metrics["dims"]]
    assert r.metrics["on_random_max_abs_z"] == max(zs) < 5  # the claimed check covers every (n, k)


def test_the_check_follows_the_sample_mean():
    n, k, m = 200, 10, 400
    exact, se = random_on_mean(n, k), random_on_sd(n, k) / math.sqrt(m)
    for shift, holds in ((4.9, True), (-4.9, True), (5.1, False), (-5.1, False)):
        sample = np.full(m, exact + shift * se)  # a sample whose mean is `shift` standard errors off
        c = e3.mean_check(sample, n, k)
        assert c["on_random_z"] == pytest.approx(shift)
        assert (abs(c["on_random_rel_error"]) <= c["on_random_rel_tol"]) is holds


def test_with_many_directions_the_check_separates_the_mean_from_the_rms():
    """At the full profile's 20000 directions the measured mean agrees with the exact mean and not with √(k/n)."""
    config = e3.Config(dims=((200, 10),), n_vectors=20000, n_points=20, hidden=8)
    metrics, _ = e3.run(config, np.random.default_rng(0))
    m = metrics["n200_k10"]
    assert metrics["checks"]["on_random_mean_within_5se_of_exact_n200_k10"]
    rel_gap_to_rms = abs(m["on_random_mean"] - m["baseline"]) / m["on_random_mean_exact"]
    assert rel_gap_to_rms > m["on_random_rel_tol"]  # the same check against √(k/n) would fail
