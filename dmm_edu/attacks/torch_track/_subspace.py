"""The subspace S a restricted attack moves in: the tangent space T (space="on") or the normal
space N (space="off") of the data manifold at each clean input.

With an orthonormal tangent basis U_tan (n, k), shared or one per sample (N, n, k),

    P_T d = U_tan U_tan^T d,        P_N d = d - P_T d,

and dim T = k, dim N = n - k. The projections are `dmm_edu.manifold.frames`' (the one projector
of the package, for numpy and torch alike); the basis is taken once, at the clean x, by
`frames_at` (a torch projector's `basis_tensor(x)`, e.g. an autoencoder's decoder Jacobian, else
its numpy `basis(x)`). This module only adds what an attack needs on top: which space, its
dimension, and whether the box clip pushed δ out of it. Book page: "On- vs off-manifold perturbations".
"""

from __future__ import annotations

import torch

from dmm_edu.attacks._common import LEFT_TOL  # δ has left S when ‖δ - P_S δ‖ > LEFT_TOL · ‖δ‖ (both tracks)
from dmm_edu.manifold.frames import frames_at, project, tangent_part


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
        return tangent_part(self.U_tan, d, idx)

    def project(self, d: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        """P_S d: d itself (free), P_T d ("on") or P_N d = d - P_T d ("off").   (M, n) -> (M, n)."""
        return d if self.free else project(self.U_tan, d, self.space, idx)

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
    frames = frames_at(projector, x0.reshape(N, *shape))  # evaluated once, at the clean points
    return Subspace(frames.basis_tensor(dtype=x0.dtype, device=x0.device), space, n)
