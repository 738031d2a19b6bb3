"""dmm_edu.boundary.distances and dmm_edu.manifold.frames: the one measurement and the one projector.

Known answers: for a linear classifier with logit difference f(x) = w·x + b, the minimal L2 distance to
the boundary inside a subspace S is |f(x)| / ‖P_S w‖, so d_free, d_on and d_off are |f|/‖w‖,
|f|/‖P_T w‖ and |f|/‖P_N w‖; DeepFool reaches each in one step. The numpy and the torch track give
the same numbers under the same names. The random baselines are checked against random boundaries.
"""

import math

import numpy as np
import pytest

from dmm_edu.boundary.distances import Distances, distances_from, gradient_on_fraction, minimal_distances
from dmm_edu.manifold import (
    Frames,
    LocalPCAProjector,
    SubspaceProjector,
    baselines,
    frames_at,
    on_fraction,
    random_d_off_over_d_free,
    random_d_off_over_d_on,
    random_d_on_over_d_free,
    random_frame,
)
from dmm_edu.numpy_nn import MLP

VOCABULARY = {"d_free", "d_on", "d_off", "d_on_over_d_free", "d_off_over_d_free", "d_off_over_d_on",
              "d_on_over_d_free_pointwise", "d_off_over_d_free_pointwise", "d_free_mean", "free_within_5pct_of_best",
              "on_delta", "on_grad", "rho_median", "rho_mean", "success_free", "success_on", "success_off",
              "n_attacked", "n_measured", "n", "k", "baseline_on", "baseline_d_on_over_d_free",
              "baseline_d_off_over_d_free", "baseline_d_off_over_d_on"}


def linear_world(seed=0, n=12, k=3, m=20):
    """A 2-class linear numpy network (one Linear layer), a random k-dim tangent U (n, k), points x (m, n)."""
    rng = np.random.default_rng(seed)
    net = MLP([n, 2], c=1.0, rng=rng)
    U = np.linalg.qr(rng.standard_normal((n, k)))[0]  # (n, k)
    x = rng.standard_normal((m, n))
    W, b = net.linears[0].W, net.linears[0].b  # (n, 2), (2,)
    w = W[:, 1] - W[:, 0]  # (n,) ∇ of the logit difference f = z_1 - z_0
    f = x @ w + (b[1] - b[0])  # (m,)
    return net, U, x, w, f


def expected(U, w, f, push=1e-4):
    """|f| / ‖P_S w‖ for S = R^n, T, N; DeepFool's one step adds `push` to |f| so the point crosses."""
    P_T_w = U @ (U.T @ w)  # (n,)
    return {"free": (np.abs(f) + push) / np.linalg.norm(w), "on": (np.abs(f) + push) / np.linalg.norm(P_T_w),
            "off": (np.abs(f) + push) / np.linalg.norm(w - P_T_w)}


# ---------------------------------------------------------------- known answers, numpy track
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_classifier_distances_are_the_closed_form(seed):
    net, U, x, w, f = linear_world(seed)
    y = net.predict(x)
    dist = minimal_distances(net, x, y, SubspaceProjector(U), overshoot=0.0, gradient=True)
    want = expected(U, w, f)
    assert dist.measured.all()
    for s in ("free", "on", "off"):
        np.testing.assert_allclose(dist.norm[s], want[s], rtol=1e-9)  # one step of (|f| + 1e-4)/‖w‖² w
        assert not np.allclose(dist.norm[s], expected(U, w, f, push=0)[s], rtol=1e-9)  # the known answer is sharp
    on_w = np.linalg.norm(U.T @ w) / np.linalg.norm(w)
    np.testing.assert_allclose(dist.on_delta, on_w, rtol=1e-6)  # δ_free ∥ w
    np.testing.assert_allclose(dist.on_grad, on_w, rtol=1e-6)  # ∇ₓℓ ∥ w for a linear 2-class net
    m = dist.summary()
    assert set(m) == VOCABULARY
    assert m["d_free"] == pytest.approx(np.median(want["free"]), rel=1e-9)
    assert m["d_on_over_d_free"] == pytest.approx(np.median(want["on"]) / np.median(want["free"]), rel=1e-9)
    assert m["d_on_over_d_free_pointwise"] == pytest.approx(1 / on_w, rel=1e-3)  # the same at every point
    assert m["n_measured"] == m["n_attacked"] == len(x)
    assert {key: m[key] for key in baselines(12, 3)} == baselines(12, 3)


def test_reusing_a_free_attack_gives_the_same_measurement():
    from dmm_edu.attacks import deepfool

    net, U, x, _, _ = linear_world(3)
    y = net.predict(x)
    once = minimal_distances(net, x, y, SubspaceProjector(U))
    reused = minimal_distances(net, x, y, SubspaceProjector(U), free=deepfool(net, x, y))
    for s in ("free", "on", "off"):
        np.testing.assert_array_equal(once.norm[s], reused.norm[s])


