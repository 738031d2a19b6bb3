"""FGSM and PGD: known answers on linear models, invariants by property tests, torch as the gold
standard for a PGD step, and clear errors for bad arguments."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.attacks import fgsm, pgd
from dmm_edu.manifold import SubspaceProjector
from dmm_edu.numpy_nn import MLP

DUAL = {"linf": 1, "l2": 2}  # f moves by eps·‖w‖_q, q the dual norm: ‖·‖₁ for L∞, ‖·‖₂ for L2
seeds = st.integers(0, 10_000)
norms = st.sampled_from(["linf", "l2"])


def linear_binary(rng, n, bias=0.4):
    net = MLP([n, 1], rng=rng, bias=bias)
    W, b = net.params
    return net, W[:, 0], b[0]


def small_net(rng, n=6, C=3):
    return MLP([n, 16, 16, C], "tanh", c=1.5, rng=rng)


# ------------------------------------------------------------ known answers


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 20), norm=norms, eps=st.floats(0.0, 2.0))
def test_fgsm_moves_a_linear_logit_by_eps_times_the_dual_norm(seed, n, norm, eps):
    """f = w·x + b: L∞ FGSM moves f by eps‖w‖₁, L2 FGSM by eps‖w‖₂, towards the other class."""
    rng = np.random.default_rng(seed)
    net, w, b = linear_binary(rng, n)
    x = rng.normal(size=(10, n))
    y = net.predict(x)
    res = fgsm(net, x, y, eps, norm=norm)
    s = 2.0 * y - 1.0  # +1 for class 1: the attack lowers f; -1 for class 0: it raises f
    change = res.x_adv @ w - x @ w  # (N,) f(x_adv) - f(x)
    np.testing.assert_allclose(-s * change, eps * np.linalg.norm(w, DUAL[norm]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.norm, eps, rtol=1e-12, atol=1e-14)  # x_adv - x rounds


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 20), norm=norms, eps=st.floats(0.01, 2.0))
def test_targeted_fgsm_moves_a_linear_logit_towards_the_target(seed, n, norm, eps):
    rng = np.random.default_rng(seed)
    net, w, b = linear_binary(rng, n)
    x = rng.normal(size=(10, n))
    target = 1 - net.predict(x)
    res = fgsm(net, x, target, eps, norm=norm, targeted=True)
    s = 2.0 * target - 1.0  # the target's side: f grows for target 1
    np.testing.assert_allclose(s * ((res.x_adv - x) @ w), eps * np.linalg.norm(w, DUAL[norm]), rtol=1e-10)
    exact = np.abs(x @ w + b) / np.linalg.norm(w, DUAL[norm])  # distance to the boundary in the norm
    np.testing.assert_array_equal(res.success, eps * (1 + 1e-9) > exact)  # crossed iff eps > distance


@settings(max_examples=25, deadline=None)
@given(seed=seeds, n=st.integers(1, 20), norm=norms, eps=st.floats(0.0, 2.0), steps=st.integers(1, 6))
def test_pgd_with_alpha_eps_on_a_linear_model_is_fgsm(seed, n, norm, eps, steps):
    """On a linear binary model the gradient direction never changes: PGD with alpha = eps
    overshoots the sphere and is projected back to FGSM's point at every step."""
    rng = np.random.default_rng(seed)
    net, w, b = linear_binary(rng, n)
    x = rng.normal(size=(10, n))
    y = net.predict(x)
    one = fgsm(net, x, y, eps, norm=norm)
    many = pgd(net, x, y, eps, alpha=max(eps, 1e-3), steps=steps, norm=norm)
    np.testing.assert_allclose(many.x_adv, one.x_adv, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(many.success, one.success)
    assert np.all(many.steps == steps) and np.all(one.steps == 1)


def test_pgd_l2_crosses_a_linear_boundary_exactly_when_eps_exceeds_the_distance(rng):
    net, w, b = linear_binary(rng, 5)
    x = rng.normal(size=(200, 5))
    y = net.predict(x)
    dist = np.abs(x @ w + b) / np.linalg.norm(w)
    eps = float(np.median(dist))
    res = pgd(net, x, y, eps, steps=5, norm="l2")
    np.testing.assert_array_equal(res.success, dist < eps)


# ------------------------------------------------------------ invariants


@settings(max_examples=30, deadline=None)
@given(seed=seeds, norm=norms, eps=st.floats(0.0, 3.0), steps=st.integers(1, 8), start=st.booleans(),
       targeted=st.booleans())
def test_delta_stays_in_the_ball_and_success_is_the_prediction(seed, norm, eps, steps, start, targeted):
    rng = np.random.default_rng(seed)
    net = small_net(rng)
    x = rng.normal(size=(12, 6))
    y = rng.integers(0, 3, 12)
    for res in (fgsm(net, x, y, eps, norm=norm, targeted=targeted),
                pgd(net, x, y, eps, steps=steps, norm=norm, random_start=start, rng=rng, targeted=targeted)):
        assert np.all(res.norm <= eps + 1e-12)
        measured = np.abs(res.delta).max(1) if norm == "linf" else np.linalg.norm(res.delta, axis=1)
        np.testing.assert_allclose(res.norm, measured, rtol=0, atol=0)
        np.testing.assert_allclose(res.x_adv - x, res.delta, atol=0)
        pred = net.predict(res.x_adv)
        np.testing.assert_array_equal(res.success, pred == y if targeted else pred != y)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, norm=norms, eps=st.floats(0.0, 1.0), start=st.booleans())
