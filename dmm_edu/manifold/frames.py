"""Tangent bases fixed at a set of points, on either backend: the one projector every attack and
measurement uses once the tangent space has been evaluated.

A `Projector` (exact subspace, PCA, local PCA, an autoencoder's decoder Jacobian) says how to find
the tangent space T_x M at a point x. Measuring or attacking M points needs it at those points
only, and an expensive tangent (local PCA, a decoder Jacobian) should be computed once. `Frames`
holds the orthonormal bases U_tan evaluated there, (n, k) shared by every point of a flat manifold
or (M, n, k) one per point, and projects numpy arrays and torch tensors alike:

    P_T d = U_tan U_tan^T d        (along the manifold)
    P_N d = d - P_T d              (perpendicular to it)

`frames_at(projector, x)` makes one from any projector. Book page: "On- vs off-manifold
perturbations".
"""

from __future__ import annotations

import sys

import numpy as np

from dmm_edu._checks import _describe
from dmm_edu.manifold.projectors import ORTHO_TOL, Projector, _orthonormality_error

SPACES = ("free", "on", "off")


def _torch():
    """The torch module if it is loaded (a tensor can only exist then), else None: numpy-only stays numpy-only."""
    return sys.modules.get("torch")


def is_tensor(a) -> bool:
    torch = _torch()
    return torch is not None and isinstance(a, torch.Tensor)


def _bases_of(U, idx):
    """U[idx]: the bases (M', n, k) of the rows idx. A torch vector of non-negative indices goes through
    index_select, a copy of whole rows that is faster than advanced indexing for bases this large (the
    attacks call this at every step); the values are the same."""
    torch = _torch()
    if (torch is not None and isinstance(U, torch.Tensor) and isinstance(idx, torch.Tensor) and idx.ndim == 1
            and idx.dtype in (torch.int64, torch.int32) and idx.device == U.device
            and (idx.numel() == 0 or int(idx.min()) >= 0)):
        return torch.index_select(U, 0, idx)
    return U[idx]


# --8<-- [start:tangent_part]
def tangent_part(U, d, idx=None):
    """P_T d = U (U^T d) for rows d (M, n): U (n, k) shared or (M', n, k) per row (`idx` picks the rows'
    bases). numpy in, numpy out; torch in, torch out (U must then be a tensor of d's dtype and device)."""
    if U.ndim == 2:
        return (d @ U) @ U.T  # (M, n)
    U = U if idx is None else _bases_of(U, idx)  # (M, n, k)
    einsum = _torch().einsum if is_tensor(d) else np.einsum
    c = einsum("bnk,bn->bk", U, d)  # (M, k): coordinates c = U^T d
    return einsum("bnk,bk->bn", U, c)  # (M, n): P_T d = U c


def project(U, d, space: str, idx=None):
    """P_S d for S the whole space ("free": d itself), T ("on") or N ("off": d - P_T d)."""
    if space == "free":
        return d
    t = tangent_part(U, d, idx)
    return t if space == "on" else d - t
# --8<-- [end:tangent_part]


