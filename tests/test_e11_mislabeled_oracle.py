"""E11: a network trained only on off-manifold adversarial points with random (mostly wrong) labels
still classifies clean points (the check: D_rand, off, large eps: N2 >= 0.6 while the oracle agrees
with the new label on <= 0.35 of the new training set)."""

import numpy as np
import pytest

from dmm_edu.experiments.base import run_experiment


@pytest.fixture(scope="module", params=[0, 1, 2])
def result(request):
    return run_experiment("E11", "smoke", seed=request.param)


def test_random_target_off_manifold_set_still_teaches_the_clean_task(result):
    m = result.metrics
    large = max(result.config["eps_over_d_off"])
    v = m[f"rand_off_eps{large:g}"]
    assert v["N2_test_accuracy"] >= 0.6  # the check
    assert v["oracle_agrees_with_t"] <= 0.35
    assert v["attack_success"] > 0.5  # at the large eps N1 mostly says t


def test_off_manifold_attacks_never_change_the_true_class(result):
    m = result.metrics
    for tag in m["tags"]:
        if "_off_" in tag:
            assert m[tag]["oracle_kept_y"] == 1.0
            assert m[tag]["oracle_agrees_with_t"] == m[tag]["t_equals_y"]


def test_targets_follow_their_rule(result):
    m = result.metrics
    for tag in m["tags"]:
        if tag.startswith("det_"):
            assert m[tag]["t_equals_y"] == 0.0
        else:  # drawn over all classes: t = y about 1/C of the time
            assert abs(m[tag]["t_equals_y"] - m["chance"]) < 0.05


def test_the_labels_alone_teach_nothing(result):
    # control: N2 on the clean points with the D_rand labels and no perturbation
    acc = result.metrics["control_rand_labels_no_delta"]["N2_test_accuracy"]
    assert acc < 0.5
    large = max(result.config["eps_over_d_off"])
    assert result.metrics[f"rand_off_eps{large:g}"]["N2_test_accuracy"] > acc + 0.2


def test_result_shapes(result):
    n_test = result.config["recipe"]["n_test"]
    assert len(result.metrics["tags"]) == len(result.config["variants"]) * len(result.config["eps_over_d_off"])
    for tag in result.metrics["tags"]:
        assert result.arrays[f"N2_pred_{tag}"].shape == (n_test,)
    assert result.arrays["y_test"].shape == (n_test,)
    assert np.isfinite(result.metrics["N1"]["d_off_median"])


def test_bad_variant_is_refused():
    with pytest.raises(ValueError, match="variants"):
        run_experiment("E11", "smoke", seed=0, variants=(("random", "off"),))
