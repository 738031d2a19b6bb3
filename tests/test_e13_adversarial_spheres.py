"""E13: adversarial spheres. The distance from a correct point to the nearest error shrinks like 1/sqrt(d)
at matched error rates, and stays below the isoperimetric (cap) bound for the measured error rate."""

import math

import numpy as np
import pytest

from smoke_runs import book, smoke

from dmm_edu.experiments import e13_adversarial_spheres as e13
from dmm_edu.experiments.base import config_for


def test_smoke_run_measures_every_dimension_and_sphere():
    r = smoke("E13", 0)
    dims, (small, large) = r.config["dims"], r.config["ratio_dims"]
    assert set(r.metrics["checks"]) == {"ratio_within_40pct_of_sqrt_dim_ratio", "ratio_within_40pct_of_bound_ratio",
                                        "exponent_within_band_around_minus_half"}
    assert r.metrics["radial_route"] == pytest.approx((r.config["R"] - 1) / 2)
    for d in dims:
        m = r.metrics[f"d{d}"]
        assert m["n_train"] == round(r.config["samples_per_dim"] * d)  # the same samples per dimension at every d
        assert m["train_error"] <= 0.2  # the networks (nearly) fit their training points, even at smoke size
        for s in ("inner", "outer"):
            assert 0 < m[f"error_{s}"] < 1 and m[f"success_{s}"] == 1.0  # DeepFool reaches an error from every point
            assert m[f"distance_{s}_min"] <= m[f"distance_{s}"] <= m[f"distance_{s}_max"]
            assert len(m[f"distance_{s}_seeds"]) == r.config["n_seeds"]
            for seed, (dist, mu, bound) in enumerate(zip(m[f"distance_{s}_seeds"], m[f"error_{s}_seeds"],
                                                         m[f"bound_{s}_seeds"])):
                per_point = r.arrays[f"distances_d{d}_{s}_seed{seed}"]
                assert per_point.size > 0 and np.all(per_point > 0)
                assert dist == pytest.approx(np.median(per_point))
                r_sphere = 1.0 if s == "inner" else r.config["R"]
                assert bound == pytest.approx(e13.cap_median_distance(mu, d, r_sphere))
            # far below the radial gap from the unit sphere to the outer one: the errors sit along the sphere
            assert m[f"distance_{s}"] < r.config["R"] - 1
            assert m[f"radial_share_over_random_{s}"] == pytest.approx(
                m[f"radial_share_{s}"] / r.metrics["random_radial_share"][f"d{d}"])
    ratio = [a / b for a, b in zip(r.metrics[f"d{small}"]["distance_inner_seeds"],
                                   r.metrics[f"d{large}"]["distance_inner_seeds"])]
    assert r.metrics["ratio"] == pytest.approx(np.median(ratio))
    assert r.metrics["sqrt_dim_ratio"] == pytest.approx(math.sqrt(large / small))
    assert r.metrics["ratio_over_sqrt_min"] == pytest.approx(min(ratio) / math.sqrt(large / small))
    assert r.metrics["ratio"] > 1  # the distance falls with the dimension
    exponents = [e13.fit_exponent(dims, [r.metrics[f"d{d}"]["distance_inner_seeds"][i] for d in dims])
                 for i in range(r.config["n_seeds"])]
    assert r.metrics["exponent_seeds"] == pytest.approx(exponents)
    assert r.metrics["exponent"] == pytest.approx(np.median(exponents)) and r.metrics["exponent"] < 0


def test_fit_exponent_recovers_a_power_law():
    dims = [20, 50, 100, 200, 500]
    assert e13.fit_exponent(dims, [3.0 * d**-0.5 for d in dims]) == pytest.approx(-0.5)
    assert e13.fit_exponent(dims, [d**-0.3 for d in dims]) == pytest.approx(-0.3)
    # a d^-0.3 law passes the ratio band around sqrt(10) but not the exponent band
    assert 0.6 * math.sqrt(10) <= 10**0.3 <= 1.4 * math.sqrt(10)
    assert not e13.EXPONENT_BAND[0] <= -0.3 <= e13.EXPONENT_BAND[1]
    assert math.isnan(e13.fit_exponent([50], [0.1]))