class Frames(Projector):
    """Orthonormal tangent bases U_tan evaluated at M points: (n, k) shared or (M, n, k) one per point.

    U_tan may be a numpy array or a torch tensor; `tangent`, `normal` and `project` take rows d (M, n)
    of either kind and answer in the same kind (numpy in float64, torch in d's dtype on d's device).
    A Frames is a `Projector`, so the numpy attacks accept it too; per-point frames only answer for
    the M points they were evaluated at (`rows(idx)` selects some of them).
    """

    def __init__(self, U_tan, *, check: bool = True) -> None:
        if U_tan is None or getattr(U_tan, "ndim", None) not in (2, 3):
            raise ValueError(f"U_tan must be an array or tensor of shape (n, k) or (M, n, k); got {_describe(U_tan)}")
        n, k = int(U_tan.shape[-2]), int(U_tan.shape[-1])
        if not 1 <= k <= n:
            raise ValueError(f"U_tan must have shape (n, k) or (M, n, k) with 1 <= k <= n; got {tuple(U_tan.shape)}")
        if check:
            U_np = U_tan.detach().cpu().double().numpy() if is_tensor(U_tan) else np.asarray(U_tan, dtype=np.float64)
            err = _orthonormality_error(U_np)
            if not err <= 10 * ORTHO_TOL:  # float32 bases (an autoencoder's) are orthonormal to ~1e-6
                raise ValueError(f"U_tan must have orthonormal columns; max |U^T U - I| = {err:.3g}")
        self.U_tan = U_tan
        self.n, self.k = n, k
        self.pointwise = U_tan.ndim == 3
        self._cache: dict = {}

    @property
    def n_points(self) -> int | None:
        """M for per-point frames, None for one shared basis."""
        return int(self.U_tan.shape[0]) if self.pointwise else None

    def _check_rows(self, m: int, what: str) -> None:
        if self.pointwise and m != self.U_tan.shape[0]:
            raise ValueError(f"these tangent bases were computed at {self.U_tan.shape[0]} points; {what} has {m} rows")

    # ------------------------------------------------------------ the two backends
    def basis(self, x=None) -> np.ndarray:
        """U_tan as a float64 numpy array: (n, k), or (M, n, k) (x, if given, must have M rows)."""
        if x is not None:
            self._check_rows(np.shape(x)[0] if np.ndim(x) == 2 else 1, "x")
        if "numpy" not in self._cache:
            U = self.U_tan
            self._cache["numpy"] = U.detach().cpu().double().numpy() if is_tensor(U) else np.asarray(U, np.float64)
        return self._cache["numpy"]

    def basis_tensor(self, x=None, *, dtype=None, device=None):
        """U_tan as a torch tensor, in `dtype` on `device` (default: as stored); x as in `basis`."""
        torch = _torch()
        if torch is None:
            import torch
        if x is not None:
            self._check_rows(x.shape[0], "x")
        U = self.U_tan if is_tensor(self.U_tan) else torch.tensor(np.asarray(self.U_tan))  # a copy: may be read-only
        key = ("torch", dtype or U.dtype, str(device or U.device))
        if key not in self._cache:
            self._cache[key] = U.to(dtype=dtype or U.dtype, device=device or U.device)
        return self._cache[key]

    def _U_for(self, d):
        return self.basis_tensor(dtype=d.dtype, device=d.device) if is_tensor(d) else self.basis()

    # ------------------------------------------------------------ projections
    def tangent(self, d, x=None, idx=None):
        """P_T d for rows d (M, n) (or one d (n,) with shared frames); idx: which points' bases (per-point frames)."""
        single = not is_tensor(d) and np.ndim(d) == 1
        d2 = d if is_tensor(d) else np.asarray(d, dtype=np.float64).reshape(-1, self.n)
        if d2.shape[-1] != self.n:
            raise ValueError(f"d must have {self.n} columns; got shape {tuple(d2.shape)}")
        if idx is None:
            self._check_rows(d2.shape[0], "d")  # per-point frames: one row of d per point, no broadcasting
        t = tangent_part(self._U_for(d2), d2, idx)
        return t[0] if single else t

    def normal(self, d, x=None, idx=None):
        """P_N d = d - P_T d; shapes as in `tangent`."""
        d2 = d if is_tensor(d) else np.asarray(d, dtype=np.float64)
        return d2 - self.tangent(d2, idx=idx)

    def project(self, d, space: str, idx=None):
        """P_S d: d itself ("free"), P_T d ("on") or P_N d ("off")."""
        if space not in SPACES:
            raise ValueError(f"space={space!r} is not accepted; expected one of {SPACES}")
        return d if space == "free" else self.tangent(d, idx=idx) if space == "on" else self.normal(d, idx=idx)

    def rows(self, idx) -> Frames:
        """The frames at the points idx only (a shared basis is kept as it is)."""
        if not self.pointwise:
            return self
        if is_tensor(self.U_tan) and not is_tensor(idx):
            idx = _torch().as_tensor(np.asarray(idx), device=self.U_tan.device)
        return Frames(self.U_tan[idx], check=False)

    def to(self, device=None, dtype=None) -> Frames:
        """The same bases as a torch tensor on `device` in `dtype`."""
        return Frames(self.basis_tensor(dtype=dtype, device=device), check=False)

    def __repr__(self) -> str:
        shape = f"M={self.U_tan.shape[0]}, " if self.pointwise else ""
        return f"Frames({shape}n={self.n}, k={self.k})"


def frames_at(projector, x) -> Frames:
    """The tangent bases of `projector` evaluated once at the points x: (M, n) rows or (M, *shape) tensors.

    projector: a `Frames` (returned as it is, after checking it was computed at M points), a flat
    projector (its shared U), a pointwise one (numpy `basis(x)`), or anything with `basis_tensor(x)`
    (an autoencoder's decoder Jacobian, computed on x's device).
    """
    if isinstance(projector, Frames):
        projector._check_rows(x.shape[0], "x")
        return projector
    has_tensor = callable(getattr(projector, "basis_tensor", None))
    if not (has_tensor or callable(getattr(projector, "basis", None))) or not hasattr(projector, "n"):
        raise TypeError("projector must be a dmm_edu.manifold Projector (with n and basis(x) or basis_tensor(x)), "
                        f"e.g. SubspaceProjector(U); got {_describe(projector)}")
    M = x.shape[0]
    n = int(np.prod(tuple(x.shape[1:])))
    if projector.n != n:
        raise ValueError(f"projector={projector!r} works in dimension {projector.n}; x has {n} features per "
                         f"sample (shape {tuple(x.shape[1:])} flattened)")
    if has_tensor and is_tensor(x):
        U = projector.basis_tensor(x)  # (M, n, k) on x's device
    else:  # (n, k) shared, or (M, n, k) for a pointwise projector
        U = projector.basis(x.reshape(M, -1).detach().cpu().numpy() if is_tensor(x) else np.asarray(x).reshape(M, -1))
    ok = (U.ndim == 2 and U.shape[0] == n) or (U.ndim == 3 and tuple(U.shape[:2]) == (M, n))
    if not ok or not 1 <= U.shape[-1] <= n:
        raise ValueError(f"projector={projector!r} returned a basis of shape {tuple(U.shape)}; expected ({n}, k) "
                         f"or ({M}, {n}, k) with 1 <= k <= {n}")
    return Frames(U, check=False)


def random_frame(n: int, k: int, rng: np.random.Generator) -> Frames:
    """A uniformly oriented orthonormal k-frame in R^n, the control tangent: QR of an (n, k) Gaussian matrix."""
    from dmm_edu._checks import check_positive_int, check_rng

    n, k, rng = check_positive_int("n", n), check_positive_int("k", k), check_rng("rng", rng)
    if k > n:
        raise ValueError(f"k={k} is not accepted; expected 1 <= k <= n = {n}")
    Q, _ = np.linalg.qr(rng.standard_normal((n, k)))  # (n, k) uniformly oriented
    return Frames(Q, check=False)
