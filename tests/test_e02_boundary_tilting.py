"""E2: tilting a linear boundary keeps accuracy and shrinks the margin as 1/√(1+t²)."""

import numpy as np
import pytest

from smoke_runs import smoke


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tilted_boundary_keeps_accuracy_and_loses_margin(seed):
    r = smoke("E2", seed)
    t_max = r.config["tilts"][-1]
    assert t_max == 100
    for n in r.config["dims"]:
        m = r.metrics[f"n{n}"]
        assert m["accuracy_min"] == m["accuracy_max"] == 1.0  # the tilt changes nothing on the manifold
        assert m["margin_ratio_max_tilt"] < 0.02  # the check (1/√(1 + t²) ≈ 0.01 at t = 100)
        assert m["on_fraction_max_tilt"] < 0.02  # the shortest way across is off the manifold
        np.testing.assert_allclose(r.arrays[f"margin_n{n}"], r.arrays[f"margin_exact_n{n}"], rtol=1e-3)


def test_sgd_never_moves_the_normal_part_of_the_weights():
    r = smoke("E2", 5)
    for n in r.config["dims"]:
        m = r.metrics[f"n{n}"]
        np.testing.assert_allclose(m["normal_norm_after"], m["normal_norm_before"], rtol=1e-12)
        # so a larger init scale leaves a more tilted boundary, closer to the data
        assert m["trained_margin"][-1] < m["trained_margin"][0]
