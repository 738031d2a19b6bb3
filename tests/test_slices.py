"""dmm_edu.boundary.slices: exact 2-D slices of the decision function, and the slices E5 and E9 save.

Known answers: at the centre node the slice is the model's own margin at x0; a linear model's
slice is a plane, m(x0) + a·(w·u) + b·(w·v); for a linear binary model the boundary crosses the u
axis at DeepFool's on-manifold distance |f(x0)| / ‖P_T w‖. Then the saved slices of the E5 and E9
smoke runs: they pass through the attacked points, in the plane of the DeepFool perturbations,
and the boundary they show is crossed no further out than those perturbations reach.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from smoke_runs import smoke

from dmm_edu.attacks import deepfool
from dmm_edu.boundary import (
    logit_slice,
    margin_function,
    ray_crossing,
    score_function,
    slice_plane,
    slice_planes,
    slice_stack,
)
from dmm_edu.manifold import SubspaceProjector
from dmm_edu.numpy_nn import MLP


def mlp(sizes, seed=0, c=2.0):
    return MLP(sizes, c=c, rng=np.random.default_rng(seed))


def random_pair(rng, n):
    """Two random orthonormal directions (n,), (n,)."""
    Q = np.linalg.qr(rng.standard_normal((n, 2)))[0]  # (n, 2)
    return Q[:, 0], Q[:, 1]


def first_root(t, m):
    """Linear interpolation of the first sign change of m along t (both (R,)); NaN if none."""
    change = np.flatnonzero((m[:-1] > 0) != (m[1:] > 0))
    if change.size == 0:
        return np.nan
    i = change[0]
    return t[i] - m[i] * (t[i + 1] - t[i]) / (m[i + 1] - m[i])


# ---------------------------------------------------------------- known answers


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12), C=st.sampled_from([1, 2]))
def test_centre_of_the_slice_is_the_binary_score_at_x0(seed, n, C):
    rng = np.random.default_rng(seed)
    model = mlp([n, 8, C], seed=seed)
    x0 = rng.standard_normal(n)
    u, v = random_pair(rng, n)
    sl = logit_slice(model, x0, u, v, 1.0, 0.5, 5, label=1)
    assert sl.values.shape == (5, 5)
    s = score_function(model)(x0[None])[0]  # s = f (one logit) or z_1 - z_0 (two)
    assert sl.values[2, 2] == pytest.approx(s, rel=1e-12, abs=1e-12)
    assert logit_slice(model, x0, u, v, 1.0, 0.5, 5, label=0).values[2, 2] == pytest.approx(-s, rel=1e-12, abs=1e-12)


def test_multiclass_margin_is_own_logit_minus_the_best_other(rng):
    model = mlp([6, 10, 4])
    X = rng.standard_normal((50, 6))
    z = model.forward(X)  # (50, 4)
    for y in range(4):
        expected = z[:, y] - np.max(np.delete(z, y, axis=1), axis=1)
        np.testing.assert_allclose(margin_function(model, y)(X), expected, rtol=1e-12, atol=1e-12)
    # the default label is the prediction at x0: the centre is then never negative
    for x0 in X[:10]:
        u, v = random_pair(rng, 6)
        sl = logit_slice(model, x0, u, v, 0.3, 0.3, 3)
        assert sl.label == model.predict(x0[None])[0] and sl.values[1, 1] >= 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 10), R_u=st.sampled_from([3, 7, 11]),
       R_v=st.sampled_from([3, 5, 9]))
def test_a_linear_model_gives_a_plane(seed, n, R_u, R_v):
    rng = np.random.default_rng(seed)
    model = mlp([n, 2], seed=seed)  # z = x W + b: the margin m_1 = x·w + β, w = W[:, 1] − W[:, 0]
    W, b = model.linears[0].params
    w, beta = W[:, 1] - W[:, 0], b[1] - b[0]
    x0 = rng.standard_normal(n)
    u, v = random_pair(rng, n)
    e_u, e_v = rng.uniform(0.1, 3.0, size=2)
    sl = logit_slice(model, x0, u, v, e_u, e_v, (R_u, R_v), label=1)
    assert sl.values.shape == (R_v, R_u)
    np.testing.assert_allclose(sl.a, np.linspace(-e_u, e_u, R_u))
    np.testing.assert_allclose(sl.b, np.linspace(-e_v, e_v, R_v))
    plane = (x0 @ w + beta) + sl.a[None, :] * (w @ u) + sl.b[:, None] * (w @ v)  # (R_v, R_u)
    np.testing.assert_allclose(sl.values, plane, rtol=1e-10, atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_linear_boundary_crosses_the_u_axis_at_deepfools_on_manifold_distance(seed):
    rng = np.random.default_rng(seed)
    n, k = 8, 3
    projector = SubspaceProjector(np.linalg.qr(rng.standard_normal((n, k)))[0])
    model = mlp([n, 2], seed=seed)
    x0 = projector.tangent(rng.standard_normal(n))  # a point on the (flat) manifold
    y = model.predict(x0[None])
    W = model.linears[0].params[0]
    w = W[:, 1] - W[:, 0]
    on = deepfool(model, x0[None], y, space="on", projector=projector, overshoot=0.0)
    off = deepfool(model, x0[None], y, space="off", projector=projector, overshoot=0.0)
    assert on.success[0] and off.success[0]
    u, v = slice_plane(on.delta[0], off.delta[0])
    d_on, d_off = on.norm[0], off.norm[0]
    # DeepFool's one step: (|f| + 1e-4) / ‖P_T w‖, so the exact crossing is at most 1e-4 / ‖P_T w‖ short of it
    slack = 1e-4 / np.linalg.norm(projector.tangent(w)) + 1e-8  # + ray_crossing's bisection tolerance
    sl = logit_slice(model, x0, u, v, 1.5 * d_on, 1.5 * d_off, 301, label=int(y[0]))
    c = len(sl.b) // 2
    root_u = first_root(sl.a[len(sl.a) // 2:], sl.values[c, len(sl.a) // 2:])  # along +u from x0
    assert d_on - slack <= root_u <= d_on + 1e-9  # a plane: interpolation along the grid is exact
    assert d_on - slack <= ray_crossing(model, x0, u, 1.5 * d_on) <= d_on + 1e-8
    assert d_off - 1e-4 / np.linalg.norm(projector.normal(w)) - 1e-8 <= ray_crossing(model, x0, v, 1.5 * d_off) \
        <= d_off + 1e-8


def test_ray_crossing_is_nan_when_the_ray_stays_on_one_side(rng):
    model = mlp([4, 2])
    W = model.linears[0].params[0]
    w = W[:, 1] - W[:, 0]
    x0 = rng.standard_normal(4)
    y = int(model.predict(x0[None])[0])
    away = w if y == 1 else -w  # moving along ±w only makes the margin of y larger
    assert np.isnan(ray_crossing(model, x0, away, 10.0, y))
    assert ray_crossing(model, x0, -away, 1e3, y) > 0


# ---------------------------------------------------------------- the plane


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 20), tilt=st.floats(-0.9, 0.9))
def test_slice_plane_is_orthonormal_and_keeps_the_on_direction(seed, n, tilt):
    rng = np.random.default_rng(seed)
    p, q = random_pair(rng, n)
    d_on = 0.3 * p
    d_off = 2.0 * (tilt * p + np.sqrt(1 - tilt ** 2) * q)
    u, v = slice_plane(d_on, d_off)
    np.testing.assert_allclose([u @ u, v @ v, u @ v], [1.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(u, p, atol=1e-12)  # u = d_on / ‖d_on‖
    np.testing.assert_allclose(v, q, atol=1e-9)  # v: the part of d_off orthogonal to u
    assert np.linalg.matrix_rank(np.stack([u, v, d_off])) == 2  # the same plane


def test_exact_tangent_and_normal_perturbations_are_already_orthogonal(rng):
    n, k = 30, 4
    projector = SubspaceProjector(np.linalg.qr(rng.standard_normal((n, k)))[0])
    model = mlp([n, 16, 4], c=2.5)
    x = projector.tangent(rng.standard_normal((5, n)))
    y = model.predict(x)
    on = deepfool(model, x, y, space="on", projector=projector)
    off = deepfool(model, x, y, space="off", projector=projector)
    for a, b in zip(on.delta[on.success & off.success], off.delta[on.success & off.success]):
        assert abs(a @ b) <= 1e-10 * np.linalg.norm(a) * np.linalg.norm(b)
        u, v = slice_plane(a, b)
        np.testing.assert_allclose(v, b / np.linalg.norm(b), atol=1e-10)  # Gram-Schmidt changes nothing


def test_slice_stack_is_a_stack_of_logit_slices(rng):
    model = mlp([5, 8, 3])
    x = rng.standard_normal((3, 5))
    pairs = [random_pair(rng, 5) for _ in range(3)]
    u, v = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    extent = np.array([0.5, 1.0, 2.0])
    values, axis = slice_stack(model, x, u, v, extent, 7, labels=[0, 1, 2])
    assert values.shape == (3, 7, 7) and axis.shape == (3, 7)
    for s in range(3):
        sl = logit_slice(model, x[s], u[s], v[s], extent[s], extent[s], 7, label=s)
        np.testing.assert_array_equal(values[s], sl.values)
        np.testing.assert_array_equal(axis[s], sl.a)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, match", [
    ({"x0": np.zeros(3)}, "x0"),
    ({"x0": np.zeros((1, 4))}, "x0"),
    ({"u": np.zeros(4)}, "u is the zero vector"),
    ({"u": np.ones(3)}, "u must have shape"),
    ({"v": np.zeros(4)}, "v is the zero vector"),
    ({"v": np.array([2.0, 0, 0, 0])}, "parallel"),
    ({"v": np.array([np.nan, 0, 1, 0])}, "v contains NaN"),
    ({"extent_u": 0.0}, "extent_u"),
    ({"extent_v": -1.0}, "extent_v"),
    ({"resolution": 4}, "resolution"),
    ({"resolution": 1}, "resolution"),
    ({"resolution": (5, 6)}, "resolution"),
    ({"label": 7}, "label=7"),
])
def test_bad_input_raises_a_value_error_naming_the_argument(kwargs, match):
    model = mlp([4, 6, 3])
    args = {"x0": np.zeros(4), "u": np.array([1.0, 0, 0, 0]), "v": np.array([0, 1.0, 0, 0]), "extent_u": 1.0,
            "extent_v": 1.0, "resolution": 5, "label": None, **kwargs}
    with pytest.raises(ValueError, match=match):
        logit_slice(model, **args)


def test_bad_plane_and_model_are_refused():
    with pytest.raises(ValueError, match="d_on is the zero vector"):
        slice_plane(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="parallel"):
        slice_plane(np.ones(3), -2 * np.ones(3))
    with pytest.raises(ValueError, match="d_off must have shape"):
        slice_plane(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="model"):
        logit_slice(object(), np.zeros(2), [1, 0], [0, 1], 1.0, 1.0)
    with pytest.raises(ValueError, match="t_max"):
        ray_crossing(mlp([2, 2]), np.zeros(2), [1.0, 0.0], 0.0)


def test_slice_planes_is_slice_plane_row_by_row(rng):
    d_on, d_off = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    u, v = slice_planes(d_on, d_off)
    for s in range(4):
        u_s, v_s = slice_plane(d_on[s], d_off[s])
        np.testing.assert_array_equal(u[s], u_s)
        np.testing.assert_array_equal(v[s], v_s)
    assert slice_planes(np.zeros((0, 6)), np.zeros((0, 6)))[0].shape == (0, 6)  # no point to slice: no plane
    with pytest.raises(ValueError, match="shape"):
        slice_planes(d_on, d_off[:3])


def test_slice_stack_refuses_a_non_positive_extent_and_non_integer_labels(rng):
    model = mlp([3, 4, 2])
    x = rng.standard_normal((2, 3))
    u, v = np.tile([1.0, 0, 0], (2, 1)), np.tile([0, 1.0, 0], (2, 1))
    with pytest.raises(ValueError, match="extent must be > 0"):
        slice_stack(model, x, u, v, np.array([1.0, 0.0]), 5)
    with pytest.raises(ValueError, match="labels must be integer"):
        slice_stack(model, x, u, v, np.ones(2), 5, labels=np.array([0.0, 1.7]))


# ---------------------------------------------------------------- what E5 and E9 save


@pytest.fixture(scope="module")
def e5():
    return smoke("E5")


@pytest.fixture(scope="module")
def e9():
    return smoke("E9")


def test_e5_slices_pass_through_the_attacked_points_in_the_plane_of_their_perturbations(e5):
    S, R = e5.config["slice_points"], e5.config["slice_resolution"]
    for c in e5.config["init_scales"]:
        tag = f"c{c:g}"
        get = {k: e5.arrays[f"slice_{k}_{tag}"] for k in ("logit", "axis_u", "axis_v", "d_on", "d_off", "d_free",
                                                         "cross_u", "cross_v", "cos", "label", "index")}
        assert get["logit"].shape == (S, R, R) and get["logit"].dtype == np.float32
        idx = get["index"]
        assert e5.arrays[f"measured_{tag}"][idx].all()  # only points where all three attacks succeeded
        for d in ("d_on", "d_off", "d_free"):  # the same attacks as the measured ones
            np.testing.assert_allclose(get[d], e5.arrays[f"{d}_{tag}"][idx], rtol=1e-6)
        assert np.all(get["logit"][:, R // 2, R // 2] > 0)  # the centre is the point, on its own class's side
        assert np.all(np.abs(get["cos"]) < 1e-8)  # guards the construction: the exact split gives δ_on ⊥ δ_off
        # DeepFool's perturbation lands across the boundary, so the ray crosses it no later than that
        assert np.all(get["cross_u"] <= get["d_on"] * (1 + 1e-9))
        assert np.all(get["cross_v"] <= get["d_off"] * (1 + 1e-9))
        assert np.all(get["axis_u"][:, -1] >= np.maximum(get["d_on"], get["d_off"]))  # guards the extent: both arrows fit


def test_e9_slices_share_the_plane_and_the_standard_network_reaches_its_boundary(e9):
    S, R = e9.config["slice_points"], e9.config["slice_resolution"]
    arr = e9.arrays
    idx = arr["slice_index"]
    assert arr["measured"][idx].all()
    for m in ("standard", "adversarial"):
        assert arr[f"slice_logit_{m}"].shape == (S, R, R)
        assert np.all(arr[f"slice_logit_{m}"][:, R // 2, R // 2] > 0)  # both classify the point correctly
        for d in ("d_on", "d_off"):
            np.testing.assert_allclose(arr[f"slice_{d}_{m}"], arr[f"{d}_{m}"][idx], rtol=1e-5)
    # the plane is the standard network's: its on/off perturbations reach its boundary along +u / +v
    assert np.all(arr["slice_cross_u_standard"] <= arr["slice_d_on_standard"] * (1 + 1e-9))
    assert np.all(arr["slice_cross_v_standard"] <= arr["slice_d_off_standard"] * (1 + 1e-9))
    np.testing.assert_array_equal(arr["slice_axis_u"], arr["slice_axis_v"])
    edge = arr["slice_axis_u"][:, -1]  # every finite arrow of both panels fits in the slice
    for key in ("slice_cross_u_standard", "slice_cross_v_standard", "slice_cross_u_adversarial",
                "slice_cross_v_adversarial"):
        finite = np.isfinite(arr[key])
        assert np.all(arr[key][finite] <= edge[finite])
