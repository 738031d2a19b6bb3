"""E14: an input-gradient penalty (double backpropagation). The penalised loss is the formula, the sweep trains the
same initial network at every lambda, the roles (free, largest fitting, largest) are read off the lists, and on the
book profile C10's weak form holds while a free penalty removes the slope across the manifold first."""

import math

import numpy as np
import pytest
import torch

from smoke_runs import book, smoke

from dmm_edu.experiments import e14_input_gradient_penalty as e14
from dmm_edu.experiments.base import config_for


def test_penalised_loss_is_mean_loss_plus_lambda_times_mean_squared_input_gradient():
    g = torch.Generator().manual_seed(0)
    model = e14.mlp((6, 5, 3), 1.41, g).double()
    x, y = torch.randn(4, 6, generator=g, dtype=torch.float64), torch.tensor([0, 1, 2, 1])
    lam = 0.7
    ell = [torch.nn.functional.cross_entropy(model(x[i:i + 1]), y[i:i + 1]) for i in range(4)]
    penalty = 0.0
    for i in range(4):  # one sample at a time: ∇ₓℓ_i of ℓ_i alone
        xi = x[i:i + 1].clone().requires_grad_(True)
        d, = torch.autograd.grad(torch.nn.functional.cross_entropy(model(xi), y[i:i + 1]), xi)
        penalty += float(d.pow(2).sum()) / 4
    want = float(sum(ell).detach()) / 4 + lam * penalty
    assert float(e14.penalised_loss(model, x, y, lam).detach()) == pytest.approx(want, rel=1e-10)
    assert float(e14.penalised_loss(model, x, y, 0.0).detach()) == pytest.approx(float(sum(ell).detach()) / 4, rel=1e-12)
    # double backprop: the penalty has a gradient in θ, and it is not the plain loss's
    L = e14.penalised_loss(model, x, y, lam)
    dL = torch.autograd.grad(L, list(model.parameters()))
    d0 = torch.autograd.grad(e14.penalised_loss(model, x, y, 0.0), list(model.parameters()))
    assert any(not torch.allclose(a, b) for a, b in zip(dL, d0))


def test_steps_to_fit_needs_the_target_reached_and_kept():
    steps, acc = np.array([0, 5, 10, 15]), np.array([0.2, 0.96, 0.5, 0.97])
    assert e14.steps_to(steps, acc, 0.95) == 15  # reached at 5, lost, reached for good at 15
    assert e14.steps_to(steps, np.array([0.2, 0.96, 0.97, 0.5]), 0.95) is None  # ends below: never fits
    assert e14.steps_to(steps, np.full(4, 0.99), 0.95) == 0


def test_smoke_run_sweeps_every_lambda_in_both_worlds():
    r = smoke("E14", 0)
    lams = r.config["lambdas"]
    assert r.metrics["lambdas"] == lams and lams[0] == 0
    for world in ("subspace", "digits"):
        m = r.metrics[world]
        for key in ("train_accuracy", "test_accuracy", "steps_to_fit", "grad_loss", "grad_margin", "on_grad"):
            assert len(m[key]) == len(lams), (world, key)
        assert m["steps_to_fit"][0] is not None and m["steps_ratio"][0] == 1.0
        assert m["fit_target"] == pytest.approx(e14.FIT_FRACTION * m["train_accuracy"][0])
        for i, s in enumerate(m["steps_to_fit"]):  # fits iff it ends at or above the target
            assert (s is not None) == (m["train_accuracy"][i] >= m["fit_target"])
            acc = r.arrays[f"{world}_train_acc_lam{i}"]
            assert acc[-1] == pytest.approx(m["train_accuracy"][i])
        assert r.arrays[f"{world}_steps_lam0"][-1] == m["total_steps"]
        assert m["unpenalised"]["lambda"] == 0 and m["unpenalised"]["grad_margin_ratio"] == 1.0
        assert m["free"]["lambda"] <= m["largest_fitting"]["lambda"] <= m["largest"]["lambda"] == lams[-1]
        assert 0 < m["unpenalised"]["on_grad"] <= 1
        # the dominating penalty flattens the margin and costs train accuracy even at smoke size
        assert m["grad_margin"][-1] < 0.5 * m["grad_margin"][0]
        assert m["largest"]["train_accuracy_drop"] > 0
    sub = r.metrics["subspace"]
    assert sub["unpenalised"]["d_free"] <= min(sub["unpenalised"]["d_on"], sub["unpenalised"]["d_off"]) * 1.05
    assert set(r.metrics["checks"]) == {f"{w}.{k}" for w in ("subspace", "digits") for k in r.metrics[w]["checks"]}


def test_same_seed_same_numbers():
    from dmm_edu.experiments._images import ImageRecipe
    from dmm_edu.experiments._subspace import Recipe

    config = e14.Config(lambdas=(0.0, 1.0), subspace=Recipe(n=20, k=3, n_train=100, n_test=50, hidden=(8,), epochs=2,
                                                              n_attack=10, dtype="float32"),
                        images=ImageRecipe(n_per_class=10, hidden=(8,), epochs=1, n_attack=10, device="cpu"),
                        image_k=4, deepfool_steps=10)
    a, _ = e14.run(config, np.random.default_rng(3))
    b, _ = e14.run(config, np.random.default_rng(3))
    assert repr(a) == repr(b)  # repr: NaN == NaN


@pytest.mark.parametrize("field, value, match", [
    ("lambdas", (0.1, 1.0), "lambdas"),
    ("lambdas", (0.0,), "lambdas"),
    ("lambdas", (0.0, 1.0, 0.5), "lambdas"),
    ("lambdas", (0.0, -1.0), "lambdas"),
    ("image_k", 0, "image_k"),
    ("image_k", 784, "image_k"),
    ("image_momentum", 1.0, "image_momentum"),
    ("eval_every", 0, "eval_every"),
    ("overshoot", 2.0, "overshoot"),
])
def test_bad_config_names_the_field(field, value, match):
    with pytest.raises(ValueError, match=match):
        config_for("E14", "smoke", **{field: value})


def test_bad_recipe_names_the_nested_field():
    from dmm_edu.experiments._subspace import Recipe

    with pytest.raises(ValueError, match=r"subspace\.k"):
        config_for("E14", "smoke", subspace=Recipe(n=10, k=10))
    with pytest.raises(ValueError, match=r"subspace\.n_attack"):
        config_for("E14", "smoke", subspace=Recipe(n=10, k=3, n_test=5, n_attack=10))


@pytest.mark.slow
def test_book_profile_penalty_costs_fit_only_once_it_caps_the_slope_along_the_manifold():
    r = book("E14", 0)
    assert all(r.metrics["checks"].values()), r.metrics["checks"]
    for world in ("subspace", "digits"):
        m = r.metrics[world]
        assert m["largest_fitting"]["steps_ratio"] >= 1.5 and m["largest"]["train_accuracy_drop"] >= 0.05
        assert m["largest_fitting"]["grad_margin_ratio"] < 0.5
        assert 0 < m["free"]["lambda"] < m["largest_fitting"]["lambda"] < m["largest"]["lambda"]
        assert m["free"]["test_accuracy"] >= m["unpenalised"]["test_accuracy"] - 0.01  # free: no accuracy lost
        assert m["free"]["on_grad"] > m["unpenalised"]["on_grad"]
    sub = r.metrics["subspace"]
    assert sub["free"]["on_grad_change"] >= 0.05 and sub["free"]["d_off_ratio"] >= 1.5
    assert math.isclose(sub["free"]["d_on_ratio"], 1.0, abs_tol=0.2)  # along the manifold the boundary stays put
