"""Restricted torch-track attacks: the projections onto the tangent and normal spaces, attacks
that stay in them, the box clip that can push δ out (reported in left_subspace), per-sample and
torch-native tangent bases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from dmm_edu.attacks.torch_track import deepfool, pgd  # noqa: E402
from dmm_edu.attacks.torch_track._subspace import Subspace, subspace_at  # noqa: E402
from dmm_edu.manifold import PointwiseProjector, Projector, SubspaceProjector  # noqa: E402
from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402

seeds = st.integers(0, 10_000)


def basis(seed, n, k, N=None):
    """Orthonormal U (n, k), or one per sample (N, n, k), in float64."""
    A = torch.randn(*(() if N is None else (N,)), n, k, generator=torch.Generator().manual_seed(seed),
                    dtype=torch.float64)
    return torch.linalg.qr(A)[0]


def net(n, C, seed):
    return from_numpy_mlp(MLP([n, 16, C], "tanh", c=1.5, rng=np.random.default_rng(seed)))


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(2, 9), data=st.data(), per_sample=st.booleans())
def test_projections_are_idempotent_complementary_and_orthogonal(seed, n, data, per_sample):
    k = data.draw(st.integers(1, n))
    U = basis(seed, n, k, 5 if per_sample else None)
    T, N = Subspace(U, "on", n), Subspace(U, "off", n)
    d = randn(seed + 1, 5, n)
    t, m = T.project(d), N.project(d)
    torch.testing.assert_close(T.project(t), t, rtol=0, atol=1e-12)  # P_T P_T = P_T
    torch.testing.assert_close(N.project(m), m, rtol=0, atol=1e-12)
    torch.testing.assert_close(t + m, d, rtol=0, atol=1e-12)  # P_T + P_N = I
    torch.testing.assert_close((t * m).sum(1), torch.zeros(5, dtype=torch.float64), rtol=0, atol=1e-12)
    assert (T.dim, N.dim) == (k, n - k)
    idx = torch.tensor([3, 0])  # rows of a per-sample basis follow the samples
    torch.testing.assert_close(T.project(d[idx], idx), t[idx], rtol=0, atol=1e-12)
    torch.testing.assert_close(T.rows(idx).project(d[idx]), t[idx], rtol=0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=seeds, k=st.integers(1, 7), start=st.booleans(), eps=st.floats(0.1, 3.0))
def test_restricted_pgd_stays_in_its_subspace_without_a_box(seed, k, start, eps):
    n = 8
    proj = SubspaceProjector(basis(seed, n, k).numpy())
    model = net(n, 3, seed)
    x = randn(seed, 10, n)
    y = model(x).argmax(1)
    rng = torch.Generator().manual_seed(seed)
    U = torch.tensor(proj.U)
    on = pgd(model, x, y, eps, steps=5, norm="l2", space="on", projector=proj, random_start=start, rng=rng,
             bounds=None)
    off = pgd(model, x, y, eps, steps=5, norm="l2", space="off", projector=proj, random_start=start, rng=rng,
              bounds=None)
    torch.testing.assert_close(on.delta - on.delta @ U @ U.T, torch.zeros_like(x), rtol=0, atol=1e-12)
    torch.testing.assert_close(off.delta @ U, torch.zeros(10, k, dtype=torch.float64), rtol=0, atol=1e-12)
    assert torch.all(on.norm <= eps * (1 + 1e-6)) and torch.all(off.norm <= eps * (1 + 1e-6))
    assert not on.left_subspace.any() and not off.left_subspace.any()
    if k < n:  # the normal space is not {0}: the attack does move
        assert torch.all(off.norm > 0)


def test_the_box_clip_can_push_delta_out_of_the_subspace_and_is_reported():
    n, k = 8, 2
    proj = SubspaceProjector(basis(0, n, k).numpy())
    U = torch.tensor(proj.U)
    model = net(n, 3, 1)
    x = torch.rand(200, n, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    x[:100] = x[:100].round()  # on the corners of the box: most moves in S leave it
    y = model(x).argmax(1)
    res = pgd(model, x, y, 0.5, steps=5, norm="l2", space="on", projector=proj, bounds=(0.0, 1.0))
    off_part = (res.delta - res.delta @ U @ U.T).norm(dim=1)
    assert torch.equal(res.left_subspace, off_part > 1e-4 * res.norm)
    assert res.left_subspace[:100].float().mean() > 0.5 and not res.left_subspace[100:].all()
    assert 0 < res.left_subspace_rate < 1
    assert res.x_adv.min() >= 0 and res.x_adv.max() <= 1
    assert pgd(model, x, y, 0.5, steps=2, norm="l2").left_subspace is None  # free attacks have no S


def test_restricted_random_start_is_uniform_in_the_subspace_ball():
    """With zero gradient the random start is all there is: (radius / eps)^(dim S) should be U(0, 1)."""
    n, k = 6, 2
    proj = SubspaceProjector(basis(1, n, k).numpy())
    model = torch.nn.Linear(n, 3, dtype=torch.float64)
    with torch.no_grad():
        model.weight.zero_()
    x = randn(0, 4000, n)
    y = torch.zeros(4000, dtype=torch.int64)
    g = torch.Generator().manual_seed(0)
    for space, dim in [("on", k), ("off", n - k), ("free", n)]:
        res = pgd(model, x, y, 2.0, steps=1, norm="l2", space=space, projector=proj, random_start=True, rng=g,
                  bounds=None)
        u = (res.norm / 2.0) ** dim
        assert abs(float(u.mean()) - 0.5) < 0.02 and abs(float(u.median()) - 0.5) < 0.03


def test_restricted_deepfool_stays_in_the_subspace_and_costs_more():
    n, k = 12, 3
    proj = SubspaceProjector(basis(2, n, k).numpy())
    U = torch.tensor(proj.U)
    model = from_numpy_mlp(MLP([n, 32, 2], c=1.5, rng=np.random.default_rng(3)))
    x = randn(4, 40, n)
    free = deepfool(model, x)
    on = deepfool(model, x, space="on", projector=proj)
    off = deepfool(model, x, space="off", projector=proj)
    torch.testing.assert_close(on.delta - on.delta @ U @ U.T, torch.zeros_like(x), rtol=0, atol=1e-10)
    torch.testing.assert_close(off.delta @ U, torch.zeros(40, k, dtype=torch.float64), rtol=0, atol=1e-10)
    both = free.success & on.success & off.success
    assert both.float().mean() > 0.5
    # restricting the directions can only make the minimal perturbation longer (up to DeepFool's slack)
    assert torch.all(on.norm[both] >= 0.95 * free.norm[both]) and torch.all(off.norm[both] >= 0.95 * free.norm[both])
    assert not on.left_subspace.any() and free.left_subspace is None


def test_per_sample_bases_follow_their_samples():
    """A pointwise projector gives one tangent space per clean x; each sample's δ stays in its own."""
    n, k, N = 6, 2, 12
    Us = basis(5, n, k, N)  # (N, n, k)
    x = randn(6, N, n)
    lookup = {tuple(np.round(xi, 12)): Ui for xi, Ui in zip(x.numpy(), Us.numpy())}
    proj = PointwiseProjector(lambda xs: np.stack([lookup[tuple(np.round(xi, 12))] for xi in xs]), n, k)
    model = net(n, 3, 7)
    y = model(x).argmax(1)
    for res in (pgd(model, x, y, 1.0, steps=4, norm="l2", space="on", projector=proj, bounds=None),
                deepfool(model, x, space="on", projector=proj)):
        inside = torch.einsum("bnk,bk->bn", Us, torch.einsum("bnk,bn->bk", Us, res.delta))  # P_T δ per sample
        torch.testing.assert_close(inside, res.delta, rtol=0, atol=1e-10)
        assert torch.all(res.norm > 0)


