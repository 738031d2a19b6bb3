"""The numpy track without torch: gradient checker (with negative controls), training, save/load."""

import numpy as np
import pytest

from dmm_edu.numpy_nn import (
    ACTIVATIONS,
    MLP,
    SGD,
    Adam,
    accuracy,
    at_steps,
    check_gradient,
    check_model,
    every,
    layers,
    numerical_gradient,
    train,
)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss,C", [("cross_entropy", 3), ("binary_logistic", 1), ("logit_margin", 4)])
def test_central_differences_agree_with_backprop(activation, loss, C, rng):
    net = MLP([4, 5, 6, C], activation, c=1.5, rng=rng, bias=0.1)
    x, y = rng.normal(size=(7, 4)), rng.integers(0, max(C, 2), 7)
    results = check_model(net, x, y, loss)
    assert len(results) == len(net.params) + 1
    bad = [(r.name, r.error) for r in results if not r.ok]
    assert not bad, bad


def test_numerical_gradient_of_a_known_function():
    theta = np.array([0.3, -1.2, 2.0])
    grad = numerical_gradient(lambda: float(np.sum(np.sin(theta) * theta**2)), theta)
    exact = np.cos(theta) * theta**2 + 2 * theta * np.sin(theta)  # d/dθ [θ² sin θ]
    np.testing.assert_allclose(grad, exact, rtol=1e-8)
    np.testing.assert_array_equal(theta, [0.3, -1.2, 2.0])  # restored after perturbing


def test_checker_fails_on_a_broken_backward(rng, monkeypatch):
    """Negative control: a ReLU backward that lets gradients through where z < 0 must be caught."""
    net = MLP([4, 8, 3], "relu", c=1.5, rng=rng)
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    assert all(r.ok for r in check_model(net, x, y))
    monkeypatch.setitem(layers.ACTIVATIONS, "relu", (layers.relu, lambda dL_da, z, a: dL_da))
    broken = MLP([4, 8, 3], "relu", c=1.5, rng=np.random.default_rng(1))
    results = check_model(broken, x, y)
    assert not all(r.ok for r in results)
    assert max(r.error for r in results) > 1e-2


def test_checker_fails_on_a_wrong_analytic_gradient():
    theta = np.array([1.0, 2.0])
    wrong = 2 * theta * 1.01  # the gradient of Σθ² off by 1%
    assert not check_gradient(lambda: float(np.sum(theta**2)), wrong, theta).ok
    assert check_gradient(lambda: float(np.sum(theta**2)), 2 * theta, theta).ok


def quadrant_data(rng, n=400):
    x = rng.uniform(-1, 1, size=(n, 2))
    y = (x[:, 0] > 0).astype(int) * 2 + (x[:, 1] > 0)
    return x, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_training_fits_a_simple_problem(dtype, opt, rng):
    x, y = quadrant_data(rng)
    net = MLP([2, 32, 4], "relu", c=1.41, rng=rng, dtype=dtype)
    optimizer = SGD(net.params, net.grads, lr=0.2, momentum=0.9) if opt == "sgd" else Adam(net.params, net.grads, lr=0.01)
    before = accuracy(net, x, y)
    hist = train(net, optimizer, x, y, epochs=60, batch_size=50, rng=rng)
    assert net.params[0].dtype == dtype
    assert hist.steps == 60 * 8
    assert np.mean(hist.loss[-8:]) < 0.5 * np.mean(hist.loss[:8])
    assert accuracy(net, x, y) > max(0.9, before)


def test_full_batch_gradient_descent_is_deterministic(rng):
    x, y = quadrant_data(rng, 50)
    runs = []
    for _ in range(2):
        net = MLP([2, 8, 4], rng=np.random.default_rng(3))
        train(net, SGD(net.params, net.grads, lr=0.1), x, y, steps=20)
        runs.append(np.concatenate([p.ravel() for p in net.params]))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_callbacks_every_at_steps_and_early_stop(rng):
    x, y = quadrant_data(rng, 64)
    net = MLP([2, 16, 4], rng=rng)
    seen_every, seen_at = [], []
    stop = lambda s: s.step == 37  # noqa: E731
    hist = train(net, SGD(net.params, net.grads, lr=0.1), x, y, steps=100, batch_size=16, rng=rng,
                 callbacks=[every(10, lambda s: seen_every.append(s.step)),
                            at_steps([2, 30, 99], lambda s: seen_at.append((s.step, s.epoch))), stop])
    assert hist.stopped_early and hist.steps == 37 and len(hist.loss) == 37
    assert seen_every == [1, 10, 20, 30]
    assert seen_at == [(2, 0), (30, 7)]  # 4 batches per epoch


def test_save_and_load_round_trip(tmp_path, rng):
    net = MLP([5, 7, 3], "softplus", c=2.0, rng=rng, init="uniform", dtype=np.float32)
    path = net.save(tmp_path / "net.npz")
    back = MLP.load(path)
    x = rng.normal(size=(4, 5))
    assert repr(back) == repr(net)
    np.testing.assert_array_equal(back(x), net(x))
    assert not list(tmp_path.glob("*.part"))


def test_float32_model_keeps_float32(rng):
    net = MLP([3, 4, 2], rng=rng, dtype="float32")
    x = rng.normal(size=(5, 3))  # float64 input is cast
    assert net(x).dtype == np.float32
    assert net.input_grad(x, np.zeros(5, int)).dtype == np.float32
