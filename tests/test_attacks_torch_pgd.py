"""Torch-track FGSM and PGD: known answers on linear models, invariants by property tests, and
the features of the torch track (random starts and restarts, early stopping, trajectories, the
margin objective, targeted attacks, images of any shape)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.attacks.torch_track import fgsm, pgd  # noqa: E402
from dmm_edu.attacks.torch_track._common import objective  # noqa: E402
from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402


DUAL = {"linf": 1, "l2": 2}  # a linear logit moves by eps·‖w‖_q, q the dual norm: ‖·‖₁ for L∞, ‖·‖₂ for L2
seeds = st.integers(0, 10_000)
norms = st.sampled_from(["linf", "l2"])
losses = st.sampled_from(["ce", "margin"])


def linear_binary(seed, n, two_logits=False):
    """f(x) = w·x + b as nn.Linear(n, 1), or as nn.Linear(n, 2) with logits (0, f); float64."""
    g = torch.Generator().manual_seed(seed)
    w, b = torch.randn(n, generator=g, dtype=torch.float64), 0.4
    model = torch.nn.Linear(n, 2 if two_logits else 1, dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(torch.stack([torch.zeros(n, dtype=torch.float64), w]) if two_logits else w[None])
        model.bias.copy_(torch.tensor([0.0, b] if two_logits else [b], dtype=torch.float64))
    return model, w, b


def net(sizes, seed, c=1.5):
    """A tanh MLP with non-trivial weights W ~ N(0, c²/fan_in) (the numpy MLP's init), in float64."""
    return from_numpy_mlp(MLP(sizes, "tanh", c=c, rng=np.random.default_rng(seed)))


def small_net(seed, n=6, C=3):
    return net([n, 16, 16, C], seed)


def predict(model, x):
    with torch.no_grad():
        z = model(x)
    return (z[:, 0] > 0).long() if z.shape[1] == 1 else z.argmax(1)


def measured_norm(delta, norm):
    d = delta.flatten(1)
    return d.abs().amax(1) if norm == "linf" else d.norm(dim=1)


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def rand(seed, *shape):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# ------------------------------------------------------------ known answers


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 20), norm=norms, eps=st.floats(0.0, 2.0), two=st.booleans())
def test_fgsm_moves_a_linear_logit_by_eps_times_the_dual_norm(seed, n, norm, eps, two):
    """f = w·x + b: L∞ FGSM moves every coordinate by eps against sign(w) (towards the other class),
    so f moves by eps‖w‖₁; L2 FGSM moves f by eps‖w‖₂."""
    model, w, b = linear_binary(seed, n, two)
    x = randn(seed + 1, 10, n)
    y = predict(model, x)
    res = fgsm(model, x, y, eps, norm=norm, bounds=None)
    s = 2.0 * y.double() - 1.0  # +1 for class 1: the attack lowers f; -1 for class 0: it raises f
    torch.testing.assert_close(-s * (res.delta @ w), eps * torch.linalg.vector_norm(w, DUAL[norm]).expand(10),
                               rtol=1e-10, atol=1e-12)
    if norm == "linf" and eps > 0:
        torch.testing.assert_close(res.delta, -s[:, None] * eps * torch.sign(w).expand(10, n), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(res.norm, torch.full((10,), eps, dtype=torch.float64), rtol=1e-12, atol=1e-14)
    assert torch.all(res.steps == 1)


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=st.integers(1, 20), norm=norms, eps=st.floats(0.01, 2.0), loss=losses)
def test_targeted_fgsm_crosses_a_linear_boundary_iff_eps_exceeds_the_distance(seed, n, norm, eps, loss):
    model, w, b = linear_binary(seed, n)
    x = randn(seed + 1, 10, n)
    target = 1 - predict(model, x)
    res = fgsm(model, x, target, eps, norm=norm, targeted=True, bounds=None, loss=loss)
    exact = (x @ w + b).abs() / torch.linalg.vector_norm(w, DUAL[norm])  # distance to the boundary in the norm
    clear = (exact - eps).abs() > 1e-9 * eps  # leave out points on the sphere, where rounding decides
    assert torch.equal(res.success[clear], (eps > exact)[clear])


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_pgd_crosses_a_linear_boundary_exactly_when_eps_exceeds_the_distance(norm):
    """With the default alpha = 2.5 eps / steps PGD reaches the sphere along the fixed best direction."""
    model, w, b = linear_binary(3, 5)
    x = randn(4, 400, 5)
    y = predict(model, x)
    dist = (x @ w + b).abs() / torch.linalg.vector_norm(w, DUAL[norm])
    eps = float(dist.median())
    res = pgd(model, x, y, eps, steps=5, norm=norm, bounds=None)
    clear = (dist - eps).abs() > 1e-9 * eps  # leave out the point on the sphere (eps is one of the distances)
    assert torch.equal(res.success[clear], (dist < eps)[clear])
    assert 150 < int(res.success.sum()) < 250  # both outcomes are exercised