def test_bounds_keep_x_adv_in_the_box(seed, norm, eps, start):
    rng = np.random.default_rng(seed)
    net = small_net(rng)
    x = rng.uniform(0, 1, size=(12, 6))
    x[:3] = rng.integers(0, 2, size=(3, 6))  # some rows on the faces of the box
    y = net.predict(x)
    for res in (fgsm(net, x, y, eps, norm=norm, bounds=(0, 1)),
                pgd(net, x, y, eps, steps=4, norm=norm, random_start=start, rng=rng, bounds=(0.0, 1.0))):
        assert res.x_adv.min() >= 0.0 and res.x_adv.max() <= 1.0
        assert np.all(res.norm <= eps + 1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=seeds, norm=norms, steps=st.integers(1, 5), targeted=st.booleans())
def test_eps_zero_is_the_identity(seed, norm, steps, targeted):
    rng = np.random.default_rng(seed)
    net = small_net(rng)
    x = rng.normal(size=(8, 6))
    y = rng.integers(0, 3, 8)
    for res in (fgsm(net, x, y, 0.0, norm=norm, targeted=targeted),
                pgd(net, x, y, 0.0, steps=steps, norm=norm, random_start=True, rng=rng, targeted=targeted)):
        np.testing.assert_array_equal(res.x_adv, x)
        assert np.all(res.delta == 0) and np.all(res.norm == 0)
        pred = net.predict(x)
        np.testing.assert_array_equal(res.success, pred == y if targeted else pred != y)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, k=st.integers(1, 7), start=st.booleans(), eps=st.floats(0.1, 3.0))
def test_restricted_pgd_stays_in_its_subspace(seed, k, start, eps):
    """space="on" gives P_N δ = 0, space="off" gives P_T δ = 0, and both stay in the ball."""
    rng = np.random.default_rng(seed)
    n = 8
    proj = SubspaceProjector(np.linalg.qr(rng.normal(size=(n, k)))[0])
    net = MLP([n, 16, 3], "tanh", c=1.5, rng=rng)
    x = rng.normal(size=(10, n))
    y = net.predict(x)
    on = pgd(net, x, y, eps, steps=5, norm="l2", space="on", projector=proj, random_start=start, rng=rng)
    off = pgd(net, x, y, eps, steps=5, norm="l2", space="off", projector=proj, random_start=start, rng=rng)
    np.testing.assert_allclose(proj.normal(on.delta), 0, atol=1e-12)
    np.testing.assert_allclose(proj.tangent(off.delta), 0, atol=1e-12)
    assert np.all(on.norm <= eps + 1e-12) and np.all(off.norm <= eps + 1e-12)
    if k < n:  # the normal space is not {0}: the attack does move
        assert np.all(off.norm > 0)


def test_restricted_random_start_is_uniform_in_the_subspace_ball(rng):
    """With zero gradient the random start is all there is: radius^dim S should be U(0, 1)."""
    n, k = 6, 2
    proj = SubspaceProjector(np.linalg.qr(rng.normal(size=(n, k)))[0])
    net = MLP([n, 3], rng=rng)
    net.params[0][...] = 0.0  # a constant model: input_grad = 0, steps do not move δ
    x = rng.normal(size=(4000, n))
    y = np.zeros(4000, dtype=int)
    for space, dim in [("on", k), ("off", n - k), ("free", n)]:
        res = pgd(net, x, y, 2.0, steps=1, norm="l2", space=space,
                  projector=proj, random_start=True, rng=rng)
        u = (res.norm / 2.0) ** dim
        assert abs(u.mean() - 0.5) < 0.02 and abs(np.median(u) - 0.5) < 0.03


