"""Tangent spaces of a learned image manifold: the decoder Jacobian of an autoencoder at E(x).

An autoencoder with latent size k describes the images as a k-dimensional manifold {D(z)}. At an
image x its tangent space is spanned by the k columns of J_dec = dD/dz at z = E(x), an (n, k)
matrix; a reduced QR J_dec = U_tan R gives an orthonormal basis U_tan, and P_T d = U_tan U_tan^T d
(Karner's protocol for the paper's on-/off-manifold attacks, experiment E7). J_dec is computed by
forward-mode differentiation (torch.func.jacfwd, k Jacobian-vector products, vmapped over the
batch) instead of n backward passes. Book page: "On- vs off-manifold
perturbations" (the paper's protocol).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.func import jacfwd, vmap

from dmm_edu._checks import check_positive_int
from dmm_edu.manifold.projectors import _PointwiseBase


def _check_z(z) -> torch.Tensor:
    if not isinstance(z, torch.Tensor) or not z.is_floating_point() or z.ndim != 2 or z.shape[0] == 0:
        got = f"tensor of shape {tuple(z.shape)} and dtype {z.dtype}" if isinstance(z, torch.Tensor) else repr(z)
        raise ValueError(f"z must be a float tensor of latent codes with shape (N, k), N >= 1; got {got}")
    return z


@torch.no_grad()
def decoder_jacobian(decode: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor, *,
                     batch_size: int = 64) -> torch.Tensor:
    """J_dec[i] = dD/dz at z[i], the decoder output flattened: z (N, k) -> J_dec (N, n, k).

    decode: z (B, k) -> outputs (B, ...) with n = prod(...) numbers per sample (images
    (B, C, H, W) are flattened in C, H, W order). Computed `batch_size` codes at a time by
    vmap(jacfwd(D_i)), where D_i maps one code z_i (k,) to D(z_i) (n,): k forward-mode passes per
    batch instead of n backward passes. The result has no autograd history.
    """
    if not callable(decode):
        raise TypeError(f"decode must be callable z (N, k) -> (N, ...); got {decode!r}")
    z = _check_z(z)  # (N, k)
    batch_size = check_positive_int("batch_size", batch_size)
    try:
        probe = decode(z[:1])  # (1, ...): does decode accept these codes?
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"decode could not be applied to z of shape {tuple(z.shape)} (is k = {z.shape[1]} the "
                         f"decoder's latent size?): {exc}") from exc
    if not isinstance(probe, torch.Tensor) or probe.ndim < 1 or probe.shape[0] != 1:
        raise ValueError(f"decode must return a tensor (N, ...) with one row per code; for z[:1] it returned "
                         f"{tuple(probe.shape) if isinstance(probe, torch.Tensor) else type(probe).__name__}")

    def D_i(z_i: torch.Tensor) -> torch.Tensor:  # one code z_i: (k,) -> D(z_i) flattened: (n,)
        return decode(z_i[None]).reshape(-1)

    J = [vmap(jacfwd(D_i))(z[s : s + batch_size]) for s in range(0, z.shape[0], batch_size)]  # (B, n, k) each
    return torch.cat(J)  # (N, n, k): J_dec[i, a, j] = dD_a / dz_j at z_i


def orthonormal_basis(J_dec: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """U_tan from the reduced QR J_dec = U_tan R: (N, n, k) -> (N, n, k) with U_tan^T U_tan = I.

    The QR runs in float64 (exact orthonormality), the result is cast to `dtype` (default: J_dec's).
    span(U_tan) = span(J_dec) when J_dec has full rank k; if its rank r < k (a decoder that ignores a
    latent direction), the remaining k - r columns are arbitrary orthonormal directions outside
    the tangent space. That is detected from R (rank(J_dec) < k iff some R_jj = 0) and reported
    with a RuntimeWarning.
    """
    Q, R = torch.linalg.qr(J_dec.double(), mode="reduced")  # Q: (N, n, k), R: (N, k, k)
    r_diag = R.diagonal(dim1=-2, dim2=-1).abs()  # (N, k): |R_jj|
    n = J_dec.shape[-2]
    tol = r_diag.amax(dim=-1, keepdim=True) * n * torch.finfo(J_dec.dtype).eps  # like numpy's matrix_rank
    deficient = int((r_diag <= tol).any(dim=-1).sum())
    if deficient:
        warnings.warn(f"the decoder Jacobian is rank-deficient (rank < k = {J_dec.shape[-1]}) at {deficient} of "
                      f"{J_dec.shape[0]} points; there span(U_tan) is larger than the tangent space",
                      RuntimeWarning, stacklevel=2)
    return Q.to(J_dec.dtype if dtype is None else dtype)


def _check_autoencoder(ae) -> nn.Module:
    if not isinstance(ae, nn.Module) or not callable(getattr(ae, "encode", None)) \
            or not callable(getattr(ae, "decode", None)):
        raise TypeError(f"ae must be a torch.nn.Module with encode(x) -> z (N, k) and decode(z) methods, e.g. "
                        f"dmm_edu.torch_nn.ConvAutoencoder; got {type(ae).__name__}")
    if next(ae.parameters(), None) is None:
        raise ValueError(f"ae ({type(ae).__name__}) has no parameters; cannot tell its device and dtype")
    return ae


def _images(ae: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """x as images (N, *ae.in_shape): accepts (N, C, H, W) or flattened rows (N, n)."""
    in_shape = tuple(getattr(ae, "in_shape", ()))
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a float torch tensor; got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, torch.Tensor) else ""))
    if not in_shape:
        if x.ndim != 4:
            raise ValueError(f"x must have shape (N, C, H, W); got {tuple(x.shape)}")
        return x
    n = math.prod(in_shape)
    if x.ndim == 2 and x.shape[1] == n:
        return x.reshape(-1, *in_shape)  # (N, n) -> (N, C, H, W)
    if tuple(x.shape[1:]) == in_shape:
        return x
    raise ValueError(f"x must have shape (N, {', '.join(map(str, in_shape))}) or (N, {n}) for this autoencoder; "
                     f"got {tuple(x.shape)}")


@torch.no_grad()
def tangent_basis(ae: nn.Module, x: torch.Tensor, *, batch_size: int = 64,
                  dtype: torch.dtype | None = None) -> torch.Tensor:
    """U_tan at each image: QR of J_dec at z = E(x); x (N, C, H, W) or (N, n) -> U_tan (N, n, k).

    ae: an autoencoder with encode (N, C, H, W) -> (N, k) and decode (N, k) -> (N, C, H, W)
    (e.g. dmm_edu.torch_nn.ConvAutoencoder). Runs on the autoencoder's device in eval mode (the
    mode is restored), `batch_size` images at a time; the result is on that device with `dtype`
    (default: the autoencoder's). See `orthonormal_basis` for what a rank-deficient J_dec means.
    """
    ae = _check_autoencoder(ae)
    batch_size = check_positive_int("batch_size", batch_size)
    p = next(ae.parameters())
    x = _images(ae, x).to(device=p.device, dtype=p.dtype)  # (N, C, H, W)
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one image; got N = 0")
    k = getattr(ae, "k", None)
    was_training = ae.training
    ae.eval()
    try:
        U = []
        for s in range(0, x.shape[0], batch_size):
            z = ae.encode(x[s : s + batch_size])  # (B, k): z = E(x)
            if z.ndim != 2 or (k is not None and z.shape[1] != k):
                raise ValueError(f"ae.encode returned shape {tuple(z.shape)}; expected (B, k) with k = {k}")
            J_dec = decoder_jacobian(ae.decode, z, batch_size=batch_size)  # (B, n, k)
            U.append(orthonormal_basis(J_dec, dtype))  # (B, n, k): J_dec = U_tan R
    finally:
        ae.train(was_training)
    return torch.cat(U)  # (N, n, k)


class AutoencoderProjector(_PointwiseBase):
    """Pointwise tangent projector of an autoencoder's manifold: U_tan(x) = QR(J_dec(E(x))).

    n = C * H * W (images are flattened in C, H, W order), k = the latent size. `basis(x)` takes
    numpy x: (N, n) or (n,) and returns float64 numpy U_tan (N, n, k) or (n, k); `basis_tensor(x)`
    takes a torch tensor (N, C, H, W) or (N, n) and returns U_tan (N, n, k) on the autoencoder's
    device (the torch attacks use it). tangent/normal come from Projector: P_T d = U_tan U_tan^T d.
    """

    def __init__(self, ae: nn.Module, *, batch_size: int = 64) -> None:
        self.ae = _check_autoencoder(ae)
        in_shape = getattr(ae, "in_shape", None)
        k = getattr(ae, "k", None)
        if in_shape is None or k is None:
            raise TypeError(f"ae must record its image shape `in_shape` (C, H, W) and latent size `k` (as "
                            f"ConvAutoencoder does); got {type(ae).__name__} without them")
        self.n = math.prod(in_shape)
        self.k = check_positive_int("ae.k", k)
        self.batch_size = check_positive_int("batch_size", batch_size)

    def basis_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """U_tan at x: (N, C, H, W) or (N, n) tensor -> (N, n, k), on the autoencoder's device and dtype."""
        return tangent_basis(self.ae, x, batch_size=self.batch_size)

    def _bases(self, x: np.ndarray) -> np.ndarray:
        x_t = torch.from_numpy(np.ascontiguousarray(x))  # (N, n)
        U = tangent_basis(self.ae, x_t, batch_size=self.batch_size, dtype=torch.float64)  # (N, n, k)
        return U.cpu().numpy()

    def __repr__(self) -> str:
        return f"AutoencoderProjector(n={self.n}, k={self.k}, ae={type(self.ae).__name__})"
