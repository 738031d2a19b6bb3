"""Tests for dmm_edu.manifold: tangent/normal projectors and on-manifold fractions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.manifold import (
    LocalPCAProjector,
    PCAProjector,
    PointwiseProjector,
    Projector,
    SubspaceProjector,
    on_fraction,
    pca_projector,
    random_baseline,
    sample_random_on_fraction,
)


def random_basis(n, k, rng):
    return np.linalg.qr(rng.standard_normal((n, k)))[0]  # (n, k)


def sphere_basis(x):
    """Orthonormal complement of x / ||x|| by QR of [u, I]: (N, n) -> (N, n, n-1) (test-only, independent of the library's)."""
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    out = []
    for ui in u:
        Q = np.linalg.qr(np.column_stack([ui, np.eye(len(ui))]))[0]  # (n, n), first column ±u
        out.append(Q[:, 1:])
    return np.stack(out)


def circle(N, rng, noise=0.0):
    theta = rng.uniform(0, 2 * np.pi, N)
    return np.stack([np.cos(theta), np.sin(theta)], axis=1) + noise * rng.standard_normal((N, 2))


def make_projector(kind, n, k, rng):
    """One projector of each kind with its base points x (None for flat ones)."""
    if kind == "subspace":
        return SubspaceProjector(random_basis(n, k, rng)), None
    if kind == "pca":
        X = rng.standard_normal((4 * n, n)) @ np.diag(np.linspace(3, 1, n))
        return pca_projector(X, k), None
    if kind == "local_pca":
        X = rng.standard_normal((5 * n + 20, n))
        x = rng.standard_normal((6, n))
        return LocalPCAProjector(X, k, n_neighbors=k + 5), x
    x = rng.standard_normal((6, n))
    return PointwiseProjector(sphere_basis, n, n - 1), x


KINDS = ["subspace", "pca", "local_pca", "pointwise"]


# ---------------------------------------------------------------- invariants, every projector type
@settings(max_examples=15, deadline=None)
@given(kind=st.sampled_from(KINDS), n=st.integers(2, 12), k_frac=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_projector_invariants(kind, n, k_frac, seed):
    rng = np.random.default_rng(seed)
    k = 1 + int(k_frac * (n - 1))  # 1 <= k <= n
    P, x = make_projector(kind, n, k, rng)
    d = 10 * rng.standard_normal((6, n))
    t, nrm = P.tangent(d, x), P.normal(d, x)
    assert t.shape == nrm.shape == d.shape
    np.testing.assert_allclose(P.tangent(t, x), t, atol=1e-9)  # P_T P_T d = P_T d
    np.testing.assert_allclose(t + nrm, d, atol=1e-9)  # P_T d + P_N d = d
    np.testing.assert_allclose(np.sum(t * nrm, axis=1), 0.0, atol=1e-8)  # P_T d ⟂ P_N d
    np.testing.assert_allclose(P.tangent(nrm, x), 0.0, atol=1e-9)  # P_T P_N = 0
    U = P.basis(x)
    G = np.swapaxes(U, -1, -2) @ U
    np.testing.assert_allclose(G, np.broadcast_to(np.eye(P.k), G.shape), atol=1e-9)


def test_single_vector_shapes_and_broadcasting():
    rng = np.random.default_rng(0)
    P = SubspaceProjector(random_basis(5, 2, rng))
    d = rng.standard_normal(5)
    assert P.tangent(d).shape == (5,)
    assert P.tangent(d, x=rng.standard_normal((3, 5))).shape == (5,)  # x ignored for flat ones
    Q = PointwiseProjector(sphere_basis, 5, 4)
    x = rng.standard_normal((3, 5))
    assert Q.basis(x).shape == (3, 5, 4) and Q.basis(x[0]).shape == (5, 4)
    assert Q.tangent(d, x).shape == (3, 5)  # one d, many base points
    np.testing.assert_allclose(Q.tangent(d, x)[1], Q.tangent(d, x[1]), atol=1e-12)
    assert isinstance(on_fraction(d, P), float)


def test_subspace_projector_known_answer():
    P = SubspaceProjector([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(P.tangent([3.0, 4.0, 5.0]), [3.0, 4.0, 0.0])
    np.testing.assert_allclose(P.normal([3.0, 4.0, 5.0]), [0.0, 0.0, 5.0])
    assert isinstance(P, Projector) and (P.n, P.k) == (3, 2)
    assert not P.basis().flags.writeable


# ---------------------------------------------------------------- PCA and local PCA recover known tangents
def test_pca_recovers_subspace():
    rng = np.random.default_rng(1)
    n, k = 50, 4
    B = random_basis(n, k, rng)
    X = 2.0 + rng.uniform(-1, 1, (500, k)) @ B.T  # (500, n), an affine k-subspace
    P = PCAProjector(X, k)
    cosines = np.linalg.svd(B.T @ P.U, compute_uv=False)  # cosines of the principal angles
    np.testing.assert_allclose(cosines, 1.0, atol=1e-8)
    assert P.explained_variance_ratio.shape == (k,)
    assert P.captured == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(P.mean, X.mean(axis=0))
    assert np.all(np.diff(P.explained_variance_ratio) <= 1e-12)


@pytest.mark.parametrize("N, n, dtype", [(800, 40, np.float64), (73, 40, np.float64), (72, 40, np.float64),
                                         (800, 40, np.float32)])
def test_pca_matches_the_plain_svd_bit_for_bit(N, n, dtype):
    """PCA of a tall X hands the SVD the R of X_c = QR (what LAPACK does inside); sigma and U must be exactly
    those of np.linalg.svd(X_c), on either side of gesdd's threshold int(11n/6) (73 for n = 40: below it the
    SVD of R differs in the last bits, so 72 checks the threshold) and in float32."""
    rng = np.random.default_rng(4)
    X = (rng.standard_normal((N, n)) @ rng.standard_normal((n, n))).astype(dtype)  # (N, n), correlated columns
    P = PCAProjector(X, 5)
    _, sigma, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    assert np.array_equal(P.singular_values, sigma)
    assert np.array_equal(P.U, Vt[:5].T.astype(np.float64))

def test_pca_partial_capture():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((400, 3)) * [3.0, 1.0, 1.0]  # variances 9, 1, 1
    P = pca_projector(X, 1)
    assert abs(P.U[0, 0]) > 0.99
    assert 0.7 < P.captured < 0.9  # ≈ 9 / 11


def test_local_pca_recovers_circle_tangent():
    rng = np.random.default_rng(3)
    X_ref = circle(2000, rng)
    x = circle(50, rng)
    P = LocalPCAProjector(X_ref, k=1, n_neighbors=10, batch_size=16)
    U = P.basis(x)  # (50, 2, 1)
    exact = np.stack([-x[:, 1], x[:, 0]], axis=1)  # tangent of the unit circle at x
    cos = np.abs(np.sum(U[:, :, 0] * exact, axis=1))
    assert cos.min() > 0.99


def test_local_pca_neighbors_are_nearest():
    rng = np.random.default_rng(4)
    X_ref = rng.standard_normal((100, 3))
    P = LocalPCAProjector(X_ref, k=2, n_neighbors=7, batch_size=8)
    x = rng.standard_normal((20, 3))
    brute = np.argsort(np.linalg.norm(x[:, None] - X_ref[None], axis=2), axis=1)[:, :7]
    np.testing.assert_array_equal(P.neighbors(x), brute)


# ---------------------------------------------------------------- measures
def test_on_fraction_extremes():
    P = SubspaceProjector([[1.0], [0.0], [0.0]])
    np.testing.assert_allclose(on_fraction([[2.0, 0, 0], [0, 3.0, 4.0], [1.0, 1.0, 0]], P), [1.0, 0.0, 2**-0.5])
    assert on_fraction([0.0, 0.0, -5.0], P) == 0.0


@pytest.mark.parametrize("n,k", [(200, 10), (50, 5)])
def test_random_baseline_matches_samples(n, k):
    """The sampled mean of on(random) is close to sqrt(k/n), its RMS (E3 checks it against the exact mean:
    tests/test_manifold_random_mean.py)."""
    rng = np.random.default_rng(5)
    P = SubspaceProjector(random_basis(n, k, rng))
    on = sample_random_on_fraction(P, 1000, rng)
    assert on.shape == (1000,) and np.all((on >= 0) & (on <= 1))
    assert abs(on.mean() - random_baseline(n, k)) < 0.03


def test_random_baseline_pointwise_and_value():
    rng = np.random.default_rng(6)
    P = PointwiseProjector(sphere_basis, 10, 9)
    on = sample_random_on_fraction(P, 500, rng, x=rng.standard_normal(10))
    assert abs(on.mean() - random_baseline(10, 9)) < 0.03
    assert random_baseline(200, 10) == pytest.approx(np.sqrt(0.05))
    assert random_baseline(4, 4) == 1.0


def test_random_samples_reproducible():
    P = SubspaceProjector(random_basis(20, 3, np.random.default_rng(0)))
    a = sample_random_on_fraction(P, 50, np.random.default_rng(7))
    b = sample_random_on_fraction(P, 50, np.random.default_rng(7))
    c = sample_random_on_fraction(P, 50, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


# ---------------------------------------------------------------- bad inputs name the argument
P3 = SubspaceProjector([[1.0], [0.0], [0.0]])
BAD = [
    (lambda: SubspaceProjector([[1.0, 1.0], [0.0, 1.0]]), ValueError, "U must have orthonormal"),
    (lambda: SubspaceProjector([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), ValueError, "U must have shape"),
    (lambda: SubspaceProjector([1.0, 0.0]), ValueError, "U must have 2 dimensions"),
    (lambda: pca_projector(np.arange(15.0).reshape(3, 5) ** 2, 3), ValueError, "k=3"),
    (lambda: pca_projector([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]], 1), ValueError, "X contains NaN"),
    (lambda: pca_projector(np.ones((5, 3)), 1), ValueError, "X has zero variance"),
    (lambda: LocalPCAProjector(np.zeros((20, 3)), 2, n_neighbors=2), ValueError, "n_neighbors=2"),
    (lambda: LocalPCAProjector(np.zeros((20, 3)), 2, n_neighbors=21), ValueError, "n_neighbors=21"),
    (lambda: LocalPCAProjector(np.zeros((20, 3)), 4, n_neighbors=8), ValueError, "k=4"),
    (lambda: LocalPCAProjector(np.zeros((20, 3)), 1, 5).basis(), ValueError, "x is required"),
    (lambda: LocalPCAProjector(np.zeros((20, 3)), 1, 5).basis(np.zeros((4, 2))), ValueError, "x must have shape"),
    (lambda: PointwiseProjector(lambda x: np.ones((len(x), 3, 1)), 3, 1).basis(np.ones(3)), ValueError, "basis_fn returned bases that are not orthonormal"),
    (lambda: PointwiseProjector(lambda x: np.ones((3, 1)), 3, 1).basis(np.ones(3)), ValueError, "basis_fn returned shape"),
    (lambda: PointwiseProjector("not a function", 3, 1), TypeError, "basis_fn"),
    (lambda: PointwiseProjector(sphere_basis, 3, 4), ValueError, "k=4"),
    (lambda: PointwiseProjector(sphere_basis, 3, 2).tangent(np.ones((2, 3)), np.ones((5, 3))), ValueError, "d has 2 rows but x has 5"),
    (lambda: P3.tangent(np.ones(4)), ValueError, "d must have shape"),
    (lambda: P3.normal([[1.0, np.inf, 0.0]]), ValueError, "d contains NaN or inf"),
    (lambda: on_fraction([[1.0, 0, 0], [0, np.nan, 0]], P3), ValueError, "d contains NaN"),
    (lambda: on_fraction([1.0, 0, 0], np.eye(3)), TypeError, "projector must be"),
    (lambda: random_baseline(10, 11), ValueError, "k=11"),
    (lambda: random_baseline(0, 1), ValueError, "n=0"),
    (lambda: sample_random_on_fraction(P3, 10, rng=0), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: sample_random_on_fraction(P3, 0, np.random.default_rng(0)), ValueError, "n_samples=0"),
    (lambda: sample_random_on_fraction(P3, 10, np.random.default_rng(0), x=np.ones((3, 3))), ValueError, "x has 3 rows"),
]


@pytest.mark.parametrize("call,exc,match", BAD, ids=[m for _, _, m in BAD])
def test_bad_inputs_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_tangent_part_picks_the_bases_of_the_rows_idx_whatever_the_index_kind():
    """tangent_part(U, d, idx) = U[idx] (U[idx]^T d) exactly, for the index kinds callers pass: int64 (the attacks'
    rows), int32, negative indices, a boolean mask, a numpy array, none at all (a copy path is chosen per kind)."""
    torch = pytest.importorskip("torch")
    from dmm_edu.manifold.frames import tangent_part

    g = torch.Generator().manual_seed(0)
    U = torch.linalg.qr(torch.randn(6, 30, 3, generator=g, dtype=torch.float64))[0].float()  # (M, n, k) per-row bases
    picks = [torch.tensor([4, 0, 4, 2]), torch.tensor([5, 1], dtype=torch.int32), torch.tensor([-1, 2]),
             torch.tensor([True, False, True, False, False, True]), np.array([3, 1]),
             torch.tensor([], dtype=torch.int64)]
    for idx in picks:
        U_i = U[idx]  # (M', n, k) the reference: plain indexing
        d = torch.randn(U_i.shape[0], 30, generator=g)  # (M', n)
        want = torch.einsum("bnk,bk->bn", U_i, torch.einsum("bnk,bn->bk", U_i, d))
        assert torch.equal(tangent_part(U, d, idx), want), idx
    d = torch.randn(6, 30, generator=g)
    assert torch.equal(tangent_part(U, d), torch.einsum("bnk,bk->bn", U, torch.einsum("bnk,bn->bk", U, d)))
