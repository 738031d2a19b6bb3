"""Torch-track DeepFool on models whose minimal perturbation is known in closed form."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.attacks.torch_track import deepfool  # noqa: E402
from dmm_edu.attacks.torch_track.deepfool import input_jacobian  # noqa: E402
from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def net(sizes, seed, activation="tanh", c=1.5):
    return from_numpy_mlp(MLP(sizes, activation, c=c, rng=np.random.default_rng(seed)))


def predict(model, x):
    with torch.no_grad():
        z = model(x)
    return (z[:, 0] > 0).long() if z.shape[1] == 1 else z.argmax(1)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30))
def test_one_step_to_a_linear_boundary(seed, n):
    """For f(x) = w·x + b (one logit) DeepFool's first step lands at distance |w·x + b| / ‖w‖₂."""
    model = torch.nn.Linear(n, 1, dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(randn(seed, 1, n))
        model.bias.fill_(0.4)
    w, b = model.weight[0].detach(), 0.4
    x = randn(seed + 1, 10, n)
    res = deepfool(model, x, overshoot=0.0)
    exact = (x @ w + b).abs() / w.norm()
    assert torch.all(res.success) and torch.all(res.steps == 1)
    # the 1e-4 push past the boundary is part of the algorithm: |f| + 1e-4 over ‖w‖
    torch.testing.assert_close(res.norm, exact + 1e-4 / w.norm(), rtol=1e-9, atol=0)
    cos = (res.delta @ w) / (res.norm * w.norm())  # the perturbation is parallel to w
    torch.testing.assert_close(cos.abs(), torch.ones(10, dtype=torch.float64), rtol=0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), C=st.integers(1, 5), overshoot=st.floats(0.0, 0.5), box=st.booleans(),
       given_labels=st.booleans())