def test_medians_skip_points_where_an_attack_failed():
    M = 5
    norm = {"free": np.array([1.0, 1, 1, 1, 100]), "on": np.full(M, 2.0), "off": np.full(M, 1.0)}
    success = {"free": np.ones(M, bool), "on": np.ones(M, bool), "off": np.array([1, 1, 1, 1, 0], bool)}
    dist = Distances(norm=norm, success=success, delta={s: np.ones((M, 4)) for s in norm},
                     on_delta=np.array([0.1, 0.2, 0.3, np.nan, 0.9]), on_grad=np.full(M, np.nan),
                     x_norm=np.full(M, 10.0), n=4, k=1)
    m = dist.summary()
    assert m["n_measured"] == 4 and m["n_attacked"] == 5
    assert m["d_free_mean"] == 1.0  # the failed point's 100 is left out (a negative control: with it, 20.8)
    assert m["on_delta"] == pytest.approx(0.2)  # NaN (δ = 0) and the unmeasured 0.9 left out
    assert math.isnan(m["on_grad"])  # no finite gradient fraction: NaN, not 0
    assert m["success_off"] == pytest.approx(0.8)
    assert m["rho_median"] == pytest.approx(0.1)
    assert dist.summary(where=np.array([1, 1, 0, 0, 0], bool))["n_measured"] == 2


def test_distances_from_needs_all_three_spaces():
    net, U, x, _, _ = linear_world()
    from dmm_edu.attacks import deepfool

    with pytest.raises(ValueError, match=r"missing \['on', 'off'\]"):
        distances_from({"free": deepfool(net, x)}, SubspaceProjector(U), x)


# ---------------------------------------------------------------- the torch track says the same
def test_numpy_and_torch_tracks_measure_the_same_linear_boundary():
    torch = pytest.importorskip("torch")
    net, U, x, w, f = linear_world(4)
    lin = torch.nn.Linear(12, 2).double()
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(net.linears[0].W.T.copy()))
        lin.bias.copy_(torch.from_numpy(net.linears[0].b.copy()))
    xt = torch.from_numpy(x)
    yt = lin(xt).argmax(1)
    for projector in (SubspaceProjector(U), Frames(torch.from_numpy(U))):
        d_t = minimal_distances(lin, xt, yt, projector, overshoot=0.0, gradient=True)
        d_n = minimal_distances(net, x, net.predict(x), SubspaceProjector(U), overshoot=0.0, gradient=True)
        for s in ("free", "on", "off"):
            np.testing.assert_allclose(d_t.norm[s], d_n.norm[s], rtol=1e-6)
        np.testing.assert_allclose(d_t.on_grad, d_n.on_grad, rtol=1e-6)
        assert set(d_t.summary()) == set(d_n.summary()) == VOCABULARY


def test_gradient_on_fraction_is_nan_where_the_gradient_vanishes():
    net, U, x, _, _ = linear_world(5)
    net.linears[0].W[...] = 0.0  # a constant network: ∇ₓℓ = 0 everywhere
    on = gradient_on_fraction(net, x, net.predict(x), SubspaceProjector(U))
    assert np.isnan(on).all()


# ---------------------------------------------------------------- frames and on(d)
def test_frames_project_numpy_and_torch_alike():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((6, 2)))[0]
    per_point = np.stack([U, np.eye(6)[:, :2], U])  # (3, 6, 2)
    d = rng.standard_normal((3, 6))
    for bases in (U, per_point):
        F = Frames(bases)
        t_np = F.tangent(d)
        t_th = F.tangent(torch.from_numpy(d))
        np.testing.assert_allclose(t_th.numpy(), t_np, atol=1e-14)
        np.testing.assert_allclose(F.tangent(t_np), t_np, atol=1e-12)  # P_T P_T = P_T
        np.testing.assert_allclose(F.tangent(d) + F.normal(d), d, atol=1e-14)  # P_T + P_N = I
        assert F.project(d, "free") is d
    np.testing.assert_allclose(Frames(per_point).rows([1]).tangent(d[1:2]), [np.r_[d[1, :2], 0, 0, 0, 0]], atol=1e-14)
    with pytest.raises(ValueError, match="computed at 3 points; d has 2 rows"):
        Frames(per_point).tangent(d[:2])
    with pytest.raises(ValueError, match="orthonormal columns"):
        Frames(2 * U)
    with pytest.raises(ValueError, match=r"space='sideways' is not accepted"):
        Frames(U).project(d, "sideways")


