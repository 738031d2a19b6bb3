"""Every layer, loss and whole MLP of the numpy track against torch autograd in float64."""

import numpy as np
import pytest

from dmm_edu.numpy_nn import MLP, layers, losses

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TORCH_ACT = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
             "softplus": torch.nn.functional.softplus}


def t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


@pytest.mark.parametrize("name", sorted(layers.ACTIVATIONS))
def test_activation_forward_and_backward_match_torch(name, rng):
    z = rng.normal(scale=3.0, size=(7, 5))  # wide range: saturating regions of tanh/sigmoid too
    dL_da = rng.normal(size=z.shape)
    f, df = layers.ACTIVATIONS[name]
    a = f(z)
    zt = t(z, grad=True)
    at = TORCH_ACT[name](zt)
    at.backward(t(dL_da))
    np.testing.assert_allclose(a, at.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(df(dL_da, z, a), zt.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_linear_forward_and_backward_match_torch(rng):
    x, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dL_dy = rng.normal(size=(6, 3))
    y = layers.linear_forward(x, W, b)
    dL_dx, dL_dW, dL_db = layers.linear_backward(dL_dy, x, W)
    xt, Wt, bt = t(x, True), t(W, True), t(b, True)
    yt = xt @ Wt + bt
    yt.backward(t(dL_dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12)
    for ours, theirs in [(dL_dx, xt), (dL_dW, Wt), (dL_db, bt)]:
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_torch(reduction, rng):
    z, y = rng.normal(scale=4.0, size=(8, 5)), rng.integers(0, 5, 8)
    loss, dL_dz = losses.softmax_cross_entropy(z, y, reduction=reduction)
    zt = t(z, True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(y), reduction=reduction)
    lt.backward()
    assert loss == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(dL_dz, zt.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("shape", [(9,), (9, 1)])
def test_binary_logistic_matches_torch_bce_with_logits(shape, rng):
    f, y = rng.normal(scale=5.0, size=shape), rng.integers(0, 2, 9)
    loss, dL_df = losses.binary_logistic(f, y)
    ft = t(f, True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(ft, t(y.reshape(shape)))
    lt.backward()
    assert dL_df.shape == shape
    assert loss == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(dL_df, ft.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_logit_margin_loss_matches_torch(rng):
    z, y = rng.normal(size=(8, 4)), rng.integers(0, 4, 8)
    loss, dL_dz = losses.logit_margin_loss(z, y)
    zt = t(z, True)
    true = zt.gather(1, torch.tensor(y)[:, None])[:, 0]
    others = zt.masked_fill(torch.nn.functional.one_hot(torch.tensor(y), 4).bool(), -float("inf"))
    lt = (others.max(dim=1).values - true).mean()
    lt.backward()
    assert loss == pytest.approx(lt.item(), rel=1e-12)
    np.testing.assert_allclose(dL_dz, zt.grad.numpy(), atol=1e-15)
    np.testing.assert_allclose(losses.logit_margin(z, y), -(others.max(1).values - true).detach().numpy())


def torch_mlp(net):
    """A torch function computing the same MLP from leaf tensors of its weights."""
    params = [t(p, True) for p in net.params]
    act = TORCH_ACT[net.activation]

    def f(x):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = act(h)
        return h

    return f, params


CASES = [("relu", "cross_entropy", 4), ("tanh", "cross_entropy", 3), ("sigmoid", "logit_margin", 3),
         ("softplus", "binary_logistic", 1), ("relu", "binary_logistic", 1), ("tanh", "logit_margin", 1)]


@pytest.mark.parametrize("activation,loss,C", CASES)
def test_whole_mlp_parameter_and_input_gradients_match_torch(activation, loss, C, rng):
    net = MLP([6, 9, 7, C], activation, c=1.7, rng=rng, bias=0.2)
    for p in net.params:  # non-trivial biases too
        p += rng.normal(scale=0.3, size=p.shape)
    x, y = rng.normal(size=(11, 6)), rng.integers(0, max(C, 2), 11)
    value = net.loss_and_grads(x, y, loss)

    f, params = torch_mlp(net)
    xt = t(x, True)
    zt = f(xt)
    if loss == "cross_entropy":
        lt = torch.nn.functional.cross_entropy(zt, torch.tensor(y))
    elif loss == "binary_logistic":
        lt = torch.nn.functional.binary_cross_entropy_with_logits(zt[:, 0], t(y))
    else:
        if C == 1:
            lt = (-torch.tensor(2.0 * y - 1.0) * zt[:, 0]).mean()
        else:
            oh = torch.nn.functional.one_hot(torch.tensor(y), C).bool()
            lt = (zt.masked_fill(oh, -float("inf")).max(1).values - zt[oh]).mean()
    lt.backward()
    assert value == pytest.approx(lt.item(), rel=1e-12)
    for ours, theirs in zip(net.grads, params):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    # the input gradient is of the per-sample loss: N times the gradient of the mean
    np.testing.assert_allclose(net.input_grad(x, y, loss), xt.grad.numpy() * len(x), rtol=1e-9, atol=1e-12)


def test_input_jacobian_and_logit_grad_match_torch(rng):
    net = MLP([5, 8, 8, 3], "tanh", c=1.5, rng=rng, bias=0.1)
    x = rng.normal(size=(4, 5))
    z, J = net.input_jacobian(x)
    f, _ = torch_mlp(net)
    Jt = torch.func.vmap(torch.func.jacrev(lambda v: f(v[None])[0]))(t(x))  # (N, C, n)
    np.testing.assert_allclose(z, f(t(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(J, Jt.detach().numpy(), rtol=1e-10, atol=1e-13)
    k = np.array([2, 0, 1, 2])
    np.testing.assert_allclose(net.logit_grad(x, k), J[np.arange(4), k], rtol=1e-12)


@pytest.mark.parametrize("kind,kwargs", [("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.05, "momentum": 0.9}),
                                         ("sgd", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01}),
                                         ("adam", {"lr": 0.01}), ("adam", {"lr": 0.01, "weight_decay": 0.001})])
def test_optimisers_take_the_same_steps_as_torch(kind, kwargs, rng):
    from dmm_edu.numpy_nn import make_optimizer

    net = MLP([4, 6, 3], "relu", c=1.4, rng=rng)
    f, params = torch_mlp(net)
    opt = make_optimizer(kind, net, **kwargs)
    topt = (torch.optim.SGD if kind == "sgd" else torch.optim.Adam)(params, **kwargs)
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, 10)
    for _ in range(5):
        net.loss_and_grads(x, y)
        opt.step()
        topt.zero_grad()
        torch.nn.functional.cross_entropy(f(t(x)), torch.tensor(y)).backward()
        topt.step()
    for ours, theirs in zip(net.params, params):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_uniform_init_has_torch_default_bounds(rng):
    net = MLP([3, 400, 1], init="uniform", rng=rng)
    W, b = net.params[0], net.params[1]
    bound = 1 / np.sqrt(3)
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(W).max() > 0.95 * bound  # and it fills the range (400·3 draws)
