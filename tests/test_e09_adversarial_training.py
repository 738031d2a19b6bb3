"""E9: adversarial training mainly deepens the dimples (the check: d_off(AT)/d_off(std) > 2 and
d_on(AT)/d_on(std) in [0.7, 1.5])."""

import copy

import numpy as np
import pytest

from dmm_edu.data.synthetic import subspace_world
from dmm_edu.experiments.base import run_experiment
from dmm_edu.boundary.cling import boundary_angle
from dmm_edu.experiments.e09_adversarial_training import adversarial_train
from dmm_edu.numpy_nn import MLP, SGD, train
from smoke_runs import book


@pytest.fixture(scope="module", params=[0, 1, 2])
def result(request):
    return run_experiment("E9", "smoke", seed=request.param)


def test_adversarial_training_moves_the_boundary_off_the_manifold_not_along_it(result):
    m = result.metrics
    assert m["ratio_d_off"] > 2.0  # the check
    assert 0.7 <= m["ratio_d_on"] <= 1.5
    assert m["n_measured"] >= 50  # the medians rest on enough points


def test_both_networks_learn_and_the_robust_one_resists_its_attack(result):
    m = result.metrics
    assert m["standard"]["test_accuracy"] > 0.9 and m["adversarial"]["test_accuracy"] > 0.9
    assert m["adversarial"]["pgd_success_at_eps"] < m["standard"]["pgd_success_at_eps"]


def test_result_shapes(result):
    M = len(result.arrays["measured"])
    assert 0 < M <= result.config["recipe"]["n_attack"]
    for name in ("standard", "adversarial"):
        for key in ("d_free", "d_on", "d_off", "success_free", "success_on", "success_off", "on_grad"):
            assert result.arrays[f"{key}_{name}"].shape == (M,)
        assert np.isfinite(result.metrics[name]["d_off"])


def test_adversarial_training_with_a_zero_budget_is_standard_training():
    # eps = 0: the attack is the identity, so the loop must take exactly the steps of plain SGD
    world = subspace_world(n=20, k=3, n_train=200, n_test=0, rng=np.random.default_rng(0))
    a = MLP([20, 16, 4], c=2.5, rng=np.random.default_rng(1), dtype="float32")
    b = copy.deepcopy(a)
    train(a, SGD(a.params, a.grads, lr=0.05), world.x, world.y, epochs=2, batch_size=32, rng=np.random.default_rng(2))
    adversarial_train(b, world.x, world.y, eps=0.0, steps=3, alpha=0.1, lr=0.05, epochs=2, batch_size=32,
                      rng=np.random.default_rng(2), random_start=False)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


def test_boundary_angle_summary_is_read_from_the_saved_arrays(result):
    """θ (sin θ = on(δ_free)) lies in [0°, 90°]; each network's summary is a direct computation over the
    points both networks were measured at, and the change is the difference of the medians."""
    both = result.arrays["measured"]
    med = {}
    for name in ("standard", "adversarial"):
        theta = boundary_angle(result.arrays[f"on_delta_{name}"][both])
        assert np.all(np.isfinite(theta)) and np.all((theta >= 0) & (theta <= 90))
        a = result.metrics[name]["boundary_angle"]
        assert a["n"] == theta.size == result.metrics["n_measured"]
        np.testing.assert_allclose([a["q25"], a["median"], a["q75"]], np.quantile(theta, [0.25, 0.5, 0.75]))
        assert a["wall_share"] == np.mean(theta > 60) and a["sheet_share"] == np.mean(theta < 30)
        med[name] = a["median"]
    assert result.metrics["boundary_angle_change"] == pytest.approx(med["adversarial"] - med["standard"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_adversarial_training_turns_a_tilted_boundary_wall_like_on_the_book_profile(seed):
    """The claims' checks: standard median θ tilted (in [30°, 60°]), AT's wall-like (> 60°), and it rises."""
    m = book("E9", seed).metrics
    assert 30 <= m["standard"]["boundary_angle"]["median"] <= 60
    assert m["adversarial"]["boundary_angle"]["median"] > 60
    assert m["boundary_angle_change"] > 0
