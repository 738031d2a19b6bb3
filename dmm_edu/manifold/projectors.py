"""Tangent and normal projectors: splitting a direction into an on- and an off-manifold part.

At a point x of a k-dimensional manifold M in R^n, an orthonormal basis U_tan (n, k) of the
tangent space T_x M splits every direction d into P_T d = U_tan U_tan^T d (along M) and
P_N d = d - P_T d (perpendicular to M). The book uses these projectors with an exact tangent
(synthetic worlds), global PCA and local PCA. Book pages: "Data manifolds and tangent spaces",
"On- vs off-manifold perturbations".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from dmm_edu._checks import check_array, check_positive_int

ORTHO_TOL = 1e-6  # max |U^T U - I| accepted as "orthonormal columns"


def _as_rows(name: str, value, n: int) -> tuple[np.ndarray, bool]:
    """Check `value` is (n,) or (N, n) and return it as (N, n) plus whether it was a single row."""
    arr = check_array(name, value)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        raise ValueError(f"{name} must have shape ({n},) or (N, {n}); got array of shape {arr.shape}")
    return arr.reshape(-1, n), arr.ndim == 1  # (N, n)


def _orthonormality_error(U: np.ndarray) -> float:
    """max |U^T U - I| over all bases; U: (n, k) or (N, n, k)."""
    G = np.swapaxes(U, -1, -2) @ U  # (..., k, k) Gram matrix U^T U
    return float(np.max(np.abs(G - np.eye(U.shape[-1])))) if G.size else 0.0


class Projector(ABC):
    """A tangent-space projector for a k-dimensional manifold in R^n.

    Attributes: `n` (ambient dimension), `k` (manifold dimension), `pointwise` (True when the
    tangent space depends on the base point x, which must then be passed to every method).
    Invariants (tested): P_T(P_T d) = P_T d, P_T d + P_N d = d, <P_T d, P_N d> = 0.
    """

    n: int
    k: int
    pointwise: bool = False

    @abstractmethod
    def basis(self, x=None) -> np.ndarray:
        """Orthonormal tangent basis U_tan: (n, k) for a flat manifold or a single x: (n,);
        (N, n, k) for base points x: (N, n)."""

    def tangent(self, d, x=None) -> np.ndarray:
        """P_T d = U_tan U_tan^T d.

        d: (n,) or (N, n) float; x: base points (N, n) or (n,) (pointwise projectors only).
        Returns the shape of d broadcast against the base points: (n,) or (N, n).
        """
        d2, single = _as_rows("d", d, self.n)  # (N_d, n)
        U = self.basis(x)  # (n, k) or (N_x, n, k)
        if U.ndim == 2:
            t = (d2 @ U) @ U.T  # (N_d, n): P_T d = U (U^T d)
            return t[0] if single else t
        N_x = U.shape[0]
        if d2.shape[0] not in (1, N_x):
            raise ValueError(
                f"d has {d2.shape[0]} rows but x has {N_x} base points; pass one d per x, or a single d: ({self.n},)"
            )
        d2 = np.broadcast_to(d2, (N_x, self.n))  # (N, n)
        c = np.einsum("bnk,bn->bk", U, d2)  # (N, k): coordinates c = U^T d
        return np.einsum("bnk,bk->bn", U, c)  # (N, n): P_T d = U c

    def normal(self, d, x=None) -> np.ndarray:
        """P_N d = d - P_T d; shapes as in `tangent`."""
        d_arr = check_array("d", d)
        return d_arr - self.tangent(d_arr, x)  # P_N d = (I - U U^T) d

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n}, k={self.k})"


class SubspaceProjector(Projector):
    """Exact projector onto a flat k-dimensional subspace spanned by the columns of U: (n, k).

    P_T d = U (U^T d). U must have orthonormal columns (U^T U = I); orthonormalise with
    np.linalg.qr first if needed. `x` is accepted by every method and ignored: the tangent
    space of a flat manifold is the same everywhere.
    """

    def __init__(self, U) -> None:
        U = check_array("U", U, ndim=2).astype(np.float64)  # (n, k)
        n, k = U.shape
        if not 1 <= k <= n:
            raise ValueError(f"U must have shape (n, k) with 1 <= k <= n; got array of shape {U.shape}")
        err = _orthonormality_error(U)
        if err > ORTHO_TOL:
            raise ValueError(
                f"U must have orthonormal columns (U^T U = I); max |U^T U - I| = {err:.3g} > {ORTHO_TOL}. "
                "Orthonormalise it first, e.g. U = np.linalg.qr(U)[0]"
            )
        self.U = U.copy()
        self.U.flags.writeable = False
        self.n, self.k = n, k

    def basis(self, x=None) -> np.ndarray:
        """U: (n, k), whatever x is."""
        return self.U


class PCAProjector(SubspaceProjector):
    """Global PCA tangent: the top-k principal directions of data X: (N, n).

    X_c = X - mean;  X_c = S diag(sigma) V^T (thin SVD);  U = V[:, :k].
    Records `mean` (n,), `singular_values` (min(N, n),), `explained_variance_ratio` (k,) =
    sigma_i^2 / sum_j sigma_j^2 for i < k, and `captured` = its sum (fraction of variance in U).
    The PCA "manifold" is the affine subspace mean + span(U); its tangent space is span(U).
    """

    def __init__(self, X, k: int) -> None:
        X = check_array("X", X, ndim=2)  # (N, n)
        N, n = X.shape
        if N < 2:
            raise ValueError(f"X must have at least 2 rows (data points) for PCA; got array of shape {X.shape}")
        k = check_positive_int("k", k)
        if k > min(N - 1, n):
            raise ValueError(
                f"k={k} is not accepted; PCA of X: {X.shape} allows 1 <= k <= min(N - 1, n) = {min(N - 1, n)}"
            )
        mean = X.mean(axis=0)  # (n,)
        Xc = X - mean  # (N, n)
        _, sigma, Vt = np.linalg.svd(_tall_factor(Xc), full_matrices=False)  # sigma: (r,), Vt: (r, n), r = min(N, n)
        total = float(np.sum(sigma**2))
        if total == 0.0:
            raise ValueError("X has zero variance (all rows equal); PCA directions are undefined")
        super().__init__(Vt[:k].T)  # U = V[:, :k]: (n, k)
        self.mean = mean
        self.singular_values = sigma
        self.explained_variance_ratio = sigma[:k] ** 2 / total  # (k,): sigma_i^2 / sum_j sigma_j^2
        self.captured = float(np.sum(self.explained_variance_ratio))


def _tall_factor(Xc: np.ndarray) -> np.ndarray:
    """A matrix with the singular values and right singular vectors of Xc (N, n), bit for bit: R (n, n)
    of Xc = Q R when Xc is tall, else Xc itself.

    For a tall matrix (N >= 11n/6) LAPACK's SVD (gesdd, which numpy calls) factors Xc = Q R first and takes
    sigma and V from R; it also forms Q (N, n) and U = Q U_R, which PCA never reads and which cost more than
    the rest together. Handing it R, from the same QR (geqrf), gives the same sigma and V without them.
    """
    N, n = Xc.shape
    if Xc.dtype != np.float64 or N < int(n * 11.0 / 6.0):  # 11n/6: gesdd's own threshold for the QR
        return Xc  # float32: numpy's SVD runs in float64, its QR would hand back R rounded to float32
    return np.linalg.qr(Xc, mode="r")  # (n, n) upper triangular R


def pca_projector(X, k: int) -> PCAProjector:
    """Global PCA projector of data X: (N, n) with k directions; see `PCAProjector`."""
    return PCAProjector(X, k)


class _PointwiseBase(Projector):
    """Shared machinery for projectors whose tangent space depends on the base point x."""

    pointwise = True

    @abstractmethod
    def _bases(self, x: np.ndarray) -> np.ndarray:
        """x: (N, n) -> orthonormal bases (N, n, k)."""

    def basis(self, x=None) -> np.ndarray:
        """Tangent bases at x: (N, n) -> (N, n, k); at a single x: (n,) -> (n, k)."""
        if x is None:
            raise ValueError(
                f"x is required: the tangent space of {type(self).__name__} depends on the base point; "
                f"pass x: (N, {self.n}) or ({self.n},)"
            )
        x2, single = _as_rows("x", x, self.n)  # (N, n)
        U = self._bases(x2)  # (N, n, k)
        return U[0] if single else U


class PointwiseProjector(_PointwiseBase):
    """Wraps basis_fn: x (N, n) -> orthonormal tangent bases (N, n, k), e.g. for curved worlds.

    Every returned basis is checked for shape and orthonormality (max |U^T U - I| <= 1e-6), so a
    wrong basis_fn fails here with a clear message rather than as a wrong on/off ratio later.
    """

    def __init__(self, basis_fn: Callable[[np.ndarray], np.ndarray], n: int, k: int) -> None:
        if not callable(basis_fn):
            raise TypeError(f"basis_fn must be callable x (N, n) -> (N, n, k); got {basis_fn!r}")
        self.n = check_positive_int("n", n)
        self.k = check_positive_int("k", k)
        if self.k > self.n:
            raise ValueError(f"k={k} is not accepted; expected 1 <= k <= n = {n}")
        self.basis_fn = basis_fn

    def _bases(self, x: np.ndarray) -> np.ndarray:
        U = np.asarray(self.basis_fn(x))  # (N, n, k)
        want = (x.shape[0], self.n, self.k)
        if U.shape != want:
            raise ValueError(f"basis_fn returned shape {U.shape}; expected {want} for x of shape {x.shape}")
        err = _orthonormality_error(U)
        if not err <= ORTHO_TOL:
            raise ValueError(f"basis_fn returned bases that are not orthonormal: max |U^T U - I| = {err:.3g}")
        return U


class LocalPCAProjector(_PointwiseBase):
    """Local PCA tangent: at each base point x, PCA of its n_neighbors nearest points in X_ref.

    For x: find the m = n_neighbors rows of X_ref closest in Euclidean distance,
    A = X_nb - mean(X_nb) (m, n), A = S diag(sigma) V^T, U_tan(x) = V[:, :k].
    Distances ||x - x'||^2 = ||x||^2 - 2 x.x' + ||x'||^2 are computed `batch_size` base points
    at a time, so memory stays at batch_size * N_ref floats.
    """

    def __init__(self, X_ref, k: int, n_neighbors: int, batch_size: int = 256) -> None:
        X_ref = check_array("X_ref", X_ref, ndim=2)  # (N_ref, n)
        N_ref, n = X_ref.shape
        k = check_positive_int("k", k)
        if k > n:
            raise ValueError(f"k={k} is not accepted; expected 1 <= k <= n = {n} (columns of X_ref)")
        n_neighbors = check_positive_int("n_neighbors", n_neighbors)
        if n_neighbors <= k:
            raise ValueError(f"n_neighbors={n_neighbors} is not accepted; local PCA needs n_neighbors > k = {k}")
        if n_neighbors > N_ref:
            raise ValueError(f"n_neighbors={n_neighbors} is not accepted; X_ref has only {N_ref} points")
        X_ref = X_ref.copy()  # our own copy: the cached squared norms below must stay in step with it
        X_ref.flags.writeable = False
        self.X_ref, self.n, self.k = X_ref, n, k
        self.n_neighbors = n_neighbors
        self.batch_size = check_positive_int("batch_size", batch_size)
        self._sq_ref = np.sum(X_ref**2, axis=1)  # (N_ref,)

    def neighbors(self, x: np.ndarray) -> np.ndarray:
        """Indices (N, n_neighbors) of the nearest X_ref rows to each x: (N, n), nearest first."""
        x2, _ = _as_rows("x", x, self.n)  # (N, n)
        m = self.n_neighbors
        out = np.empty((x2.shape[0], m), dtype=np.int64)  # (N, m)
        for s in range(0, x2.shape[0], self.batch_size):
            xb = x2[s : s + self.batch_size]  # (B, n)
            # (B, N_ref): ||x - x'||^2 = ||x||^2 - 2 x.x' + ||x'||^2
            D2 = np.sum(xb**2, axis=1)[:, None] - 2.0 * xb @ self.X_ref.T + self._sq_ref[None, :]
            idx = np.argpartition(D2, m - 1, axis=1)[:, :m]  # (B, m), unordered
            order = np.argsort(np.take_along_axis(D2, idx, axis=1), axis=1)  # (B, m)
            out[s : s + self.batch_size] = np.take_along_axis(idx, order, axis=1)
        return out

    def _bases(self, x: np.ndarray) -> np.ndarray:
        idx = self.neighbors(x)  # (N, m)
        U = np.empty((x.shape[0], self.n, self.k))  # (N, n, k)
        for s in range(0, x.shape[0], self.batch_size):
            Xnb = self.X_ref[idx[s : s + self.batch_size]]  # (B, m, n)
            A = Xnb - Xnb.mean(axis=1, keepdims=True)  # (B, m, n): centred neighbourhood
            _, _, Vt = np.linalg.svd(A, full_matrices=False)  # Vt: (B, min(m, n), n)
            U[s : s + self.batch_size] = np.swapaxes(Vt[:, : self.k, :], 1, 2)  # (B, n, k): U = V[:, :k]
        return U
