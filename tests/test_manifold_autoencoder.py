"""Tangent spaces from an autoencoder's decoder Jacobian, and PCA on images (dmm_edu.manifold)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
# torch's forward-mode AD scripts some decompositions on first use and warns about torch.jit.script itself
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread"),
              pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")]

from dmm_edu.manifold import PCAProjector, Projector  # noqa: E402
from dmm_edu.manifold.autoencoder import (  # noqa: E402
    AutoencoderProjector,
    decoder_jacobian,
    orthonormal_basis,
    tangent_basis,
)
from dmm_edu.manifold.pca_images import explained_variance_curve, pca_k_for_variance  # noqa: E402
from dmm_edu.torch_nn import MLP, ConvAutoencoder  # noqa: E402



IN_SHAPE, K = (1, 8, 8), 3
N_PIX = math.prod(IN_SHAPE)


def small_ae(seed=0, dtype=torch.float64):
    """A small Softplus autoencoder with non-trivial random weights, float64 for exact checks."""
    return ConvAutoencoder(IN_SHAPE, k=K, channels=(3, 5), generator=torch.Generator().manual_seed(seed)).to(dtype)


def central_differences(decode, z, h=1e-5):
    """J[i, :, j] = (D(z_i + h e_j) - D(z_i - h e_j)) / 2h, flattened outputs; independent of torch.func."""
    N, k = z.shape
    J = torch.empty(N, N_PIX, k, dtype=z.dtype)
    with torch.no_grad():
        for j in range(k):
            e = torch.zeros_like(z)
            e[:, j] = h
            J[:, :, j] = (decode(z + e) - decode(z - e)).reshape(N, -1) / (2 * h)
    return J


class LinearAE(torch.nn.Module):
    """decode(z) = A z + b reshaped to an image; encode(x) = any linear map (the Jacobian ignores it)."""

    def __init__(self, A, b):
        super().__init__()
        self.in_shape, self.k = IN_SHAPE, A.shape[1]
        self.A = torch.nn.Parameter(A)  # (n, k)
        self.b = torch.nn.Parameter(b)  # (n,)

    def encode(self, x):
        return x.reshape(len(x), -1) @ self.A  # (N, k)

    def decode(self, z):
        return (z @ self.A.T + self.b).reshape(-1, *IN_SHAPE)  # (N, C, H, W): D(z) = A z + b


# ---------------------------------------------------------------- the Jacobian
def test_decoder_jacobian_matches_central_differences():
    ae = small_ae(1)
    z = torch.randn(5, K, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    J_dec = decoder_jacobian(ae.decode, z, batch_size=2)
    J_fd = central_differences(ae.decode, z)
    assert J_dec.shape == (5, N_PIX, K) and not J_dec.requires_grad
    rel = float((J_dec - J_fd).abs().max() / J_fd.abs().max())
    assert rel < 1e-5
    # negative control: another decoder's Jacobian is far from these differences, so the check can fail
    other = decoder_jacobian(small_ae(7).decode, z)
    assert float((other - J_fd).abs().max() / J_fd.abs().max()) > 1e-2


def test_linear_decoder_has_jacobian_A_and_tangent_span_A():
    g = torch.Generator().manual_seed(3)
    A = torch.randn(N_PIX, K, generator=g, dtype=torch.float64)
    ae = LinearAE(A, torch.randn(N_PIX, generator=g, dtype=torch.float64))
    x = torch.rand(6, *IN_SHAPE, generator=g, dtype=torch.float64)
    J_dec = decoder_jacobian(ae.decode, ae.encode(x).detach())
    torch.testing.assert_close(J_dec, A.expand(6, N_PIX, K), rtol=0, atol=1e-12)
    U_tan = tangent_basis(ae, x)  # (N, n, K)
    P_A = A @ torch.linalg.pinv(A)  # (n, n): the orthogonal projector onto span(A)
    for U in U_tan:
        torch.testing.assert_close(U @ U.T, P_A, rtol=0, atol=1e-10)


def test_rank_deficient_jacobian_is_reported():
    g = torch.Generator().manual_seed(4)
    A = torch.randn(N_PIX, K, generator=g, dtype=torch.float64)
    A[:, 2] = A[:, 0] - 2 * A[:, 1]  # rank 2 < k = 3
    ae = LinearAE(A, torch.zeros(N_PIX, dtype=torch.float64))
    with pytest.warns(RuntimeWarning, match="rank-deficient"):
        tangent_basis(ae, torch.rand(2, *IN_SHAPE, dtype=torch.float64))


def test_orthonormal_basis_spans_the_jacobian():
    J = torch.randn(4, 20, 5, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    U = orthonormal_basis(J)
    torch.testing.assert_close(U.transpose(1, 2) @ U, torch.eye(5, dtype=torch.float64).expand(4, 5, 5))
    torch.testing.assert_close(U @ (U.transpose(1, 2) @ J), J)  # every column of J lies in span(U)


# ---------------------------------------------------------------- tangent_basis and the projector
def test_tangent_basis_shapes_batches_and_mode():
    ae = small_ae(1)
    ae.train()
    x = torch.rand(5, *IN_SHAPE, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    U_a = tangent_basis(ae, x, batch_size=2)
    U_b = tangent_basis(ae, x.reshape(5, -1), batch_size=64)  # flattened rows give the same bases
    assert U_a.shape == (5, N_PIX, K) and U_a.dtype == torch.float64
    torch.testing.assert_close(U_a, U_b, rtol=0, atol=1e-12)
    assert ae.training  # mode restored
    # U_tan spans J_dec at z = E(x)
    J = decoder_jacobian(ae.decode, ae.encode(x).detach())
    torch.testing.assert_close(U_a @ (U_a.transpose(1, 2) @ J), J)


def test_float32_autoencoder_gives_float32_tensor_and_float64_numpy_bases():
    ae = small_ae(2, dtype=torch.float32)
    P = AutoencoderProjector(ae, batch_size=3)
    x = np.random.default_rng(0).uniform(size=(4, N_PIX))  # (N, n)
    U_t = P.basis_tensor(torch.from_numpy(x).reshape(4, *IN_SHAPE))
    assert U_t.dtype == torch.float32 and U_t.shape == (4, N_PIX, K) and U_t.device == torch.device("cpu")
    U = P.basis(x)
    assert U.dtype == np.float64 and U.shape == (4, N_PIX, K)
    np.testing.assert_allclose(np.swapaxes(U, 1, 2) @ U, np.broadcast_to(np.eye(K), (4, K, K)), atol=1e-12)
    assert P.basis(x[0]).shape == (N_PIX, K)
    np.testing.assert_allclose(U_t.numpy(), U, atol=1e-5)  # same subspace basis up to float32 rounding


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), N=st.integers(1, 4), scale=st.floats(0.1, 100.0))
def test_projector_invariants(seed, N, scale):
    rng = np.random.default_rng(seed)
    P = AutoencoderProjector(small_ae(seed % 3))
    assert isinstance(P, Projector) and P.pointwise and (P.n, P.k) == (N_PIX, K)
    x = rng.uniform(size=(N, N_PIX))  # (N, n) base points
    d = scale * rng.standard_normal((N, N_PIX))  # (N, n) directions
    t, nrm = P.tangent(d, x), P.normal(d, x)
    tol = 1e-10 * scale
    np.testing.assert_allclose(P.tangent(t, x), t, atol=tol)  # P_T P_T d = P_T d
    np.testing.assert_allclose(t + nrm, d, atol=tol)  # P_T d + P_N d = d
    np.testing.assert_allclose(np.sum(t * nrm, axis=1), 0.0, atol=tol * scale)  # P_T d ⟂ P_N d
    U = P.basis(x)
    np.testing.assert_allclose(np.swapaxes(U, 1, 2) @ U, np.broadcast_to(np.eye(K), (N, K, K)), atol=1e-12)


def test_bad_input():
    ae = small_ae()
    z = torch.zeros(2, K, dtype=torch.float64)
    with pytest.raises(TypeError, match="decode must be callable"):
        decoder_jacobian("decoder", z)
    with pytest.raises(ValueError, match="z must be a float tensor"):
        decoder_jacobian(ae.decode, torch.zeros(K, dtype=torch.float64))
    with pytest.raises(ValueError, match="is k = 5 the decoder's latent size"):
        decoder_jacobian(ae.decode, torch.zeros(2, 5, dtype=torch.float64))
    with pytest.raises(TypeError, match="encode"):
        tangent_basis(MLP(IN_SHAPE, generator=torch.Generator()), torch.zeros(1, *IN_SHAPE))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        AutoencoderProjector(lambda x: x)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 8, 8\) or \(N, 64\)"):
        tangent_basis(ae, torch.zeros(2, 1, 28, 28, dtype=torch.float64))
    with pytest.raises(TypeError, match="float torch tensor"):
        tangent_basis(ae, np.zeros((2, N_PIX)))
    with pytest.raises(ValueError, match="batch_size=0"):
        tangent_basis(ae, torch.zeros(2, N_PIX, dtype=torch.float64), batch_size=0)
    P = AutoencoderProjector(ae)
    with pytest.raises(ValueError, match="x is required"):
        P.basis()
    with pytest.raises(ValueError, match=r"shape \(64,\) or \(N, 64\)"):
        P.basis(np.zeros((2, 10)))


# ---------------------------------------------------------------- PCA on images
def low_rank_images(N, r, noise, rng):
    """Images (N, 1, 28, 28) = mean + B c + noise with an orthonormal B (784, r) and c ~ N(0, I_r)."""
    B = np.linalg.qr(rng.standard_normal((784, r)))[0]  # (n, r)
    X = 0.5 + rng.standard_normal((N, r)) @ B.T + noise * rng.standard_normal((N, 784))  # (N, n)
    return X.reshape(N, 1, 28, 28), B


def test_pca_on_flattened_images_recovers_the_subspace(rng):
    x, B = low_rank_images(500, 5, 0.01, rng)
    P = PCAProjector(x.reshape(len(x), -1), k=5)  # PCA works on flattened images (N, n)
    # Davis-Kahan: ||U U^T - B B^T||_2 <~ ||noise covariance estimate|| / eigengap ~ 0.01 * sqrt(784 / 500) << 0.1
    assert np.linalg.norm(P.U @ P.U.T - B @ B.T, 2) < 0.1
    assert P.captured > 0.95  # signal variance 5 vs noise variance 784 * 1e-4 = 0.08


def test_explained_variance_curve_and_k_for_variance(rng):
    x, _ = low_rank_images(300, 5, 0.01, rng)
    c = explained_variance_curve(x)
    assert c.shape == (300,) and np.all(np.diff(c) >= -1e-12) and c[-1] == pytest.approx(1.0)
    # equal signal variances: top 4 keep about 4/5.08 < 0.9 of the variance, top 5 about 5/5.08 > 0.9
    assert pca_k_for_variance(x, 0.9) == 5
    assert pca_k_for_variance(x.reshape(300, -1), 1.0) <= 300
    with pytest.raises(ValueError, match="fraction=1.5"):
        pca_k_for_variance(x, 1.5)
    with pytest.raises(ValueError, match="zero variance"):
        explained_variance_curve(np.ones((4, 1, 2, 2)))
    with pytest.raises(ValueError, match="N >= 2"):
        explained_variance_curve(np.ones((1, 4)))
