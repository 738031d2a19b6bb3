"""E8: in the large-init (DMM) regime the boundary stays closer along the normal than within the
manifold at every epoch (the check: c = 2.5: d_off/d_on < 0.8 at every epoch >= 1)."""

import numpy as np
import pytest

from dmm_edu.experiments.base import run_experiment
from smoke_runs import smoke


@pytest.fixture(scope="module", params=[0, 1, 2])
def result(request):
    return smoke("E8", request.param)


def test_large_init_boundary_stays_close_along_the_normal(result):
    epochs = np.array(result.metrics["epochs"])
    ratio = np.array(result.metrics["c2.5"]["d_off_over_d_on"])  # (E,)
    assert np.all(ratio[epochs >= 1] < 0.8)  # the check
    assert result.metrics["c2.5"]["final_test_accuracy"] > 0.9  # measured on a network that learned the task


def test_dimples_deepen_slowly(result):
    # C3: d_off grows with training (the dimples deepen) while the network already fits
    d_off = np.array(result.metrics["c2.5"]["d_off"])  # (E,)
    epochs = np.array(result.metrics["epochs"])
    assert d_off[-1] > d_off[epochs == 1][0]


def test_small_init_contrast_ends_across_the_manifold(result):
    # the recipe decides the regime: with c = 0.5 the trained boundary stands across the manifold
    assert result.metrics["c0.5"]["d_off_over_d_on"][-1] > 1.0


def test_at_init_the_ratio_is_that_of_a_random_boundary(result):
    # a randomly oriented (locally linear) boundary has d_off/d_on ≈ sqrt(k/(n-k)); a factor-2 band
    base = result.metrics["baseline_d_off_over_d_on"]
    r0 = result.metrics["c2.5"]["d_off_over_d_on"][0]
    assert base / 2 < r0 < 2 * base


def test_result_shapes(result):
    E = len(result.metrics["epochs"])
    assert result.metrics["epochs"][0] == 0
    for c in ("c2.5", "c0.5"):
        for name in ("d_free", "d_on", "d_off", "d_off_over_d_on", "on_grad", "test_accuracy"):
            assert len(result.metrics[c][name]) == E
            assert result.arrays[f"{name}_{c}"].shape == (E,)
    assert result.arrays["epochs"].shape == (E,)


def test_bad_epochs_are_refused():
    with pytest.raises(ValueError, match="epochs"):
        run_experiment("E8", "smoke", seed=0, epochs=(0, 5, 2))
