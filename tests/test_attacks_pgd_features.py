"""Restarts, early stopping and trajectories behave the same on both tracks, and so do the newer
shared arguments (a restricted FGSM, DeepFool in a box, left_subspace on the numpy track).

Known answers on a linear binary classifier f = w·x + b: the loss gradient always points along
-s·w (s = ±1 the class's side), so PGD's iterates walk straight to the boundary, each step moving
f by alpha‖w‖_q (q the dual norm: ‖·‖₁ for L∞, ‖·‖₂ for L2). With early stopping a sample stops at
the first iterate past the boundary, after floor(d / alpha) + 1 steps, d = |w·x + b| / ‖w‖_q the
distance to the boundary in the attack's norm; and no start nor restart crosses it when eps < d."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.attacks import deepfool, fgsm, pgd  # noqa: E402  (the dispatchers: both tracks)
from dmm_edu.attacks._common import objective  # noqa: E402
from dmm_edu.manifold import SubspaceProjector  # noqa: E402
from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402

DUAL = {"linf": 1, "l2": 2}
TRACKS = ["numpy", "torch"]


def on(track, net, *arrays):
    """The model and arrays for `track`: the numpy MLP and arrays, or its torch copy and tensors."""
    if track == "numpy":
        return (net, *arrays)
    return (from_numpy_mlp(net), *(torch.from_numpy(a) for a in arrays))


def linear(seed=0, n=6, N=300):
    """f = w·x + b as a one-logit numpy MLP, N inputs, their labels and the distances in each norm."""
    rng = np.random.default_rng(seed)
    net = MLP([n, 1], rng=rng, bias=0.4)
    W, b = net.params
    w = W[:, 0]
    x = rng.normal(size=(N, n))
    d = {norm: np.abs(x @ w + b[0]) / np.linalg.norm(w, q) for norm, q in DUAL.items()}  # (N,) each
    return net, x, net.predict(x), d


# ------------------------------------------------------------ early stopping and trajectories


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_early_stop_on_a_linear_model_stops_one_step_past_the_boundary(track, norm):
    net, x, y, d = linear()
    d = d[norm]
    alpha, steps = float(d.max()) / 40, 50  # every sample crosses within 41 steps; eps is never reached
    model, xs, ys = on(track, net, x, y)
    res = pgd(model, xs, ys, 100.0, alpha=alpha, steps=steps, norm=norm, early_stop=True,
              record_trajectory=True).numpy()
    ratio = d / alpha
    clear = np.abs(ratio - np.round(ratio)) > 1e-6  # leave out a boundary that a step lands on exactly
    expected = np.floor(ratio) + 1  # the first t with t·alpha > d
    np.testing.assert_array_equal(res.steps[clear], expected[clear])
    assert res.success.all()
    np.testing.assert_allclose(res.norm, res.steps * alpha, rtol=1e-9)
    assert res.trajectory.shape == (steps + 1, 300, 6)
    t = np.arange(steps + 1)[:, None]  # (steps+1, 1)
    walked = np.abs(res.trajectory - x).max(2) if norm == "linf" else np.linalg.norm(res.trajectory - x, axis=2)
    np.testing.assert_allclose(walked, np.minimum(t, res.steps) * alpha, rtol=1e-9, atol=1e-12)  # then frozen
    np.testing.assert_array_equal(res.trajectory[-1], res.x_adv)
    np.testing.assert_array_equal(res.trajectory[0], x)


@pytest.mark.parametrize("track", TRACKS)
def test_early_stop_freezes_fooled_samples_and_leaves_the_others_alone(track):
    rng = np.random.default_rng(4)
    net = MLP([6, 16, 16, 3], "tanh", c=1.5, rng=rng)
    x = rng.normal(size=(60, 6))
    y = net.predict(x)
    y[:5] = (y[:5] + 1) % 3  # five samples misclassified from the start
    model, xs, ys = on(track, net, x, y)
    full = pgd(model, xs, ys, 0.5, steps=12, norm="linf").numpy()
    early = pgd(model, xs, ys, 0.5, steps=12, norm="linf", early_stop=True, record_trajectory=True).numpy()
    assert np.all(early.steps[:5] == 0) and np.all(early.delta[:5] == 0)
    stopped = early.steps < 12
    assert np.all(early.success[stopped]) and 5 < stopped.sum() < 60
    np.testing.assert_allclose(early.x_adv[~stopped], full.x_adv[~stopped], rtol=0, atol=1e-12)
    for i in np.flatnonzero(stopped):  # the path stands still after the stop
        np.testing.assert_array_equal(early.trajectory[early.steps[i]:, i], np.broadcast_to(early.x_adv[i], (
            13 - early.steps[i], 6)))
    assert full.trajectory is None and np.all(full.steps == 12)


# ------------------------------------------------------------ random starts and restarts


@pytest.mark.parametrize("track", TRACKS)
def test_no_start_and_no_restart_crosses_a_linear_boundary_farther_than_eps(track):
    net, x, y, d = linear(seed=1)
    d = d["l2"]
    eps = float(np.median(d))
    model, xs, ys = on(track, net, x, y)
    rng = np.random.default_rng(0) if track == "numpy" else torch.Generator().manual_seed(0)
    res = pgd(model, xs, ys, eps, steps=20, norm="l2", random_start=True, restarts=3, rng=rng).numpy()
    assert not res.success[d > eps].any()  # the ball holds no point of the other class
    assert res.success[d < 0.9 * eps].all()  # and the walk finds the boundary when it is inside
    assert np.all(res.norm <= eps * (1 + 1e-9))


@pytest.mark.parametrize("track", TRACKS)
def test_restarts_keep_the_best_run_per_sample(track):
    """restarts=3 equals three single runs drawn from the same generator, keeping per sample the
    first run with the best (success, objective J)."""
    rng = np.random.default_rng(2)
    net = MLP([6, 16, 16, 4], "tanh", c=1.5, rng=rng)
    x = rng.normal(size=(40, 6))
    y = net.predict(x)
    model, xs, ys = on(track, net, x, y)

    def gen():
        return np.random.default_rng(5) if track == "numpy" else torch.Generator().manual_seed(5)

    kw = dict(steps=3, norm="l2", random_start=True, loss="margin")
    best = pgd(model, xs, ys, 0.6, restarts=3, rng=gen(), **kw).numpy()
    g = gen()
    runs = [pgd(model, xs, ys, 0.6, rng=g, **kw).numpy() for _ in range(3)]
    J = np.stack([objective(net.forward(r.x_adv), y, "logit_margin", False) for r in runs])  # (3, N)
    succ = np.stack([r.success for r in runs])  # (3, N)
    for i in range(40):
        r_best = max(range(3), key=lambda r: (bool(succ[r, i]), float(J[r, i]), -r))  # the first of the best
        np.testing.assert_array_equal(best.x_adv[i], runs[r_best].x_adv[i])
    np.testing.assert_array_equal(best.success, succ.any(0))
    assert 0 < best.success.sum() < 40


@pytest.mark.parametrize("track", TRACKS)
def test_with_early_stop_later_restarts_leave_the_first_success_alone(track):
    rng = np.random.default_rng(3)
    net = MLP([6, 16, 3], "tanh", c=1.5, rng=rng)
    x = rng.normal(size=(50, 6))
    y = net.predict(x)
    model, xs, ys = on(track, net, x, y)

    def gen():
        return np.random.default_rng(1) if track == "numpy" else torch.Generator().manual_seed(1)

    kw = dict(steps=2, norm="linf", random_start=True, early_stop=True, record_trajectory=True)
    first = pgd(model, xs, ys, 0.4, rng=gen(), **kw).numpy()
    best = pgd(model, xs, ys, 0.4, restarts=4, rng=gen(), **kw).numpy()
    fooled = first.success
    assert 0 < fooled.sum() < 50 and best.success.sum() > fooled.sum()
    np.testing.assert_array_equal(best.x_adv[fooled], first.x_adv[fooled])
    np.testing.assert_array_equal(best.trajectory[:, fooled], first.trajectory[:, fooled])
    np.testing.assert_array_equal(best.steps[fooled], first.steps[fooled])


@pytest.mark.parametrize("name,message", [({"restarts": 2}, r"restarts=2 needs random_start=True"),
                                          ({"restarts": 0}, r"restarts=0 .*integer >= 1"),
                                          ({"early_stop": "yes"}, r"early_stop='yes' .*True or False"),
                                          ({"record_trajectory": 1}, r"record_trajectory=1 .*True or False")])
def test_the_numpy_track_checks_the_new_arguments_like_the_torch_track(name, message):
    net, x, y, _ = linear(N=4)
    for track in TRACKS:
        model, xs, ys = on(track, net, x, y)
        with pytest.raises((ValueError, TypeError), match=message):
            pgd(model, xs, ys, 0.1, **name)


def test_numpy_restarts_need_the_logits():
    class GradOnly:  # input_grad and predict, but no forward
        def __init__(self, net):
            self.net = net

        def input_grad(self, x, y, loss):
            return self.net.input_grad(x, y, loss)

        def predict(self, x):
            return self.net.predict(x)

    net, x, y, _ = linear(N=4)
    assert pgd(GradOnly(net), x, y, 0.1, loss="binary_logistic").steps.tolist() == [10] * 4
    with pytest.raises(TypeError, match=r"restarts=2 needs model.forward\(x\) -> logits"):
        pgd(GradOnly(net), x, y, 0.1, loss="binary_logistic", random_start=True, restarts=2,
            rng=np.random.default_rng(0))


# ------------------------------------------------------------ the other shared arguments


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("space", ["on", "off"])
def test_a_restricted_fgsm_steps_inside_its_subspace(track, space):
    rng = np.random.default_rng(5)
    n, k = 8, 3
    proj = SubspaceProjector(np.linalg.qr(rng.normal(size=(n, k)))[0])
    net = MLP([n, 16, 3], "tanh", c=1.5, rng=rng)
    x = rng.normal(size=(20, n))
    y = net.predict(x)
    model, xs, ys = on(track, net, x, y)
    res = fgsm(model, xs, ys, 0.4, norm="l2", space=space, projector=proj).numpy()
    other = proj.normal if space == "on" else proj.tangent
    np.testing.assert_allclose(other(res.delta), 0, atol=1e-12)
    np.testing.assert_allclose(res.norm, 0.4, rtol=1e-12)
    assert not res.left_subspace.any()
    with pytest.raises(ValueError, match=rf"space='{space}' is only accepted with norm='l2'"):
        fgsm(model, xs, ys, 0.4, space=space, projector=proj)


def test_deepfool_in_a_box_agrees_across_tracks_and_stays_in_it():
    rng = np.random.default_rng(6)
    net = MLP([6, 16, 3], "tanh", c=2.0, rng=rng)
    x = rng.uniform(0, 1, size=(40, 6))
    x[:10] = np.round(x[:10])  # on the corners: the clip matters
    model, xs = on("torch", net, x)
    a = deepfool(net, x, bounds=(0.0, 1.0))
    b = deepfool(model, xs, bounds=(0.0, 1.0)).numpy()
    assert a.x_adv.min() >= 0 and a.x_adv.max() <= 1
    np.testing.assert_allclose(a.x_adv, b.x_adv, atol=1e-9)
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.success, b.success)
    np.testing.assert_allclose(a.norm, np.linalg.norm(a.x_adv - x, axis=1), rtol=0, atol=0)
    free = deepfool(net, x)
    assert not np.array_equal(free.x_adv, a.x_adv)  # the box changed something


def test_left_subspace_is_reported_on_the_numpy_track_as_on_the_torch_track():
    rng = np.random.default_rng(7)
    n, k = 8, 2
    proj = SubspaceProjector(np.linalg.qr(rng.normal(size=(n, k)))[0])
    net = MLP([n, 16, 3], "tanh", c=1.5, rng=rng)
    x = rng.uniform(0, 1, size=(100, n))
    x[:50] = np.round(x[:50])  # on the corners of the box: most moves in S leave it
    y = net.predict(x)
    model, xs, ys = on("torch", net, x, y)
    kw = dict(steps=5, norm="l2", space="on", projector=proj, bounds=(0.0, 1.0))
    a, b = pgd(net, x, y, 0.5, **kw), pgd(model, xs, ys, 0.5, **kw).numpy()
    np.testing.assert_array_equal(a.left_subspace, b.left_subspace)
    assert a.left_subspace[:50].mean() > 0.5 and 0 < a.left_subspace_rate < 1
    off = np.linalg.norm(a.delta - proj.tangent(a.delta), axis=1)
    np.testing.assert_array_equal(a.left_subspace, off > 1e-4 * a.norm)
    assert pgd(net, x, y, 0.5, steps=2, norm="l2").left_subspace is None  # free attacks have no S
    assert not deepfool(net, x, space="on", projector=proj).left_subspace.any()  # no box: δ stays in S