class TensorProjector(Projector):
    """A torch-native projector (like an autoencoder's): basis_tensor(x) -> (N, n, k) on x's device."""

    def __init__(self, U):
        self.U, self.n, self.k, self.calls = U, U.shape[0], U.shape[1], 0

    def basis(self, x=None):
        raise AssertionError("the attacks must use basis_tensor when a projector has it")

    def basis_tensor(self, x):
        self.calls += 1
        return self.U.expand(x.shape[0], *self.U.shape)


def test_a_projector_with_basis_tensor_is_used_once_at_the_clean_x():
    n = 5
    U = basis(8, n, 2)
    proj = TensorProjector(U)
    model = net(n, 3, 9)
    x = randn(9, 7, n)
    y = model(x).argmax(1)
    res = pgd(model, x, y, 0.5, steps=6, norm="l2", space="off", projector=proj, bounds=None)
    assert proj.calls == 1
    torch.testing.assert_close(res.delta @ U, torch.zeros(7, 2, dtype=torch.float64), rtol=0, atol=1e-12)
    ref = pgd(model, x, y, 0.5, steps=6, norm="l2", space="off", projector=SubspaceProjector(U.numpy()), bounds=None)
    torch.testing.assert_close(res.x_adv, ref.x_adv, rtol=0, atol=1e-12)


def test_subspace_at_checks_the_basis_shape():
    class Bad(TensorProjector):
        def basis_tensor(self, x):
            return torch.zeros(3, 3)

    x = randn(0, 4, 5)
    with pytest.raises(ValueError, match=r"returned a basis of shape \(3, 3\); expected \(5, k\) or \(4, 5, k\)"):
        subspace_at(Bad(basis(0, 5, 2)), "on", x, (5,))
