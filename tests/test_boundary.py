"""Tests for dmm_edu.boundary: crossings, height field, margins, cling and the boundary angle.

Known answers: a linear score s(x) = w·x + b (closed forms for every measure) and the analytic
2-D boundary s(x, y) = y - 0.5 - a sin(2π x / p) (a sheet of height a sin(2π x / p) over the line
y = 0.5); then a real numpy MLP, where roots must be roots and 1-logit = 2-logit.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.boundary import (
    FlatManifold,
    alternation,
    angle_to_manifold,
    boundary_manifold_angles,
    cling,
    crossings_along_lines,
    flat_manifold,
    height_field,
    height_surface,
    in_manifold_margin,
    manifold_grid,
    nearest_crossing,
    nearest_other_label_distance,
    normal_margin,
    score_function,
    score_gradient,
)
from dmm_edu.data.toys import chessboard, line_toy
from dmm_edu.manifold import SubspaceProjector
from dmm_edu.numpy_nn import MLP

TOL = 1e-10


def linear(w, b):
    w = np.asarray(w, dtype=float)
    return (lambda X: X @ w + b), (lambda X: np.broadcast_to(w, X.shape).copy())


def sine(a, p):
    """s(x, y) = y - 0.5 - a sin(2π x / p) and its gradient."""
    def s(X):
        return X[:, 1] - 0.5 - a * np.sin(2 * np.pi * X[:, 0] / p)

    def g(X):
        return np.stack([-a * 2 * np.pi / p * np.cos(2 * np.pi * X[:, 0] / p), np.ones(len(X))], axis=1)

    return s, g


# ---------------------------------------------------------------- linear classifier: closed forms
@pytest.mark.parametrize("n", [2, 3])
def test_linear_crossing_is_exact(n, rng):
    w, b = rng.standard_normal(n), 0.3
    s, _ = linear(w, b)
    x0, u = rng.standard_normal((50, n)), rng.standard_normal((50, n))
    c = crossings_along_lines(s, x0, u, -2.0, 2.0, tol=TOL)
    s_star = -(x0 @ w + b) / (u @ w)  # (N,): the closed form -(w·x0 + b) / (w·u)
    inside = np.abs(s_star) <= 2.0
    assert np.array_equal(c.count, inside.astype(int)) and inside.sum() > 10
    assert np.allclose(c.s[inside, 0], s_star[inside], atol=TOL)
    near = nearest_crossing(s, x0, u, -2.0, 2.0, tol=TOL)
    assert np.allclose(near[inside], s_star[inside], atol=TOL) and np.all(np.isnan(near[~inside]))


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 6), seed=st.integers(0, 2**31))
def test_linear_crossing_property(n, seed):
    rng = np.random.default_rng(seed)
    w, x0, u = rng.standard_normal(n), rng.standard_normal((5, n)), rng.standard_normal(n)
    s, _ = linear(w, 0.0)
    c = crossings_along_lines(s, x0, u, -50.0, 50.0, n_grid=33, tol=1e-9)
    s_star = -(x0 @ w) / (u @ w)
    inside = np.abs(s_star) <= 50.0
    assert np.array_equal(c.count, inside.astype(int)) and c.s.shape == (5, int(inside.any()))
    assert np.allclose(c.s[inside, 0] if inside.any() else [], s_star[inside], atol=1e-9)


def test_linear_height_field_on_chessboard_plane():
    w, b = np.array([0.4, -0.7, 1.5]), -0.9
    s, _ = linear(w, b)
    M = flat_manifold(chessboard(4))
    assert np.allclose(M.normal, [0, 0, 1]) and np.allclose(M.origin, [0, 0, 0.5])
    grid = manifold_grid(chessboard(4), 0.0, 1.0, 11)  # (121, 3)
    assert grid.shape == (121, 3) and np.all(grid[:, 2] == 0.5)
    h = height_field(s, grid, M.normal, s_max=0.5, tol=TOL)
    h_star = -(grid @ w + b) / w[2]  # the point p + h ν with w·(p + h ν) + b = 0
    inside = np.abs(h_star) <= 0.5
    assert 0 < inside.sum() < len(grid)
    assert np.allclose(h[inside], h_star[inside], atol=TOL) and np.all(np.isnan(h[~inside]))
    # cling = mean |h|, missing ones counted as the cap
    c = cling(h, cap=0.5)
    assert np.isclose(c.value, np.mean(np.minimum(np.abs(h_star), 0.5)), atol=TOL)
    assert np.isclose(c.fraction_missing, 1 - inside.mean())
    # surface: the same numbers on a (res, res) grid, t[..., 0] = x slowest
    surf = height_surface(s, chessboard(4), 0.0, 1.0, 11, s_max=0.5, tol=TOL)
    assert surf.h.shape == (11, 11) and surf.t.shape == (11, 11, 2) and surf.points.shape == (11, 11, 3)
    assert np.array_equal(np.isnan(surf.h.ravel()), np.isnan(h))
    assert np.allclose(surf.h.ravel()[inside], h_star[inside], atol=TOL)
    assert np.allclose(surf.t[3, 7], [0.3, 0.7])


def test_linear_height_on_line_toy_and_tilted_manifold(rng):
    w, b = np.array([2.0, 1.0]), -1.2
    s, _ = linear(w, b)
    grid = manifold_grid(line_toy(), 0.0, 1.0, 21)
    assert np.allclose(grid[:, 1], 0.5) and np.allclose(grid[:, 0], np.linspace(0, 1, 21))
    h = height_field(s, grid, [0.0, 1.0], s_max=5.0, tol=TOL)
    assert np.allclose(h, -(grid @ w + b) / w[1], atol=TOL)
    # a tilted plane in 3-D given as (origin, U): h = -(w·p + b) / (w·ν)
    U = np.linalg.qr(rng.standard_normal((3, 2)))[0]
    M = FlatManifold(np.array([0.1, 0.2, 0.3]), U)
    w3 = rng.standard_normal(3)
    s3, _ = linear(w3, 0.1)
    grid3 = manifold_grid(M, -0.5, 0.5, 7)
    h3 = height_field(s3, grid3, M.normal, s_max=1e3, tol=1e-9)
    assert np.allclose(h3, -(grid3 @ w3 + 0.1) / (w3 @ M.normal), atol=1e-8)


def test_linear_margins(rng):
    w, b = np.array([0.8, -0.5, 1.2]), -0.31  # no board point exactly on the boundary
    s, _ = linear(w, b)
    world = chessboard(5)
    x, y = world.x, world.y
    nu = np.array([0.0, 0.0, 1.0])
    m = normal_margin(s, x, y, nu, s_max=10.0, tol=TOL)
    sign = np.where(np.sign(x @ w + b) == 2 * y - 1, 1.0, -1.0)  # + on the correct side
    assert np.all(m.found) and m.n_capped == 0
    assert np.allclose(m.value, sign * np.abs(x @ w + b) / abs(w @ nu), atol=TOL)
    assert 0 < np.sum(sign > 0) < len(y)
    small = normal_margin(s, x, y, nu, s_max=0.05, tol=TOL)  # cap: ±s_max where nothing within reach
    far = np.abs(x @ w + b) / abs(w[2]) > 0.05
    assert np.array_equal(small.found, ~far) and np.allclose(small.value[far], 0.05 * sign[far])
    # in the plane: d = |w·x + b| / ‖P_T w‖; J directions overestimate by at most 1 / cos(π / J)
    U = world.projector.U
    d_true = np.abs(x @ w + b) / np.linalg.norm(w[:2])
    mi = in_manifold_margin(s, x, y, U, n_directions=36, s_max=10.0, tol=TOL)
    assert np.all(mi.found) and np.all(np.sign(mi.value) == sign)
    assert np.all(np.abs(mi.value) >= d_true - 1e-9)
    assert np.all(np.abs(mi.value) <= d_true / np.cos(np.pi / 36) + 1e-9)
    # exact when P_T w lies along one of the directions (θ = 0: U_0 = x axis)
    s_x, _ = linear([0.8, 0.0, 1.2], -0.3)
    mx = in_manifold_margin(s_x, x, y, U, n_directions=8, s_max=10.0, tol=TOL)
    assert np.allclose(np.abs(mx.value), np.abs(x @ [0.8, 0, 1.2] - 0.3) / 0.8, atol=TOL)


def test_linear_in_manifold_margin_k1():
    world = line_toy()
    s, _ = linear([1.5, -0.7], 0.1)
    m = in_manifold_margin(s, world.x, world.y, world.projector.U, s_max=5.0, tol=TOL)
    assert np.allclose(np.abs(m.value), np.abs(world.x @ [1.5, -0.7] + 0.1) / 1.5, atol=TOL)


def test_linear_angle(rng):
    P = SubspaceProjector([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # the chessboard plane's tangent
    w = rng.standard_normal((20, 3))
    theta = angle_to_manifold(w, P)
    assert np.allclose(theta, np.degrees(np.arctan(np.linalg.norm(w[:, :2], axis=1) / np.abs(w[:, 2]))))
    assert np.allclose(angle_to_manifold([[0, 0, 2.0], [1.0, -1.0, 0]], P), [0.0, 90.0])  # cling / cut
    assert np.isnan(angle_to_manifold([0.0, 0.0, 0.0], P))
    # where the plane s = 0 meets the chessboard plane: a line, all at the same angle
    wl = np.array([1.0, 2.0, 0.5])
    s, g = linear(wl, -1.5)
    res = boundary_manifold_angles(s, g, chessboard(4), 0.0, 1.0, 21, tol=TOL)
    assert len(res.angle) > 10
    assert np.allclose(res.points @ wl - 1.5, 0, atol=1e-8) and np.allclose(res.points[:, 2], 0.5)
    assert np.allclose(res.angle, np.degrees(np.arctan(np.sqrt(5) / 0.5)))


# ---------------------------------------------------------------- analytic wavy boundary
A, PERIOD = 0.1, 0.4


def test_sine_all_crossings_found():
    s, _ = sine(A, PERIOD)
    # along y = 0.55: a sin(2π x / p) = 0.05 at x = p/12 + kp and 5p/12 + kp
    c = crossings_along_lines(s, [[0.0, 0.55], [0.0, 0.5]], [1.0, 0.0], 0.0, 1.0, n_grid=201, tol=TOL)
    k = np.arange(3)
    want = np.sort(np.concatenate([PERIOD / 12 + k * PERIOD, 5 * PERIOD / 12 + k * PERIOD]))
    want = want[want <= 1.0]
    assert c.count[0] == len(want) == 6
    assert np.allclose(c.as_list()[0], want, atol=TOL)
    # along y = 0.5: the zeros k p / 2 inside (0, 1), not the one at the grid end s = 0
    assert np.allclose(c.as_list()[1], [0.2, 0.4, 0.6, 0.8, 1.0][: c.count[1]], atol=TOL)
    assert np.all(np.isnan(c.s[1, c.count[1]:]))


def test_sine_height_cling_and_angle():
    s, g = sine(A, PERIOD)
    grid = manifold_grid(line_toy(), 0.0, 1.2, 601)  # three full periods
    h = height_field(s, grid, [0.0, 1.0], s_max=0.5, tol=TOL)
    h_star = A * np.sin(2 * np.pi * grid[:, 0] / PERIOD)
    assert np.allclose(h, h_star, atol=TOL)
    c = cling(h, cap=0.5)
    assert np.isclose(c.value, np.mean(np.abs(h_star)), atol=TOL) and c.fraction_missing == 0
    # mean |a sin| over whole periods = 2a/π; the grid's extra end point (a zero) costs 1/601
    assert np.isclose(c.value * 601 / 600, 2 * A / np.pi, rtol=1e-4)
    # the boundary meets y = 0.5 at x = k p / 2 with slope ±2π a / p
    res = boundary_manifold_angles(s, g, line_toy(), 0.01, 1.19, n_grid=301, tol=TOL)
    assert np.allclose(res.t[:, 0], np.arange(1, 6) * PERIOD / 2, atol=TOL)
    assert np.allclose(res.angle, np.degrees(np.arctan(2 * np.pi * A / PERIOD)), atol=1e-6)


def test_dimples_around_the_line_toy():
    """A boundary h(x) = a cos(2π (x - 0.05) / 0.5) dips below every class-1 point, rises above class 0."""
    world = line_toy()
    a = 0.1

    def s(X):  # s > 0 (class 1) above the sheet
        return X[:, 1] - 0.5 - a * np.cos(2 * np.pi * (X[:, 0] - 0.05) / 0.5)

    nu = flat_manifold(world).normal
    assert alternation(s, world.x, world.y, nu, s_max=0.5) == 1.0
    assert alternation(s, world.x, world.y, nu, s_max=0.05) == 0.0  # out of reach
    assert alternation(lambda X: -s(X), world.x, world.y, nu, s_max=0.5) == 0.0  # bumps the wrong way
    m = normal_margin(s, world.x, world.y, nu, s_max=0.5, tol=TOL)
    assert np.allclose(m.value, a, atol=TOL)
    mi = in_manifold_margin(s, world.x, world.y, world.projector.U, s_max=0.5, tol=TOL)
    assert np.allclose(mi.value, 0.125, atol=TOL)  # a quarter period to the zero of the cosine


def test_nearest_other_label_distance():
    assert np.allclose(nearest_other_label_distance(chessboard(5).x, chessboard(5).y), 0.25)
    assert np.allclose(nearest_other_label_distance(line_toy().x, line_toy().y), 0.25)
    d = nearest_other_label_distance([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]], np.array([0, 1, 0]))
    assert np.allclose(d, [5.0, np.sqrt(18), np.sqrt(18)])
    assert np.all(np.isinf(nearest_other_label_distance(np.zeros((3, 2)), np.zeros(3, dtype=int))))


# ---------------------------------------------------------------- a real numpy MLP
@pytest.fixture
def nets(rng):
    """A 1-logit MLP f and the 2-logit MLP with z = (-f/2, f/2), so z_1 - z_0 = f."""
    one = MLP([2, 32, 32, 1], "tanh", c=3.0, rng=rng, init="uniform")
    two = MLP([2, 32, 32, 2], "tanh", c=3.0, rng=rng, init="uniform")
    for p1, p2 in zip(one.params[:-2], two.params[:-2]):
        p2[...] = p1
    W, b = one.params[-2:]  # (32, 1), (1,)
    two.params[-2][...] = np.hstack([-W / 2, W / 2])
    two.params[-1][...] = np.hstack([-b / 2, b / 2])
    return one, two


def test_mlp_crossings_are_roots(nets, rng):
    one, two = nets
    f = score_function(one)
    x0, u = rng.uniform(-1, 1, (40, 2)), rng.standard_normal((40, 2))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    c = crossings_along_lines(one, x0, u, -3.0, 3.0, n_grid=257, tol=1e-10)
    line = np.repeat(np.arange(40), c.count)
    roots = np.concatenate(c.as_list())
    assert len(roots) > 40 and c.count.max() >= 2  # several lines cross more than once
    assert np.max(np.abs(f(x0[line] + roots[:, None] * u[line]))) < 1e-7
    left = f(x0[line] + (roots - 1e-7)[:, None] * u[line])
    right = f(x0[line] + (roots + 1e-7)[:, None] * u[line])
    assert np.all(np.sign(left) == -np.sign(right))
    c2 = crossings_along_lines(two, x0, u, -3.0, 3.0, n_grid=257, tol=1e-10)
    assert np.array_equal(c.count, c2.count) and np.allclose(roots, np.concatenate(c2.as_list()), atol=1e-9)


def test_mlp_score_gradient_and_measures_agree(nets, rng):
    one, two = nets
    x = rng.uniform(-1, 1, (10, 2))
    g1, g2 = score_gradient(one)(x), score_gradient(two)(x)
    eps = 1e-6
    fd = np.stack([(score_function(one)(x + eps * e) - score_function(one)(x - eps * e)) / (2 * eps)
                   for e in np.eye(2)], axis=1)  # central differences
    assert np.allclose(g1, fd, atol=1e-6) and np.allclose(g1, g2, atol=1e-12)
    world = line_toy()
    h1 = height_field(one, manifold_grid(world, -1, 1, 51), [0, 1.0], s_max=2.0)
    h2 = height_field(two, manifold_grid(world, -1, 1, 51), [0, 1.0], s_max=2.0)
    assert np.array_equal(np.isnan(h1), np.isnan(h2)) and np.allclose(h1, h2, equal_nan=True)
    a1 = boundary_manifold_angles(one, one, world, -1, 1)
    a2 = boundary_manifold_angles(two, two, world, -1, 1)
    assert np.allclose(a1.angle, a2.angle) and np.all((a1.angle >= 0) & (a1.angle <= 90))


# ---------------------------------------------------------------- errors name the argument
S_LIN, _ = linear([1.0, 1.0], 0.0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: crossings_along_lines(S_LIN, np.zeros(2), [1, 0], -1, 1), ValueError, "x0 must have 2 dimensions"),
    (lambda: crossings_along_lines(S_LIN, np.zeros((3, 2)), [1, 0, 0], -1, 1), ValueError, r"u must have shape"),
    (lambda: crossings_along_lines(S_LIN, np.zeros((3, 2)), [0, 0], -1, 1), ValueError, "u has 3 zero row"),
    (lambda: crossings_along_lines(S_LIN, np.zeros((3, 2)), [1, 0], 1, 1), ValueError, "s_min=1.0 and s_max=1.0"),
    (lambda: crossings_along_lines(S_LIN, np.zeros((3, 2)), [1, 0], -1, 1, tol=0), ValueError, "tol=0"),
    (lambda: crossings_along_lines(S_LIN, np.zeros((3, 2)), [1, 0], -1, 1, n_grid=1), ValueError, "n_grid=1"),
    (lambda: crossings_along_lines(lambda X: X, np.zeros((3, 2)), [1, 0], -1, 1), ValueError, "score returned shape"),
    (lambda: crossings_along_lines(3.0, np.zeros((3, 2)), [1, 0], -1, 1), TypeError, "score must be a callable"),
    (lambda: score_function(MLP([2, 4, 3], rng=np.random.default_rng(0))), ValueError, "n_outputs=3"),
    (lambda: score_gradient(MLP([2, 4, 3], rng=np.random.default_rng(0))), ValueError, "n_outputs=3"),
    (lambda: manifold_grid(line_toy(), 0, 1, resolution=1), ValueError, "resolution=1"),
    (lambda: manifold_grid(line_toy(), 1, 0), ValueError, "lo=1.0 and hi=0.0"),
    (lambda: height_field(S_LIN, np.zeros((3, 2)), [0, 2.0], 1.0), ValueError, "normal must be a unit vector"),
    (lambda: height_field(S_LIN, np.zeros((3, 2)), [0, 1.0], 0.0), ValueError, "s_max=0.0"),
    (lambda: FlatManifold(np.zeros(2), [[1.0], [0.0]], [0.6, 0.8]), ValueError, "normal must be orthogonal"),
    (lambda: FlatManifold(np.zeros(2), [[2.0], [0.0]]), ValueError, "U must have orthonormal columns"),
    (lambda: normal_margin(S_LIN, np.zeros((3, 2)), [0, 1, 2], [0, 1.0], 1.0), ValueError, "y contains label 2"),
    (lambda: normal_margin(S_LIN, np.zeros((3, 2)), [0, 1, 1], [0, 1.0, 0], 1.0), ValueError, "normal must have shape"),
    (lambda: in_manifold_margin(S_LIN, np.zeros((3, 2)), [0, 1, 1], [[1.0], [0]], n_directions=5),
     ValueError, "n_directions=5"),
    (lambda: cling([0.1, np.nan], cap=0), ValueError, "cap=0"),
    (lambda: angle_to_manifold(np.ones((2, 4)), SubspaceProjector([[1.0], [0.0]])), ValueError, "grad must have shape"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