@pytest.mark.parametrize("d", [3, 20, 50, 500])
def test_random_radial_share_is_the_median_of_a_random_direction(d):
    """The exact median |cos| of a uniform direction with a fixed axis: sqrt of the median of Beta(1/2, (d-1)/2),
    checked by Monte Carlo; about Phi^-1(0.75)/sqrt(d) for large d, below the RMS sqrt(1/d)."""
    rng = np.random.default_rng(d)
    u = e13.sphere(200_000, d, 1.0, rng)
    exact = e13.random_radial_share(d)
    assert np.median(np.abs(u[:, 0])) == pytest.approx(exact, rel=0.01)
    assert exact == pytest.approx(e13.random_radial_share_gauss(d), rel=0.05 if d >= 20 else 0.3)
    assert exact < math.sqrt(1 / d) or d < 5
    assert e13.random_radial_share(2) == pytest.approx(math.sqrt(0.5))


def test_same_seed_same_numbers():
    config = e13.Config(dims=(10, 30), ratio_dims=(10, 30), n_test=50, n_attack=10, hidden=8, steps=20, n_seeds=1)
    a, _ = e13.run(config, np.random.default_rng(3))
    b, _ = e13.run(config, np.random.default_rng(3))
    assert a == b


@pytest.mark.parametrize("d", [50, 500, 5000])
def test_cap_bound_is_the_gaussian_formula_in_high_dimension(d):
    for mu in (0.01, 0.1, 0.3, 0.5):
        exact, gauss = e13.cap_median_distance(mu, d), e13.cap_median_distance_gauss(mu, d)
        assert exact == pytest.approx(gauss, rel=0.02 if d == 50 else 0.005)
    # at a fixed error rate it shrinks like 1/sqrt(d), and scales with the radius
    assert e13.cap_median_distance(0.1, 50) / e13.cap_median_distance(0.1, 500) == pytest.approx(math.sqrt(10), rel=0.02)
    assert e13.cap_median_distance(0.1, d, 1.3) == pytest.approx(1.3 * e13.cap_median_distance(0.1, d))
    assert e13.cap_median_distance(0.0, d) == math.inf and e13.cap_median_distance(1.0, d) == 0.0


def test_cap_bound_matches_sampled_caps():
    """The median distance of uniform points outside a sampled cap of measure mu to it, by Monte Carlo."""
    rng = np.random.default_rng(0)
    d, mu = 40, 0.2
    x = e13.sphere(40000, d, 1.0, rng)  # (M, d)
    t = np.quantile(x[:, 0], 1 - mu)  # the cap {x1 >= t} of measure mu
    outside = x[x[:, 0] < t]
    theta = np.arccos(outside[:, 0]) - np.arccos(t)  # angle to the cap's edge along the great circle through e1
    assert np.median(2 * np.sin(theta / 2)) == pytest.approx(e13.cap_median_distance(mu, d), rel=0.02)


@pytest.mark.parametrize("field, value, match", [
    ("dims", (), "dims"),
    ("dims", (50, 50), "dims"),
    ("ratio_dims", (50, 1000), "ratio_dims"),
    ("ratio_dims", (500, 50), "ratio_dims"),
    ("R", 0.8, "R=0.8"),
    ("samples_per_dim", 0.01, "samples_per_dim"),
    ("n_attack", 10_000, "n_attack"),
    ("overshoot", 2.0, "overshoot"),
    ("hidden", 0, "hidden"),
])
def test_bad_config_names_the_field(field, value, match):
    with pytest.raises(ValueError, match=match):
        config_for("E13", "smoke", **{field: value})


@pytest.mark.slow
def test_book_profile_distance_shrinks_like_one_over_sqrt_d():
    r = book("E13", 0)
    sqrt10 = r.metrics["sqrt_dim_ratio"]
    assert sqrt10 == pytest.approx(math.sqrt(10))
    for seed_ratio in r.metrics["ratio_seeds"]:  # the check, on every seed
        assert 0.6 * sqrt10 <= seed_ratio <= 1.4 * sqrt10
    for q in r.metrics["ratio_over_predicted_seeds"]:
        assert 0.6 <= q <= 1.4
    for a in r.metrics["exponent_seeds"]:  # about 1/sqrt(d) over all dims, and not d^-0.3
        assert -0.65 <= a <= -0.35
    assert all(r.metrics["checks"].values())
    # the regime the check relies on: the error rates at d = 50 and 500 match within 0.1
    assert abs(r.metrics["d50"]["error_inner"] - r.metrics["d500"]["error_inner"]) < 0.1
