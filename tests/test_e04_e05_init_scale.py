"""E4 and E5: the init scale decides how perpendicular the gradient is and which minimal attack
is shortest (the experiments' checks, at the book profile, which takes seconds)."""

import pytest

from smoke_runs import book


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_leans_off_the_manifold_more_as_init_grows(seed):
    r = book("E4", seed)
    cs = r.metrics["init_scales"]
    on = [r.metrics[f"c{c:g}"]["on_grad"] for c in cs]
    assert all(a > b for a, b in zip(on, on[1:]))  # decreases with c
    assert min(on) > 2 * r.metrics["baseline_on"]  # yet always far from a random direction
    assert all(r.metrics[f"c{c:g}"]["test_accuracy"] > 0.95 for c in cs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_off_minimal_attacks_swap_with_init_scale(seed):
    r = book("E5", seed)
    large, small = r.metrics["c2.5"], r.metrics["c0.5"]
    assert large["d_off_over_d_on"] < 0.85  # DMM regime: the boundary hugs the manifold
    assert small["d_off_over_d_on"] > 2.5  # small init: the boundary stands across it
    for c in r.metrics["init_scales"]:
        m = r.metrics[f"c{c:g}"]
        # the free minimal perturbation is never much longer than the best restricted one
        assert m["free_within_5pct_of_best"] > 0.95
        assert m["d_free"] <= 1.05 * min(m["d_on"], m["d_off"])
        assert min(m["success_free"], m["success_on"], m["success_off"]) > 0.9


@pytest.mark.parametrize("seed", [0, 1])
def test_boundary_angle_summary_is_read_from_the_saved_arrays(seed):
    """θ (sin θ = on(δ_free)) lies in [0°, 90°], and each c's summary is a direct computation over the
    measured points of the saved per-point arrays."""
    import numpy as np

    from dmm_edu.boundary.cling import boundary_angle

    r = book("E5", seed)
    for c in r.metrics["init_scales"]:
        tag = f"c{c:g}"
        theta = boundary_angle(r.arrays[f"on_delta_{tag}"][r.arrays[f"measured_{tag}"]])
        assert np.all(np.isfinite(theta)) and np.all((theta >= 0) & (theta <= 90))
        np.testing.assert_allclose(np.degrees(np.arcsin(r.arrays[f"on_delta_{tag}"][r.arrays[f"measured_{tag}"]])),
                                   theta)
        a = r.metrics[tag]["boundary_angle"]
        assert a["n"] == theta.size == r.metrics[tag]["n_measured"]
        np.testing.assert_allclose([a["q25"], a["median"], a["q75"]], np.quantile(theta, [0.25, 0.5, 0.75]))
        assert a["wall_share"] == np.mean(theta > 60) and a["sheet_share"] == np.mean(theta < 30)


@pytest.mark.parametrize("seed", [0, 1])
def test_boundary_angle_is_a_wall_at_small_init_and_tilted_at_large(seed):
    """The claims' checks at the book profile: c = 0.5 wall-like (median θ > 60°), c = 1.41 and c = 2.5
    tilted (median θ in [30°, 60°]), and the angle falls as the init grows."""
    r = book("E5", seed)
    med = {c: r.metrics[f"c{c:g}"]["boundary_angle"]["median"] for c in r.metrics["init_scales"]}
    assert med[0.5] > 60
    assert 30 <= med[1.41] <= 60 and 30 <= med[2.5] <= 60
    assert med[0.5] > med[1.41] > med[2.5]