def test_pgd_on_a_multiclass_linear_model_ends_on_the_sphere_and_only_fools_reachable_points():
    """A C-class nn.Linear: the margin never has a zero gradient, so PGD-L2 ends on the eps-sphere;
    and it can only fool a sample whose nearest boundary, min_k |f_k - f_y| / ‖w_k - w_y‖, is
    closer than eps (the region of class y is a polytope: that is the exact distance)."""
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 5).double()
    x = randn(1, 200, 4)
    with torch.no_grad():
        z = model(x)
    y = z.argmax(1)
    W = model.weight.detach()  # (C, n)
    wd = W[None, :, :] - W[y][:, None, :]  # (N, C, n)  w_k - w_y
    d = (z - z.gather(1, y[:, None])).abs() / wd.norm(dim=2)  # (N, C) distance to boundary k (linear)
    d[torch.arange(200), y] = torch.inf
    nearest = d.amin(1)  # (N,) the minimal L2 distance to another class
    eps = float(nearest.median())
    res = pgd(model, x, y, eps, steps=60, alpha=eps / 10, norm="l2", bounds=None, loss="margin")
    torch.testing.assert_close(res.norm, torch.full((200,), eps, dtype=torch.float64), rtol=1e-9, atol=0)
    assert torch.all(nearest[res.success] < eps * (1 + 1e-9))
    assert int(res.success.sum()) > 0


@pytest.mark.parametrize("early", [False, True])
def test_success_is_decided_at_the_final_point_not_before_the_last_update(early):
    """f = w·x + b with f(x) = 2.5 alpha‖w‖₁: each L∞ step lowers f by alpha‖w‖₁, so x crosses
    the boundary on the third update. The last step's logits are those of x + δ_2 (f > 0); success
    judged on them would be False after 3 steps. A second sample starts misclassified: with
    early_stop it is frozen at step 0 and judged by that step's logits."""
    model, w, b = linear_binary(8, 5)
    x = randn(9, 2, 5)
    a = 0.1 * float(w.abs().sum())  # alpha‖w‖₁, alpha = 0.1
    x = x + ((2.5 * a - (x @ w + b)) / (w @ w))[:, None] * w  # f(x) = 2.5 alpha‖w‖₁ for both rows
    y = torch.tensor([1, 0])  # row 0 is predicted 1 (f > 0); row 1 is misclassified from the start
    for steps, crossed in [(2, False), (3, True)]:
        res = pgd(model, x, y, 10.0, alpha=0.1, steps=steps, bounds=None, early_stop=early)
        assert res.success.tolist() == [crossed, True]
        assert predict(model, res.x_adv).tolist() == [int(not crossed), 1]
        assert res.steps.tolist() == [steps, 0 if early else steps]


