"""Tests for dmm_edu.data.synthetic and dmm_edu.data.toys: worlds with known manifolds and oracles."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.data.synthetic import (
    WORLDS,
    World,
    chessboard,
    line_toy,
    make_world,
    sphere_tangent_basis,
    sphere_world,
    subspace_world,
)
from dmm_edu.data.toys import chessboard as toys_chessboard
from dmm_edu.manifold import LocalPCAProjector


def rng(seed=0):
    return np.random.default_rng(seed)


def small_worlds():
    """One small instance of every world and label rule."""
    return {
        "subspace-quadrant": subspace_world(n=30, k=4, n_train=300, n_test=100, rng=rng(0)),
        "subspace-stripes": subspace_world(n=30, k=1, n_train=300, n_test=100, labels="stripes", rng=rng(1)),
        "subspace-chessboard": subspace_world(n=30, k=3, n_train=300, n_test=100, labels="chessboard", rng=rng(2)),
        "sphere-3": sphere_world(n=3, n_train=300, n_test=100, gap=0.1, rng=rng(3)),
        "circle": sphere_world(n=2, n_train=200, n_test=50, sectors=6, radius=2.0, rng=rng(4)),
        "sphere-6": sphere_world(n=6, n_train=200, n_test=50, rng=rng(5)),
        "line-toy": line_toy(),
        "chessboard-5": chessboard(5),
        "chessboard-8": chessboard(8),
    }


WORLD_CACHE = small_worlds()
FLAT = [name for name in WORLD_CACHE if not WORLD_CACHE[name].projector.pointwise]


@pytest.mark.parametrize("name", list(WORLD_CACHE))
def test_oracle_agrees_with_labels(name):
    w = WORLD_CACHE[name]
    np.testing.assert_array_equal(w.oracle(w.x), w.y)
    np.testing.assert_array_equal(w.label(w.x_test), w.y_test)
    assert w.label(w.x[0]) == w.y[0] and isinstance(w.label(w.x[0]), int)
    assert set(np.unique(w.y)) == set(range(w.n_classes))
    assert w.x.shape == (len(w.y), w.n) and w.x_test.shape == (len(w.y_test), w.n)
    assert w.description and w.name in WORLDS


@pytest.mark.parametrize("name", FLAT)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), scale=st.floats(0.01, 100.0))
def test_oracle_invariant_to_normal_perturbation(name, seed, scale):
    w = WORLD_CACHE[name]
    noise = scale * np.random.default_rng(seed).standard_normal(w.x.shape)
    delta_N = w.project_normal(noise)  # (N, n), off-manifold only
    np.testing.assert_array_equal(w.label(w.x + delta_N), w.y)


@pytest.mark.parametrize("name", FLAT)
def test_flat_world_points_lie_on_the_manifold(name):
    w = WORLD_CACHE[name]
    x0 = w.x - w.x[0]  # differences of points on an affine manifold are tangent
    np.testing.assert_allclose(w.project_normal(x0), 0.0, atol=1e-10)
    z = w.manifold_coords(w.x)
    assert z.shape == (len(w.x), w.k)


@pytest.mark.parametrize("name", ["sphere-3", "circle", "sphere-6"])
@settings(max_examples=10, deadline=None)
@given(scale=st.floats(1e-3, 1e3))
def test_sphere_oracle_invariant_to_radius(name, scale):
    w = WORLD_CACHE[name]
    np.testing.assert_array_equal(w.label(scale * w.x), w.y)


@pytest.mark.parametrize("name", ["sphere-3", "circle", "sphere-6"])
def test_sphere_tangent_basis(name):
    w = WORLD_CACHE[name]
    U = w.projector.basis(w.x)  # (N, n, n-1)
    assert U.shape == (len(w.x), w.n, w.n - 1)
    np.testing.assert_allclose(np.einsum("bnk,bn->bk", U, w.x), 0.0, atol=1e-10)  # U^T x = 0
    np.testing.assert_allclose(np.swapaxes(U, 1, 2) @ U, np.broadcast_to(np.eye(w.n - 1), (len(w.x), w.n - 1, w.n - 1)), atol=1e-10)
    np.testing.assert_allclose(w.project_normal(w.x, w.x), w.x, atol=1e-10)  # the radial direction is normal
    radius = np.linalg.norm(w.x, axis=1)
    np.testing.assert_allclose(radius, radius[0])


def test_sphere_basis_stable_at_axes():
    x = np.vstack([np.eye(4), -np.eye(4), [[1e-9, 1, 0, 0]]])
    U = sphere_tangent_basis(x)
    np.testing.assert_allclose(np.einsum("bnk,bn->bk", U, x), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(U, 1, 2) @ U, np.broadcast_to(np.eye(3), (9, 3, 3)), atol=1e-12)


def test_local_pca_on_sphere_world_finds_exact_tangent():
    w = sphere_world(n=3, n_train=4000, n_test=0, rng=rng(9))
    P = LocalPCAProjector(w.x, k=2, n_neighbors=15)
    U_est, U_exact = P.basis(w.x[:30]), w.projector.basis(w.x[:30])
    cosines = np.linalg.svd(np.swapaxes(U_exact, 1, 2) @ U_est, compute_uv=False)  # (30, 2)
    assert cosines.min() > 0.99


def test_subspace_world_geometry_and_gap():
    w = subspace_world(n=40, k=5, n_train=500, n_test=200, gap=0.3, rng=rng(0))
    B = w.projector.basis()
    np.testing.assert_allclose(B.T @ B, np.eye(5), atol=1e-12)
    z = w.manifold_coords(w.x)
    np.testing.assert_allclose(z @ B.T, w.x, atol=1e-12)  # x = B z
    assert np.all(np.abs(z) <= 1) and np.all(np.abs(z[:, :2]) >= 0.3)
    assert np.all(np.bincount(w.y, minlength=4) > 80)
    # quadrants counter-clockwise: (+,+)=0, (-,+)=1, (-,-)=2, (+,-)=3
    corners = np.array([[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]])
    probe = np.hstack([corners, np.zeros((4, 3))]) @ B.T
    np.testing.assert_array_equal(w.label(probe), [0, 1, 2, 3])


def test_stripes_and_chessboard_keep_distance_from_edges():
    for labels in ("stripes", "chessboard"):
        w = subspace_world(n=10, k=2, n_train=400, n_test=0, labels=labels, gap=0.2, rng=rng(1))
        z = w.manifold_coords(w.x)
        cols = [0] if labels == "stripes" else [0, 1]
        dist = np.min(np.abs(z[:, cols, None] - np.array([-0.5, 0.0, 0.5])), axis=-1)
        assert dist.min() >= 0.1
        assert w.x_test.shape == (0, 10) and w.y_test.shape == (0,)


def test_stripes_known_labels():
    w = subspace_world(n=5, k=1, n_train=10, n_test=0, labels="stripes", rng=rng(2))
    B = w.projector.basis()
    z1 = np.array([[-0.75], [-0.25], [0.25], [0.75], [3.0]])  # beyond the board: the edge stripe extends
    np.testing.assert_array_equal(w.label(z1 @ B.T), [0, 1, 0, 1, 1])


def test_line_toy_is_the_papers():
    w = line_toy()
    np.testing.assert_allclose(w.x, [[0.05, 0.5], [0.30, 0.5], [0.55, 0.5], [0.80, 0.5], [1.05, 0.5]], atol=1e-15)
    np.testing.assert_array_equal(w.y, [0, 1, 0, 1, 0])
    assert (w.n, w.k, w.n_classes) == (2, 1, 2)
    np.testing.assert_allclose(w.projector.basis(), [[1.0], [0.0]])
    # Voronoi on the line: boundaries halfway between points, y-coordinate ignored
    probe = np.array([[-3.0, 7.0], [0.17, 0.5], [0.18, -2.0], [0.6, 0.0], [0.9, 1.0], [0.93, 0.5], [5.0, 0.5]])
    np.testing.assert_array_equal(w.label(probe), [0, 0, 1, 0, 1, 0, 0])


def test_chessboard_balance_and_convention():
    w8 = chessboard(8)
    assert np.bincount(w8.y).tolist() == [32, 32]
    assert np.bincount(chessboard(5).y).tolist() == [12, 13]
    w = chessboard(4, height=0.25)
    np.testing.assert_allclose(w.x[:, 2], 0.25)
    assert w.label([0.0, 0.0, 0.25]) == 1  # (i + j) = 0 even -> 1
    assert w.label([1 / 3, 0.0, 0.25]) == 0
    assert w.label([1.4, 1.2, -9.0]) == 1  # clipped to the corner (3, 3)
    np.testing.assert_allclose(w.x[1], [0.0, 1 / 3, 0.25])  # j fastest
    assert toys_chessboard is chessboard


def test_reproducibility():
    a = subspace_world(n=20, k=3, n_train=50, n_test=10, rng=rng(11))
    b = subspace_world(n=20, k=3, n_train=50, n_test=10, rng=rng(11))
    c = subspace_world(n=20, k=3, n_train=50, n_test=10, rng=rng(12))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.allclose(a.x, c.x)
    s1, s2 = sphere_world(n_train=30, n_test=5, rng=rng(1)), sphere_world(n_train=30, n_test=5, rng=rng(1))
    np.testing.assert_array_equal(s1.x, s2.x)
    assert not np.allclose(s1.x, sphere_world(n_train=30, n_test=5, rng=rng(2)).x)


def test_registry_and_frozen():
    w = make_world("subspace", n=10, k=2, n_train=20, n_test=5, rng=rng(0))
    assert isinstance(w, World) and w.n == 10
    assert make_world("line-toy").name == "line-toy"
    assert set(WORLDS) == {"subspace", "sphere", "line-toy", "chessboard"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        w.k = 3
    with pytest.raises(ValueError):
        w.x[0, 0] = 1.0  # read-only data
    with pytest.raises(NotImplementedError, match="sphere"):
        WORLD_CACHE["sphere-3"].manifold_coords(WORLD_CACHE["sphere-3"].x)
    assert "n=10" in repr(w)
    mine = np.zeros((3, 2))
    World("mine", mine, [0, 1, 0], np.zeros((0, 2)), np.zeros(0, int), 2, 1, WORLD_CACHE["line-toy"].projector, len)
    mine[0, 0] = 1.0  # the caller's array stays writable: World keeps its own copy


# ---------------------------------------------------------------- bad inputs name the argument
BAD = [
    (lambda: make_world("moons"), ValueError, "name='moons'"),
    (lambda: subspace_world(n=5, k=6, rng=rng()), ValueError, "k=6"),
    (lambda: subspace_world(n=5, k=1, labels="quadrant", rng=rng()), ValueError, "k=1 .*needs k >= 2"),
    (lambda: subspace_world(n=5, k=0, labels="stripes", rng=rng()), ValueError, "k=0"),
    (lambda: subspace_world(labels="spiral", rng=rng()), ValueError, "labels='spiral'"),
    (lambda: subspace_world(gap=0.9, rng=rng()), ValueError, "gap=0.9"),
    (lambda: subspace_world(gap=-0.1, rng=rng()), ValueError, "gap=-0.1"),
    (lambda: subspace_world(n_train=0, rng=rng()), ValueError, "n_train=0"),
    (lambda: subspace_world(n_test=2.5, rng=rng()), ValueError, "n_test=2.5"),
    (lambda: subspace_world(rng=42), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: subspace_world(), TypeError, "rng"),
    (lambda: sphere_world(n=1, rng=rng()), ValueError, "n=1"),
    (lambda: sphere_world(sectors=3, rng=rng()), ValueError, "sectors=3"),
    (lambda: sphere_world(radius=-1.0, rng=rng()), ValueError, "radius=-1.0"),
    (lambda: sphere_world(rng=np.random.RandomState(0)), TypeError, "rng must be"),
    (lambda: WORLD_CACHE["sphere-3"].label(np.zeros((2, 3))), ValueError, "x has 2 row.*origin"),
    (lambda: line_toy(spacing=0.0), ValueError, "spacing=0.0"),
    (lambda: line_toy(n_points=1), ValueError, "n_points=1"),
    (lambda: line_toy(height=float("nan")), ValueError, "height"),
    (lambda: chessboard(m=1), ValueError, "m=1"),
    (lambda: chessboard(height="high"), ValueError, "height='high'"),
    (lambda: WORLD_CACHE["line-toy"].label(np.zeros((4, 3))), ValueError, "x must have shape"),
    (lambda: WORLD_CACHE["line-toy"].label([[np.nan, 0.5]]), ValueError, "x contains NaN"),
    (lambda: WORLD_CACHE["sphere-3"].project_tangent(np.ones(3)), ValueError, "x is required"),
    (lambda: World("bad", np.zeros((3, 2)), [0, 1], np.zeros((0, 2)), np.zeros(0, int), 2, 1,
                   WORLD_CACHE["line-toy"].projector, lambda x: x), ValueError, "y must have 3 labels"),
]


@pytest.mark.parametrize("call,exc,match", BAD, ids=[m for _, _, m in BAD])
def test_bad_inputs_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
