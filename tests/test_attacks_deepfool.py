"""DeepFool on models whose minimal perturbation is known in closed form."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.attacks import deepfool
from dmm_edu.manifold import SubspaceProjector
from dmm_edu.numpy_nn import MLP, logit_margin


def linear_binary(rng, n):
    net = MLP([n, 1], rng=rng, bias=0.4)
    W, b = net.params
    return net, W[:, 0], b[0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30))
def test_one_step_to_a_linear_boundary(seed, n):
    """For f(x) = w·x + b DeepFool's first step lands at distance |w·x + b| / ‖w‖₂."""
    rng = np.random.default_rng(seed)
    net, w, b = linear_binary(rng, n)
    x = rng.normal(size=(10, n))
    res = deepfool(net, x, overshoot=0.0)
    exact = np.abs(x @ w + b) / np.linalg.norm(w)
    assert np.all(res.success) and np.all(res.steps == 1)
    # the 1e-4 push past the boundary is part of the algorithm: |f| + 1e-4 over ‖w‖
    np.testing.assert_allclose(res.norm, exact + 1e-4 / np.linalg.norm(w), rtol=1e-9)
    # and the perturbation is parallel to w, pointing to the other side
    cos = (res.delta @ w) / (res.norm * np.linalg.norm(w))
    np.testing.assert_allclose(np.abs(cos), 1.0, atol=1e-12)


def test_multiclass_linear_reaches_nearest_boundary(rng):
    """For a linear C-class model the minimal distance is min_k |f_k - f_y| / ‖w_k - w_y‖."""
    net = MLP([4, 5], rng=rng, bias=0.0)
    W, b = net.params
    x = rng.normal(size=(20, 4))
    z = x @ W + b
    y = z.argmax(1)
    dist = np.full_like(z, np.inf)
    for k in range(5):
        wk = W[:, k][None, :] - W[:, y].T  # (N, n)
        with np.errstate(invalid="ignore"):  # k == y gives 0/0, masked just below
            d = np.abs(z[:, k] - z[np.arange(20), y]) / np.linalg.norm(wk, axis=1)
        dist[:, k] = np.where(k == y, np.inf, d)
    res = deepfool(net, x, overshoot=0.0)
    assert np.all(res.success)
    np.testing.assert_allclose(res.norm, dist.min(1), atol=1e-3)  # 1e-4 push per step


def test_a_deep_network_is_fooled_with_small_steps(rng):
    net = MLP([10, 32, 32, 3], "tanh", c=2.0, rng=rng)
    x = rng.normal(size=(50, 10))
    res = deepfool(net, x)
    assert res.success_rate == 1.0
    assert np.all(net.predict(res.x_adv) != net.predict(x))
    # without overshoot DeepFool stops just past the boundary: the margin there is ~0, a tiny
    # fraction of the margin at x (Newton-like convergence on a smooth network)
    exact = deepfool(net, x, overshoot=0.0)
    y = net.predict(x)
    m_clean, m_adv = logit_margin(net(x), y), logit_margin(net(exact.x_adv), y)
    assert np.all(m_adv < 0)
    assert np.median(np.abs(m_adv) / m_clean) < 0.01


def test_restricted_steps_stay_in_the_subspace_and_cost_more(rng):
    n, k = 12, 3
    U = np.linalg.qr(rng.normal(size=(n, k)))[0]
    proj = SubspaceProjector(U)
    net = MLP([n, 32, 2], c=1.5, rng=rng)
    x = rng.normal(size=(40, n))
    free = deepfool(net, x)
    on = deepfool(net, x, space="on", projector=proj)
    off = deepfool(net, x, space="off", projector=proj)
    np.testing.assert_allclose(proj.normal(on.delta), 0, atol=1e-10)
    np.testing.assert_allclose(proj.tangent(off.delta), 0, atol=1e-10)
    both = free.success & on.success & off.success
    assert both.mean() > 0.5
    # restricting the directions can only make the minimal perturbation longer (up to DeepFool's slack)
    assert np.all(on.norm[both] >= 0.95 * free.norm[both])
    assert np.all(off.norm[both] >= 0.95 * free.norm[both])


def test_already_misclassified_points_need_no_perturbation(rng):
    net, w, b = linear_binary(rng, 3)
    x = rng.normal(size=(6, 3))
    wrong = 1 - net.predict(x)
    res = deepfool(net, x, wrong)
    assert np.all(res.success) and np.all(res.norm == 0) and np.all(res.steps == 0)


def test_a_constant_model_fails_cleanly(rng):
    net = MLP([3, 2], rng=rng)
    net.params[0][...] = 0.0  # gradient identically zero: no direction changes the class
    net.params[1][...] = [1.0, 0.0]
    res = deepfool(net, rng.normal(size=(4, 3)))
    assert not np.any(res.success) and np.all(res.norm == 0)
    assert np.isnan(res.median_norm())
