"""The subspace S a restricted attack moves in: the tangent space T (space="on") or the normal
space N (space="off") of the data manifold at each clean input.

With an orthonormal tangent basis U_tan (n, k), shared or one per sample (N, n, k),

    P_T d = U_tan U_tan^T d,        P_N d = d - P_T d,

and dim T = k, dim N = n - k. The basis is taken once, at the clean x: from the projector's
`basis_tensor(x)` when it has one (torch projectors, e.g. an autoencoder's decoder Jacobian), else
from its numpy `basis(x)`. Book page: "On- and off-manifold perturbations".
"""

from __future__ import annotations

import numpy as np
import torch

from dmm_edu._checks import _describe

LEFT_TOL = 1e-4  # δ has left S when ‖δ - P_S δ‖ > LEFT_TOL · ‖δ‖


class Subspace:
    """S, to project rows onto.   U_tan: None (S = R^n, "free"), (n, k) shared or (N, n, k) per sample."""

    def __init__(self, U_tan: torch.Tensor | None, space: str, n: int):
        self.U_tan, self.space, self.n = U_tan, space, n
        self.free = U_tan is None or space == "free"
        k = 0 if self.free else U_tan.shape[-1]
        self.dim = n if self.free else k if space == "on" else n - k  # dim S

    def rows(self, idx: torch.Tensor) -> Subspace:
        """S at the samples idx only (per-sample bases are indexed; a shared basis is kept)."""
        if self.free or self.U_tan.ndim == 2:
            return self
        return Subspace(self.U_tan[idx], self.space, self.n)

    def tangent(self, d: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        """P_T d = U_tan (U_tan^T d).   d: (M, n), idx: which samples' bases (None: all) -> (M, n)."""
        U = self.U_tan
        if U.ndim == 2:
            return (d @ U) @ U.T  # (M, n)
        U = U if idx is None else U[idx]  # (M, n, k)
        c = torch.einsum("bnk,bn->bk", U, d)  # (M, k): coordinates c = U^T d
        return torch.einsum("bnk,bk->bn", U, c)  # (M, n): P_T d = U c

    def project(self, d: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        """P_S d: d itself (free), P_T d ("on") or P_N d = d - P_T d ("off").   (M, n) -> (M, n)."""
        if self.free:
            return d
        t = self.tangent(d, idx)
        return t if self.space == "on" else d - t

    def left(self, delta: torch.Tensor) -> torch.Tensor:
        """(M,) bool: ‖δ - P_S δ‖ > 1e-4 ‖δ‖, the box clip pushed δ out of S."""
        off = torch.linalg.vector_norm(delta - self.project(delta), dim=1)  # (M,)
        return off > LEFT_TOL * torch.linalg.vector_norm(delta, dim=1)


def subspace_at(projector, space: str, x0: torch.Tensor, shape) -> Subspace:
    """S at the clean rows x0 (N, n), from a manifold projector (None for space="free")."""
    N, n = x0.shape
    if space == "free":
        return Subspace(None, "free", n)
    if projector is None:
        raise ValueError(f"space={space!r} needs a projector (the manifold's tangent space), "
                         "e.g. dmm_edu.manifold.SubspaceProjector(U)")
    has_tensor = callable(getattr(projector, "basis_tensor", None))
    if not (has_tensor or callable(getattr(projector, "basis", None))) or not hasattr(projector, "n"):
        raise TypeError("projector must be a dmm_edu.manifold Projector (with n and basis(x) or basis_tensor(x)), "
                        f"e.g. SubspaceProjector(U); got {_describe(projector)}")
    if projector.n != n:
        raise ValueError(f"projector={projector!r} works in dimension {projector.n}; x has {n} features per "
                         f"sample (shape {tuple(shape)} flattened)")
    if has_tensor:
        U = projector.basis_tensor(x0.reshape(N, *shape))  # (N, n, k) on x's device
    else:
        U = projector.basis(x0.cpu().numpy())  # (n, k) shared or (N, n, k)
    U = U if isinstance(U, torch.Tensor) else torch.tensor(np.asarray(U))  # a copy: numpy bases may be read-only
    U = U.to(device=x0.device, dtype=x0.dtype)
    ok = (U.ndim == 2 and U.shape[0] == n) or (U.ndim == 3 and U.shape[:2] == (N, n))
    if not ok or not 1 <= U.shape[-1] <= n:
        raise ValueError(f"projector={projector!r} returned a basis of shape {tuple(U.shape)}; expected ({n}, k) "
                         f"or ({N}, {n}, k) with 1 <= k <= {n}")
    return Subspace(U, space, n)