@settings(max_examples=10, deadline=None)
@given(seed=seeds, norm=norms)
def test_targeted_attacks_reach_the_target_more_often(seed, norm):
    rng = np.random.default_rng(seed)
    C = 5
    net = MLP([6, 32, C], "tanh", c=2.0, rng=rng)
    x = rng.normal(size=(200, 6))
    y = net.predict(x)
    target = (y + rng.integers(1, C, size=200)) % C  # a different class per sample
    eps = 1.0 if norm == "l2" else 0.4
    targeted = pgd(net, x, target, eps, steps=20, norm=norm, targeted=True)
    untargeted = pgd(net, x, y, eps, steps=20, norm=norm)
    hit_t = np.mean(net.predict(targeted.x_adv) == target)
    hit_u = np.mean(net.predict(untargeted.x_adv) == target)
    assert hit_t > hit_u
    np.testing.assert_array_equal(targeted.success, net.predict(targeted.x_adv) == target)


def test_pgd_is_stronger_than_fgsm_on_a_deep_net(rng):
    net = MLP([10, 32, 32, 3], "tanh", c=2.0, rng=rng)
    x = rng.normal(size=(300, 10))
    y = net.predict(x)
    for norm, eps in [("linf", 0.1), ("l2", 0.4)]:
        one = fgsm(net, x, y, eps, norm=norm)
        many = pgd(net, x, y, eps, steps=30, norm=norm)
        assert many.success_rate >= one.success_rate and many.success_rate > 0.2


def test_float32_model_and_inputs_stay_float32(rng):
    net = MLP([5, 8, 2], rng=rng, dtype=np.float32)
    x = rng.normal(size=(6, 5)).astype(np.float32)
    y = net.predict(x)
    for res in (fgsm(net, x, y, 0.2, norm="l2"), pgd(net, x, y, 0.2, norm="l2", steps=3)):
        assert res.x_adv.dtype == np.float32 and res.delta.dtype == np.float32
        assert np.all(res.norm <= 0.2 * (1 + 1e-6))


def test_random_start_is_reproducible(rng):
    net = small_net(rng)
    x = rng.normal(size=(5, 6))
    y = net.predict(x)
    a = pgd(net, x, y, 0.3, random_start=True, rng=np.random.default_rng(7), steps=2)
    b = pgd(net, x, y, 0.3, random_start=True, rng=np.random.default_rng(7), steps=2)
    np.testing.assert_array_equal(a.x_adv, b.x_adv)


# ------------------------------------------------------------ torch as the gold standard


def torch_pgd(torch, net, x, y, eps, alpha, steps, norm, targeted):
    """PGD written directly in torch (float64) on a copy of the numpy MLP's weights."""
    F = torch.nn.functional
    Ws = [torch.tensor(lin.W) for lin in net.linears]
    bs = [torch.tensor(lin.b) for lin in net.linears]

    def f(h):
        for i, (W, b) in enumerate(zip(Ws, bs)):
            h = h @ W + b
            if i < len(Ws) - 1:
                h = torch.tanh(h)
        return h

    x0, yt = torch.tensor(x), torch.tensor(y)
    delta = torch.zeros_like(x0)
    for _ in range(steps):
        d = delta.clone().requires_grad_(True)
        z = f(x0 + d)
        if z.shape[1] == 1:
            loss = F.binary_cross_entropy_with_logits(z[:, 0], yt.double(), reduction="sum")
        else:
            loss = F.cross_entropy(z, yt, reduction="sum")
        (g,) = torch.autograd.grad(loss, d)
        u = g.sign() if norm == "linf" else g / g.norm(dim=1, keepdim=True)
        delta = delta + (-alpha if targeted else alpha) * u
        if norm == "linf":
            delta = delta.clamp(-eps, eps)
        else:
            delta = delta * torch.clamp(eps / delta.norm(dim=1, keepdim=True), max=1.0)
    return (x0 + delta).numpy()


@pytest.mark.torch
@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("C", [1, 4])
@pytest.mark.parametrize("targeted", [False, True])
def test_pgd_matches_a_torch_implementation(norm, C, targeted, rng):
    torch = pytest.importorskip("torch")
    net = MLP([7, 12, 12, C], "tanh", c=1.5, rng=rng)
    x = rng.normal(size=(9, 7))
    y = rng.integers(0, max(C, 2), 9)
    eps, alpha, steps = (0.3, 0.05, 8) if norm == "linf" else (1.0, 0.2, 8)
    ours = pgd(net, x, y, eps, alpha=alpha, steps=steps, norm=norm, targeted=targeted)
    theirs = torch_pgd(torch, net, x, y, eps, alpha, steps, norm, targeted)
    np.testing.assert_allclose(ours.x_adv, theirs, rtol=1e-12, atol=1e-12)
    one = fgsm(net, x, y, eps, norm=norm, targeted=targeted)  # FGSM = one torch step with alpha = eps
    np.testing.assert_allclose(one.x_adv, torch_pgd(torch, net, x, y, eps, eps, 1, norm, targeted), atol=1e-12)


