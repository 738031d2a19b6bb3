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