@pytest.mark.parametrize("early", [False, True])
def test_success_agrees_with_the_prediction_at_x_adv_for_every_image(early):
    """float32 images, a conv net, the box [0, 1], restarts: success is the prediction at x_adv for
    every sample, and the test can tell: some samples change prediction in the last update (alpha =
    eps / steps, so the last update is a full step, not one cut short by the ball)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.Tanh(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 8 * 8, 5))
    x = torch.rand(200, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    y = predict(model, x)
    for start in (False, True):
        res = pgd(model, x, y, 0.04, alpha=0.01, steps=4, bounds=(0.0, 1.0), early_stop=early, random_start=start,
                  restarts=2 if start else 1, rng=torch.Generator().manual_seed(2), record_trajectory=True)
        assert float(res.x_adv.min()) >= 0.0 and float(res.x_adv.max()) <= 1.0
        pred = predict(model, res.x_adv)
        assert torch.equal(res.success, pred != y)
        before_last = predict(model, res.trajectory[-2]) != y  # (N,) at the point the last step saw
        assert int((before_last != res.success).sum()) > 0


# ------------------------------------------------------------ invariants


@settings(max_examples=30, deadline=None)
@given(seed=seeds, norm=norms, eps=st.floats(0.0, 3.0), steps=st.integers(1, 6), start=st.booleans(),
       targeted=st.booleans(), loss=losses, early=st.booleans())
def test_delta_stays_in_the_ball_and_success_is_the_prediction(seed, norm, eps, steps, start, targeted, loss, early):
    model = small_net(seed)
    x = randn(seed, 12, 6)
    y = torch.randint(0, 3, (12,), generator=torch.Generator().manual_seed(seed))
    rng = torch.Generator().manual_seed(seed)
    for res in (fgsm(model, x, y, eps, norm=norm, targeted=targeted, bounds=None, loss=loss),
                pgd(model, x, y, eps, steps=steps, norm=norm, random_start=start, rng=rng, targeted=targeted,
                    bounds=None, loss=loss, early_stop=early, restarts=2 if start else 1)):
        assert torch.all(res.norm <= eps * (1 + 1e-6) + 1e-15)
        torch.testing.assert_close(res.norm, measured_norm(res.delta, norm), rtol=0, atol=0)
        torch.testing.assert_close(res.x_adv - x, res.delta, rtol=0, atol=0)
        pred = predict(model, res.x_adv)
        assert torch.equal(res.success, pred == y if targeted else pred != y)
        assert torch.all((res.steps >= 0) & (res.steps <= steps))


@settings(max_examples=30, deadline=None)
@given(seed=seeds, norm=norms, eps=st.floats(0.0, 1.0), start=st.booleans())
def test_bounds_keep_x_adv_in_the_box_and_x_is_never_modified(seed, norm, eps, start):
    model = small_net(seed)
    x = rand(seed, 12, 6)
    x[:3] = torch.randint(0, 2, (3, 6), generator=torch.Generator().manual_seed(seed)).double()  # on the faces
    x_before = x.clone()
    y = predict(model, x)
    rng = torch.Generator().manual_seed(seed)
    for res in (fgsm(model, x, y, eps, norm=norm, bounds=(0.0, 1.0)),
                pgd(model, x, y, eps, steps=4, norm=norm, random_start=start, rng=rng, bounds=(0.0, 1.0))):
        assert res.x_adv.min() >= 0.0 and res.x_adv.max() <= 1.0
        assert torch.all(res.norm <= eps * (1 + 1e-6) + 1e-15)
        assert torch.equal(x, x_before)
        assert res.x_adv.data_ptr() != x.data_ptr() and not res.x_adv.requires_grad


@settings(max_examples=20, deadline=None)
@given(seed=seeds, norm=norms, steps=st.integers(1, 5), targeted=st.booleans())
def test_eps_zero_is_the_identity(seed, norm, steps, targeted):
    model = small_net(seed)
    x = rand(seed, 8, 6)
    y = torch.randint(0, 3, (8,), generator=torch.Generator().manual_seed(seed))
    rng = torch.Generator().manual_seed(seed)
    for res in (fgsm(model, x, y, 0.0, norm=norm, targeted=targeted),
                pgd(model, x, y, 0.0, steps=steps, norm=norm, random_start=True, rng=rng, targeted=targeted)):
        assert torch.equal(res.x_adv, x)
        assert torch.all(res.delta == 0) and torch.all(res.norm == 0)
        pred = predict(model, x)
        assert torch.equal(res.success, pred == y if targeted else pred != y)


# ------------------------------------------------------------ random starts and restarts


def test_random_start_is_reproducible_and_depends_on_the_seed():
    model = small_net(0)
    x = randn(1, 5, 6)
    y = predict(model, x)
    a, b, c = (pgd(model, x, y, 0.3, random_start=True, rng=torch.Generator().manual_seed(s), steps=2, bounds=None)
               for s in (7, 7, 8))
    assert torch.equal(a.x_adv, b.x_adv)
    assert not torch.equal(a.x_adv, c.x_adv)


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_random_start_is_uniform_in_the_ball(norm):
    """With a constant model (zero gradient) the start is all there is: for L2, (‖δ‖/eps)^n is
    U(0, 1); for L∞ every coordinate is U(-eps, eps)."""
    n, eps = 6, 2.0
    model = torch.nn.Linear(n, 3).double()
    with torch.no_grad():
        model.weight.zero_()
    x = randn(0, 4000, n)
    y = torch.zeros(4000, dtype=torch.int64)
    res = pgd(model, x, y, eps, steps=1, norm=norm, random_start=True, rng=torch.Generator().manual_seed(0),
              bounds=None)
    u = (res.norm / eps) ** n if norm == "l2" else (res.delta.flatten() + eps) / (2 * eps)
    assert abs(float(u.mean()) - 0.5) < 0.02 and abs(float(u.median()) - 0.5) < 0.03


def test_restarts_keep_the_best_run_per_sample():
    """restarts=3 equals three single runs drawn from the same generator, keeping per sample the
    first run with the best (success, objective J)."""
    model = small_net(2, n=6, C=4)
    x = randn(3, 40, 6)
    y = predict(model, x)
    kw = dict(steps=3, norm="l2", random_start=True, bounds=None, loss="margin")
    best = pgd(model, x, y, 0.6, restarts=3, rng=torch.Generator().manual_seed(5), **kw)
    g = torch.Generator().manual_seed(5)
    runs = [pgd(model, x, y, 0.6, rng=g, **kw) for _ in range(3)]
    J = torch.stack([objective(model(r.x_adv).detach(), y, "margin", False) for r in runs])  # (3, N)
    succ = torch.stack([r.success for r in runs])  # (3, N)
    for i in range(40):
        keys = [(bool(succ[r, i]), float(J[r, i])) for r in range(3)]
        r_best = max(range(3), key=lambda r: (keys[r], -r))  # the first of the best
        assert torch.equal(best.x_adv[i], runs[r_best].x_adv[i])
    assert torch.equal(best.success, succ.any(0))
    assert 0 < int(best.success.sum()) < 40


# ------------------------------------------------------------ early stop, trajectories, objectives


def test_early_stop_freezes_fooled_samples_and_leaves_the_others_alone():
    model = small_net(4, C=3)
    x = randn(5, 60, 6)
    y = predict(model, x)
    y[:5] = (y[:5] + 1) % 3  # five samples misclassified from the start
    full = pgd(model, x, y, 0.5, steps=12, norm="linf", bounds=None)
    early = pgd(model, x, y, 0.5, steps=12, norm="linf", bounds=None, early_stop=True, record_trajectory=True)
    assert torch.all(early.steps[:5] == 0) and torch.all(early.delta[:5] == 0)
    stopped = early.steps < 12
    assert torch.all(early.success[stopped])  # frozen only because it was adversarial already
    assert 5 < int(stopped.sum()) < 60
    ran = ~stopped  # never frozen: the same updates as without early stopping
    torch.testing.assert_close(early.x_adv[ran], full.x_adv[ran], rtol=0, atol=1e-12)
    for i in torch.nonzero(stopped).squeeze(1).tolist():  # the path stands still after the stop
        t = int(early.steps[i])
        assert torch.equal(early.trajectory[t:, i], early.x_adv[i].expand(13 - t, 6))


@pytest.mark.parametrize("start", [False, True])
def test_trajectory_records_every_iterate(start):
    model = small_net(6)
    x = rand(7, 10, 6)
    y = predict(model, x)
    res = pgd(model, x, y, 0.2, steps=5, norm="l2", random_start=start, rng=torch.Generator().manual_seed(0),
              restarts=2 if start else 1, record_trajectory=True, bounds=(0.0, 1.0))
    assert res.trajectory.shape == (6, 10, 6) and res.trajectory.device.type == "cpu"
    if not start:
        assert torch.equal(res.trajectory[0], x)
    torch.testing.assert_close(res.trajectory[-1], res.x_adv, rtol=0, atol=1e-15)
    assert torch.all((res.trajectory - x).flatten(2).norm(dim=2) <= 0.2 * (1 + 1e-6))
    assert torch.all(res.trajectory >= 0) and torch.all(res.trajectory <= 1 + 1e-15)
    assert pgd(model, x, y, 0.2, steps=5).trajectory is None


@settings(max_examples=40, deadline=None)
@given(seed=seeds, C=st.integers(1, 6), targeted=st.booleans())
def test_the_margin_objective_is_positive_exactly_at_success(seed, C, targeted):
    from dmm_edu.attacks.torch_track._common import is_success, two_logits

    z = two_logits(randn(seed, 30, C))
    y = torch.randint(0, z.shape[1], (30,), generator=torch.Generator().manual_seed(seed))
    J = objective(z, y, "margin", targeted)
    assert torch.equal(J > 0, is_success(z, y, targeted))
    ce = objective(z, y, "ce", targeted)  # the cross entropy, with the sign the attack ascends
    logp = torch.log_softmax(z, 1).gather(1, y[:, None])[:, 0]
    torch.testing.assert_close(ce, logp if targeted else -logp)


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_targeted_attacks_reach_the_target_more_often(norm):
    C = 5
    model = net([6, 32, C], 1, c=2.0)
    x = randn(2, 200, 6)
    y = predict(model, x)
    target = (y + torch.randint(1, C, (200,), generator=torch.Generator().manual_seed(3))) % C
    eps = 1.0 if norm == "l2" else 0.4
    for loss in ("ce", "margin"):
        hit_t = pgd(model, x, target, eps, steps=20, norm=norm, targeted=True, bounds=None, loss=loss)
        hit_u = pgd(model, x, y, eps, steps=20, norm=norm, bounds=None, loss=loss)
        assert torch.equal(hit_t.success, predict(model, hit_t.x_adv) == target)
        assert hit_t.success.float().mean() > (predict(model, hit_u.x_adv) == target).float().mean()


def test_pgd_is_stronger_than_fgsm_on_a_deep_net():
    model = net([10, 32, 32, 3], 2, c=2.0)
    x = randn(3, 300, 10)
    y = predict(model, x)
    for norm, eps in [("linf", 0.1), ("l2", 0.4)]:
        one = fgsm(model, x, y, eps, norm=norm, bounds=None)
        many = pgd(model, x, y, eps, steps=30, norm=norm, bounds=None)
        assert many.success_rate >= one.success_rate and many.success_rate > 0.2


def test_images_of_any_shape_are_attacked_as_flat_rows():
    """(N, 1, 4, 4) images through a Flatten model give the flat attack's result, reshaped."""
    flat = net([16, 12, 4], 3)
    image_model = torch.nn.Sequential(torch.nn.Flatten(), *flat)
    x = rand(4, 9, 1, 4, 4)
    y = predict(image_model, x)
    for norm in ("linf", "l2"):
        a = pgd(image_model, x, y, 0.5, steps=4, norm=norm)
        b = pgd(flat, x.reshape(9, 16), y, 0.5, steps=4, norm=norm)
        assert a.x_adv.shape == (9, 1, 4, 4) and a.norm.shape == (9,)
        torch.testing.assert_close(a.x_adv.reshape(9, 16), b.x_adv, rtol=0, atol=1e-15)
        torch.testing.assert_close(a.norm, b.norm, rtol=0, atol=1e-15)


def test_float32_inputs_and_numpy_inputs():
    model = small_net(5).float()
    x = torch.rand(6, 6, generator=torch.Generator().manual_seed(0))
    y = predict(model, x)
    res = pgd(model, x, y, 0.2, norm="l2", steps=3)
    assert res.x_adv.dtype == torch.float32 and torch.all(res.norm <= 0.2 * (1 + 1e-6))
    from_numpy = pgd(model, x.numpy(), y.numpy(), 0.2, norm="l2", steps=3)
    assert torch.equal(from_numpy.x_adv, res.x_adv)
    np.testing.assert_array_equal(res.numpy().success, res.success.numpy())