# ------------------------------------------------------------ bad arguments


@pytest.fixture
def setup(rng):
    net = MLP([4, 6, 3], rng=rng)
    x = rng.normal(size=(5, 4))
    return net, x, net.predict(x)


@pytest.mark.parametrize("attack", [fgsm, pgd])
def test_unknown_norm(attack, setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"norm='l1' .*\['linf', 'l2'\]"):
        attack(net, x, y, 0.1, norm="l1")


@pytest.mark.parametrize("attack", [fgsm, pgd])
def test_negative_eps(attack, setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"eps=-0.1 .*>= 0"):
        attack(net, x, y, -0.1)


@pytest.mark.parametrize("alpha", [0.0, -0.5, float("nan")])
def test_non_positive_alpha(alpha, setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"alpha=.* > 0"):
        pgd(net, x, y, 0.1, alpha=alpha)


def test_zero_steps(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"steps=0 .*integer >= 1"):
        pgd(net, x, y, 0.1, steps=0)


def test_random_start_without_rng(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"random_start=True needs rng"):
        pgd(net, x, y, 0.1, random_start=True)


def test_random_start_with_a_seed_instead_of_a_generator(setup):
    net, x, y = setup
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator.*got 0"):
        pgd(net, x, y, 0.1, random_start=True, rng=0)


def test_space_on_with_linf(setup, rng):
    net, x, y = setup
    proj = SubspaceProjector(np.eye(4)[:, :2])
    with pytest.raises(ValueError, match=r"space='on' is only accepted with norm='l2'"):
        pgd(net, x, y, 0.1, norm="linf", space="on", projector=proj)


def test_space_without_projector(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"space='off' needs a projector"):
        pgd(net, x, y, 0.1, norm="l2", space="off")


def test_unknown_space(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"space='tangent' .*\['free', 'on', 'off'\]"):
        pgd(net, x, y, 0.1, norm="l2", space="tangent")


def test_projector_of_the_wrong_dimension(setup):
    net, x, y = setup
    proj = SubspaceProjector(np.eye(5)[:, :2])
    with pytest.raises(ValueError, match=r"projector=.* dimension 5; x has 4 columns"):
        pgd(net, x, y, 0.1, norm="l2", space="on", projector=proj)


@pytest.mark.parametrize("attack", [fgsm, pgd])
@pytest.mark.parametrize("bounds", [(1.0, 0.0), (0.5, 0.5)])
def test_bounds_lo_not_below_hi(attack, bounds, setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"bounds=\(.*lo < hi"):
        attack(net, x, y, 0.1, bounds=bounds)


@pytest.mark.parametrize("attack", [fgsm, pgd])
def test_bounds_not_a_pair(attack, setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"bounds=1.0 .*pair \(lo, hi\)"):
        attack(net, x, y, 0.1, bounds=1.0)


def test_inputs_outside_the_box(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"x has values in .* outside bounds=\(0.0, 1.0\)"):
        pgd(net, x, y, 0.1, bounds=(0, 1))


@pytest.mark.parametrize("attack", [fgsm, pgd])
def test_label_out_of_range(attack, setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"y contains label 3; accepted labels are 0..2"):
        attack(net, x, np.array([0, 1, 2, 3, 0]), 0.1)


def test_binary_label_out_of_range(rng):
    net = MLP([3, 1], rng=rng)
    with pytest.raises(ValueError, match=r"y contains label 2; accepted labels are 0..1"):
        fgsm(net, rng.normal(size=(2, 3)), np.array([0, 2]), 0.1)


def test_wrong_number_of_labels(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"y must have 5 labels"):
        pgd(net, x, y[:3], 0.1)


def test_unknown_loss(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"loss='hinge' is not accepted; choose one of \['ce', 'margin'\]"):
        fgsm(net, x, y, 0.1, loss="hinge")


def test_input_of_the_wrong_width(setup):
    net, x, y = setup
    with pytest.raises(ValueError, match=r"x must have shape \(any, 4\)"):
        pgd(net, x[:, :3], y, 0.1)


def test_targeted_not_a_bool(setup):
    net, x, y = setup
    with pytest.raises(TypeError, match=r"targeted='yes' .*True or False"):
        fgsm(net, x, y, 0.1, targeted="yes")


def test_model_without_input_grad(setup):
    _, x, y = setup
    with pytest.raises(TypeError, match=r"model must have a method input_grad"):
        pgd(object(), x, y, 0.1)
