"""The stacked trainer is the numpy track's gradient descent, for many networks at once: in float64
each network of a stack ends with the weights `train` + `SGD` give it alone."""

import numpy as np
import pytest

from dmm_edu.numpy_nn import MLP, SGD, train
from dmm_edu.numpy_nn.stacked import StackedMLP, train_stacked


def data(rng, n=24, d=3):
    x = rng.normal(size=(n, d))  # (N, D)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # (N,) a label no linear model fits
    return x, y


def nets(sizes, seeds, dtype="float64"):
    return [MLP(sizes, "relu", init="uniform", rng=np.random.default_rng(s), dtype=dtype) for s in seeds]


def alone(model, x, y, lr, weight_decay, steps):
    opt = SGD(model.params, model.grads, lr=lr, weight_decay=weight_decay)
    train(model, opt, x, y, loss="binary_logistic", steps=steps)
    return np.concatenate([p.ravel() for p in model.params])


@pytest.mark.parametrize("sizes", [[3, 16, 1], [3, 8, 6, 1]])
def test_each_network_of_a_stack_trains_as_it_would_alone(sizes, rng):
    x, y = data(rng)
    lr = [0.05, 0.05, 0.2, 0.1]
    wd = [0.0, 3e-3, 0.0, 1e-2]
    steps = [40, 17, 33, 1]  # different stopping steps: networks leave the stack one by one
    net = StackedMLP.from_models(nets(sizes, range(4)))
    taken = train_stacked(net, x, y, lr=lr, weight_decay=wd, steps=steps)
    np.testing.assert_array_equal(taken, steps)
    for k, model in enumerate(nets(sizes, range(4))):
        expected = alone(model, x, y, lr[k], wd[k], steps[k])
        np.testing.assert_allclose(net.theta(k), expected, rtol=0, atol=1e-12)


def test_a_different_learning_rate_gives_different_weights(rng):
    """Negative control: the comparison above can fail."""
    x, y = data(rng)
    net = StackedMLP.from_models(nets([3, 16, 1], [0]))
    train_stacked(net, x, y, lr=0.05, steps=30)
    other = alone(nets([3, 16, 1], [0])[0], x, y, 0.06, 0.0, 30)
    assert np.max(np.abs(net.theta(0) - other)) > 1e-4


def test_callbacks_see_the_current_logits_and_can_end_a_network(rng):
    x, y = data(rng)
    seen = []

    def stop_first_at_5(state):
        if state.step == 5:
            state.end[0] = 5  # network 0 stops now, network 1 goes on to its 12 steps
        seen.append((state.step, state.active.copy(), state.logits.copy(), state.live.take(slice(None))))

    net = StackedMLP.from_models(nets([3, 10, 1], [1, 2]))
    taken = train_stacked(net, x, y, lr=0.1, steps=12, callbacks=[stop_first_at_5])
    np.testing.assert_array_equal(taken, [5, 12])
    assert [s for s, *_ in seen] == list(range(1, 13))
    np.testing.assert_array_equal(seen[5][1], [1])  # after step 5 only network 1 trains
    for _, active, logits, live in (seen[2], seen[8]):
        for row in range(len(active)):
            model = live.to_model(row, nets([3, 10, 1], [0])[0])
            np.testing.assert_allclose(logits[row], model.forward(x)[:, 0], rtol=0, atol=1e-12)
    for k, steps in enumerate([5, 12]):
        expected = alone(nets([3, 10, 1], [1, 2])[k], x, y, 0.1, 0.0, steps)
        np.testing.assert_allclose(net.theta(k), expected, rtol=0, atol=1e-12)


def test_float32_stack_keeps_float32(rng):
    x, y = data(rng)
    net = StackedMLP.from_models(nets([3, 8, 1], [0, 1], dtype="float32"))
    train_stacked(net, x, y, lr=0.05, steps=3)
    assert all(p.dtype == np.float32 for p in net.params)


def test_bad_arguments_are_named(rng):
    x, y = data(rng)
    net = StackedMLP.from_models(nets([3, 8, 1], [0, 1]))
    with pytest.raises(ValueError, match=r"steps=0 is not accepted"):
        train_stacked(net, x, y, lr=0.1, steps=0)
    with pytest.raises(ValueError, match=r"steps=2.5 is not accepted"):
        train_stacked(net, x, y, lr=0.1, steps=2.5)
    with pytest.raises(ValueError, match=r"lr=\[0.1, 0.1, 0.1\] is not accepted"):
        train_stacked(net, x, y, lr=[0.1, 0.1, 0.1], steps=2)
    with pytest.raises(ValueError, match=r"weight_decay=-1.0 is not accepted"):
        train_stacked(net, x, y, lr=0.1, weight_decay=-1.0, steps=2)
    with pytest.raises(ValueError, match=r"models\[1\].*must match models\[0\]"):
        StackedMLP.from_models(nets([3, 8, 1], [0]) + nets([3, 9, 1], [1]))
    with pytest.raises(ValueError, match=r"activation='tanh'.*'relu' only"):
        StackedMLP.from_models([MLP([3, 8, 1], "tanh", rng=rng)])
    with pytest.raises(ValueError, match=r"1 output"):
        train_stacked(StackedMLP.from_models(nets([3, 8, 2], [0])), x, y, lr=0.1, steps=2)