def test_frames_at_evaluates_a_pointwise_projector_once_at_the_points():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 5))
    local = LocalPCAProjector(X, 2, 8)
    x = X[:4]
    F = frames_at(local, x)
    np.testing.assert_array_equal(F.basis(), local.basis(x))
    assert frames_at(F, x) is F
    with pytest.raises(ValueError, match="works in dimension 5; x has 3 features"):
        frames_at(local, x[:, :3])
    with pytest.raises(TypeError, match="projector must be a dmm_edu.manifold Projector"):
        frames_at(np.eye(5), x)


def test_on_of_a_zero_vector_is_nan_on_both_tracks():
    torch = pytest.importorskip("torch")
    U = np.eye(4)[:, :1]
    d = np.array([[1.0, 1, 0, 0], [0, 0, 0, 0]])
    for proj in (SubspaceProjector(U), Frames(U)):
        on = on_fraction(d, proj)
        assert on[0] == pytest.approx(1 / math.sqrt(2)) and np.isnan(on[1])
        on_t = on_fraction(torch.from_numpy(d), proj)
        np.testing.assert_array_equal(np.isnan(on_t), [False, True])


# ---------------------------------------------------------------- the random baselines
def test_baselines_match_randomly_oriented_linear_boundaries():
    """For w ~ N(0, I_n) and a fixed k-dim T: d_on/d_free = ‖w‖/‖P_T w‖, d_off/d_free = ‖w‖/‖P_N w‖,
    d_off/d_on = ‖P_T w‖/‖P_N w‖. Their medians over many random w sit at the formulas (within 5 %: the
    spread of ‖P_T w‖² ~ χ²_k shrinks like 1/√k, and k = 40 here)."""
    n, k = 400, 40
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4000, n))
    T = np.linalg.norm(w[:, :k], axis=1)  # ‖P_T w‖ for T = the first k coordinates
    N = np.linalg.norm(w[:, k:], axis=1)  # ‖P_N w‖
    W = np.linalg.norm(w, axis=1)
    assert np.median(W / T) == pytest.approx(random_d_on_over_d_free(n, k), rel=0.05)
    assert np.median(W / N) == pytest.approx(random_d_off_over_d_free(n, k), rel=0.05)
    assert np.median(T / N) == pytest.approx(random_d_off_over_d_on(n, k), rel=0.05)
    assert random_d_off_over_d_on(n, k) != pytest.approx(math.sqrt(k / n), rel=0.05)  # not the on-baseline


@pytest.mark.parametrize("fn", [random_d_off_over_d_free, random_d_off_over_d_on])
def test_normal_space_baselines_need_a_proper_subspace(fn):
    with pytest.raises(ValueError, match=r"k=5 is not accepted; expected 1 <= k < n = 5"):
        fn(5, 5)


def test_random_frame_is_seeded_and_orthonormal():
    a = random_frame(30, 4, np.random.default_rng(0)).basis()
    np.testing.assert_allclose(a.T @ a, np.eye(4), atol=1e-12)
    np.testing.assert_array_equal(a, random_frame(30, 4, np.random.default_rng(0)).basis())
    with pytest.raises(ValueError, match="k=31 is not accepted"):
        random_frame(30, 31, np.random.default_rng(0))


def test_a_numpy_model_with_a_pointwise_tangent_is_measured_at_its_own_points():
    """Local PCA on the numpy track: the restricted attacks evaluate the tangent at the rows they move,
    and every δ_on they return lies in the tangent space at its own point."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 6))
    local = LocalPCAProjector(X, 2, 10)
    net = MLP([6, 16, 3], c=1.5, rng=rng)
    x = X[:8]
    dist = minimal_distances(net, x, net.predict(x), local)
    U = local.basis(x)  # (8, 6, 2)
    on = dist.delta["on"]  # (8, 6)
    residual = on - np.einsum("bnk,bk->bn", U, np.einsum("bnk,bn->bk", U, on))  # δ_on - P_T δ_on, per point
    assert np.abs(residual).max() < 1e-9 * max(1.0, np.abs(on).max())
    assert dist.measured.any()


def test_a_torch_gradient_is_taken_in_eval_mode_and_for_one_logit():
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 5, generator=g, dtype=torch.float64)
    U = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 2)))[0]
    drop = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3)).double().train()
    y = drop.eval()(x).argmax(1)
    drop.train()
    a, b = (gradient_on_fraction(drop, x, y, SubspaceProjector(U)) for _ in range(2))
    np.testing.assert_array_equal(a, b)  # Dropout off while measuring, whatever mode the model is in
    assert drop.training  # and the mode is given back
    one = torch.nn.Linear(5, 1).double()
    on = gradient_on_fraction(one, x, (one(x)[:, 0] > 0).long(), SubspaceProjector(U))
    w = one.weight.detach().numpy()[0]
    np.testing.assert_allclose(on, np.linalg.norm(U.T @ w) / np.linalg.norm(w), rtol=1e-9)  # ∇ₓℓ ∥ w
