"""The numpy and torch tracks agree: the same weights (dmm_edu.torch_nn.convert) in float64 on a
synthetic world give the same adversarial points, sample by sample, and the same success rates.

A sample may differ where the two tracks' rounding (different matrix-product orders) flips the
sign of a gradient coordinate that is ~0 or a ReLU at its kink; so "most samples" (>= 95 %)
must agree to 1e-4, and the aggregate metrics must be equal."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.attacks import deepfool as np_deepfool  # noqa: E402
from dmm_edu.attacks import fgsm as np_fgsm  # noqa: E402
from dmm_edu.attacks import pgd as np_pgd  # noqa: E402
from dmm_edu.attacks.torch_track import deepfool, fgsm, pgd  # noqa: E402
from dmm_edu.data.synthetic import subspace_world  # noqa: E402
from dmm_edu.numpy_nn import MLP, Adam, train  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402

TOL = 1e-4
MOST = 0.95


@pytest.fixture(scope="module")
def world_and_nets():
    """A 4-class world on a 4-dim subspace of R^24 and a ReLU MLP trained briefly on it."""
    rng = np.random.default_rng(0)
    world = subspace_world(n=24, k=4, n_train=600, n_test=200, rng=rng)
    net = MLP([24, 64, 64, world.n_classes], "relu", c=1.41, rng=rng)
    train(net, Adam(net.params, net.grads, lr=3e-3), world.x, world.y, steps=40)
    return world, net, from_numpy_mlp(net)


def agree(a, b):
    """Fraction of samples whose x_adv agree to TOL (max-abs); both results as numpy."""
    a, b = a.numpy(), b.numpy()
    return float(np.mean(np.abs(a.x_adv - b.x_adv).reshape(len(a.x_adv), -1).max(1) <= TOL))


def check(ours_np, ours_torch):
    t = ours_torch.numpy()
    assert agree(ours_np, ours_torch) >= MOST
    assert ours_np.success_rate == t.success_rate
    np.testing.assert_array_equal(ours_np.steps, t.steps)
    if np.any(ours_np.success):
        assert abs(ours_np.median_norm() - t.median_norm()) <= TOL


def test_the_converted_network_has_the_same_logits(world_and_nets):
    world, net, model = world_and_nets
    with torch.no_grad():
        z = model(torch.tensor(world.x_test)).numpy()
    np.testing.assert_allclose(z, net(world.x_test), rtol=1e-12, atol=1e-12)
    assert np.mean(net.predict(world.x_test) == world.y_test) > 0.6  # trained: the attacks have work to do


@pytest.mark.parametrize("norm,eps", [("linf", 0.05), ("l2", 0.3)])
@pytest.mark.parametrize("targeted", [False, True])
def test_fgsm_and_pgd_agree(world_and_nets, norm, eps, targeted):
    world, net, model = world_and_nets
    x, y = world.x_test, net.predict(world.x_test)
    if targeted:
        y = (y + 1) % world.n_classes
    xt, yt = torch.tensor(x), torch.tensor(y)
    check(np_fgsm(net, x, y, eps, norm=norm, targeted=targeted),
          fgsm(model, xt, yt, eps, norm=norm, targeted=targeted, bounds=None))
    for steps in (1, 10):
        a = np_pgd(net, x, y, eps, steps=steps, norm=norm, targeted=targeted)
        b = pgd(model, xt, yt, eps, steps=steps, norm=norm, targeted=targeted, bounds=None)
        check(a, b)
        assert 0.0 < a.success_rate < 1.0  # neither trivial nor hopeless


def test_pgd_agrees_inside_a_box(world_and_nets):
    world, net, model = world_and_nets
    x, y = world.x_test, net.predict(world.x_test)
    box = (float(x.min()), float(x.max()))
    for norm, eps in [("linf", 0.05), ("l2", 0.3)]:
        check(np_pgd(net, x, y, eps, steps=8, norm=norm, bounds=box),
              pgd(model, torch.tensor(x), torch.tensor(y), eps, steps=8, norm=norm, bounds=box))


@pytest.mark.parametrize("space", ["on", "off"])
def test_restricted_pgd_agrees(world_and_nets, space):
    world, net, model = world_and_nets
    x, y = world.x_test, net.predict(world.x_test)
    a = np_pgd(net, x, y, 0.5, steps=10, norm="l2", space=space, projector=world.projector)
    b = pgd(model, torch.tensor(x), torch.tensor(y), 0.5, steps=10, norm="l2", space=space,
            projector=world.projector, bounds=None)
    check(a, b)
    assert not b.left_subspace.any()


@pytest.mark.parametrize("space", ["free", "on", "off"])
def test_deepfool_agrees(world_and_nets, space):
    world, net, model = world_and_nets
    x = world.x_test
    proj = None if space == "free" else world.projector
    a = np_deepfool(net, x, space=space, projector=proj)
    b = deepfool(model, torch.tensor(x), space=space, projector=proj)
    check(a, b)
    assert a.success_rate > 0.9
    np.testing.assert_allclose(b.numpy().norm[a.success], a.norm[a.success], rtol=1e-6)


@pytest.mark.parametrize("norm,eps", [("linf", 0.05), ("l2", 0.3)])
def test_early_stop_and_trajectories_agree(world_and_nets, norm, eps):
    world, net, model = world_and_nets
    x, y = world.x_test, net.predict(world.x_test)
    kw = dict(steps=10, norm=norm, early_stop=True, record_trajectory=True)
    a = np_pgd(net, x, y, eps, **kw)
    b = pgd(model, torch.tensor(x), torch.tensor(y), eps, **kw)
    check(a, b)  # the same steps per sample, so the same stops
    assert 0 < np.mean(a.steps < 10) < 1
    path_a, path_b = a.trajectory, b.numpy().trajectory  # (11, N, n) each
    assert path_a.shape == path_b.shape == (11, *x.shape)
    assert np.mean(np.abs(path_a - path_b).max(axis=(0, 2)) <= TOL) >= MOST


@pytest.mark.parametrize("space", ["on", "off"])
def test_restricted_fgsm_agrees(world_and_nets, space):
    world, net, model = world_and_nets
    x, y = world.x_test, net.predict(world.x_test)
    a = np_fgsm(net, x, y, 0.5, norm="l2", space=space, projector=world.projector)
    b = fgsm(model, torch.tensor(x), torch.tensor(y), 0.5, norm="l2", space=space, projector=world.projector)
    check(a, b)
    np.testing.assert_array_equal(a.left_subspace, b.numpy().left_subspace)