def test_invariants(seed, C, overshoot, box, given_labels):
    """success is "the class at x_adv differs from y", norm is ‖δ‖₂, δ = x_adv - x, x_adv stays in
    the box, x is left alone, and steps never exceed the cap."""
    model = net([5, 12, C], seed, c=2.0)
    x = torch.rand(15, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x_before = x.clone()
    y = torch.randint(0, max(C, 2), (15,), generator=torch.Generator().manual_seed(seed)) if given_labels else None
    res = deepfool(model, x, y, steps=8, overshoot=overshoot, bounds=(0.0, 1.0) if box else None)
    y = predict(model, x) if y is None else y
    assert torch.equal(res.success, predict(model, res.x_adv) != y)
    torch.testing.assert_close(res.norm, res.delta.norm(dim=1), rtol=0, atol=0)
    torch.testing.assert_close(res.x_adv - x, res.delta, rtol=0, atol=0)
    assert torch.equal(x, x_before) and torch.all((res.steps >= 0) & (res.steps <= 8))
    if box:
        assert res.x_adv.min() >= 0 and res.x_adv.max() <= 1
    assert torch.all(res.norm[predict(model, x) != y] == 0)  # already misclassified: no step


def test_multiclass_linear_reaches_the_nearest_boundary():
    """For a linear C-class model the minimal distance is min_k |f_k - f_y| / ‖w_k - w_y‖."""
    model = torch.nn.Linear(4, 5, dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(randn(0, 5, 4))
        model.bias.zero_()
    x = randn(1, 20, 4)
    with torch.no_grad():
        z = model(x)
    y = z.argmax(1)
    W = model.weight.detach()
    d = (z - z.gather(1, y[:, None])).abs() / (W[None] - W[y][:, None]).norm(dim=2)  # (N, C)
    d[torch.arange(20), y] = torch.inf
    res = deepfool(model, x, overshoot=0.0)
    assert torch.all(res.success)
    torch.testing.assert_close(res.norm, d.amin(1), rtol=0, atol=1e-3)  # 1e-4 push per step


def test_a_deep_network_is_fooled_with_small_steps():
    model = net([10, 32, 32, 3], 0, c=2.0)
    x = randn(2, 50, 10)
    y = predict(model, x)
    res = deepfool(model, x)
    assert res.success_rate == 1.0 and torch.all(predict(model, res.x_adv) != y)
    exact = deepfool(model, x, overshoot=0.0)  # stops just past the boundary: a margin ~0 there
    with torch.no_grad():
        z0, z1 = model(x), model(exact.x_adv)
    m_clean = z0.gather(1, y[:, None])[:, 0] - z0.scatter(1, y[:, None], -torch.inf).amax(1)
    m_adv = z1.gather(1, y[:, None])[:, 0] - z1.scatter(1, y[:, None], -torch.inf).amax(1)
    assert torch.all(m_adv < 0)
    assert float((m_adv.abs() / m_clean).median()) < 0.01  # Newton-like convergence on a smooth network


def test_bounds_keep_every_iterate_in_the_box_and_the_attack_still_succeeds():
    """Images near the faces of [0, 1]: clipping the final point alone would undo the crossing for
    many; clipping every iterate lets DeepFool go on from where the clip left it."""
    model = net([16, 32, 4], 1, activation="relu", c=1.41)
    x = torch.rand(40, 16, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    x_before = x.clone()
    res = deepfool(model, x, bounds=(0.0, 1.0))
    assert res.x_adv.min() >= 0 and res.x_adv.max() <= 1
    assert res.success_rate == 1.0
    assert torch.equal(res.success, predict(model, res.x_adv) != predict(model, x))
    assert torch.equal(x, x_before)
    free = deepfool(model, x)
    assert torch.all(res.norm >= free.norm * 0.95)  # the box only removes directions


def test_already_misclassified_points_need_no_perturbation():
    model = net([3, 2], 0)
    x = randn(1, 6, 3)
    res = deepfool(model, x, 1 - predict(model, x))
    assert torch.all(res.success) and torch.all(res.norm == 0) and torch.all(res.steps == 0)


def test_a_constant_model_fails_cleanly():
    model = torch.nn.Linear(3, 2, dtype=torch.float64)
    with torch.no_grad():
        model.weight.zero_()  # gradient identically zero: no direction changes the class
        model.bias.copy_(torch.tensor([1.0, 0.0]))
    res = deepfool(model, randn(0, 4, 3))
    assert not torch.any(res.success) and torch.all(res.norm == 0)
    assert np.isnan(res.median_norm())


def test_images_are_attacked_over_all_pixels():
    flat = net([12, 16, 3], 2)
    image_model = torch.nn.Sequential(torch.nn.Flatten(), *flat)
    x = randn(3, 7, 3, 2, 2)
    a, b = deepfool(image_model, x), deepfool(flat, x.reshape(7, 12))
    assert a.x_adv.shape == x.shape
    torch.testing.assert_close(a.x_adv.reshape(7, 12), b.x_adv, rtol=0, atol=1e-14)
    torch.testing.assert_close(a.norm, a.delta.flatten(1).norm(dim=1), rtol=0, atol=0)


class NoVmapSquare(torch.autograd.Function):
    """x² with a backward that vmap cannot batch (no vmap rule): the Jacobian must fall back."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return torch.from_numpy(2 * x.detach().numpy() * g.detach().numpy())  # numpy inside: vmap cannot batch it


class Squares(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(NoVmapSquare.apply(x))


@pytest.mark.parametrize("vmappable", [True, False])
def test_the_input_jacobian_matches_autograd(vmappable):
    inner = net([5, 8, 4], 3)
    model = inner if vmappable else Squares(inner)
    x = randn(4, 6, 5).requires_grad_(True)
    z = model(x)
    J = input_jacobian(z, x)  # (N, C, n)
    ref = torch.autograd.functional.jacobian(lambda v: model(v), x.detach())  # (N, C, N, n)
    ref = torch.stack([ref[i, :, i] for i in range(6)])  # (N, C, n): each sample's own block
    torch.testing.assert_close(J, ref, rtol=1e-12, atol=1e-12)
