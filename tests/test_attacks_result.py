"""AttackResult: summaries over successful samples only, on numpy arrays and on torch tensors."""

import numpy as np
import pytest

from dmm_edu.attacks import AttackResult, is_torch_model


def _result(lib):
    norm = lib.asarray([0.5, 9.0, 0.1, 0.3]) if lib is np else lib.tensor([0.5, 9.0, 0.1, 0.3])
    success = [True, False, True, True]
    success = np.array(success) if lib is np else lib.tensor(success)
    x = np.zeros((4, 3)) if lib is np else lib.zeros(4, 3)
    return AttackResult(x_adv=x, delta=x, success=success, norm=norm, steps=x[:, 0])


def test_median_norm_ignores_failed_samples():
    r = _result(np)
    assert r.median_norm() == pytest.approx(0.3)  # the failed 9.0 would make it 0.4
    assert r.success_rate == pytest.approx(0.75)
    assert np.isnan(r.left_subspace_rate)  # not a restricted attack


@pytest.mark.torch
def test_tensor_fields_summarise_and_convert_like_numpy():
    torch = pytest.importorskip("torch")
    r = _result(torch)
    assert r.median_norm() == pytest.approx(0.3)
    assert r.success_rate == pytest.approx(0.75)
    r.left_subspace = torch.tensor([True, False, False, False])
    assert r.left_subspace_rate == pytest.approx(0.25)
    n = r.numpy()
    assert all(isinstance(getattr(n, f), np.ndarray) for f in ("x_adv", "delta", "success", "norm", "steps"))
    assert n.trajectory is None
    assert is_torch_model(torch.nn.Linear(2, 2)) and not is_torch_model(object())


@pytest.mark.torch
def test_one_name_serves_both_tracks():
    torch = pytest.importorskip("torch")
    from dmm_edu.attacks import PGD, deepfool, pgd
    from dmm_edu.attacks.torch_track import PGD as TorchPGD
    from dmm_edu.numpy_nn import MLP
    from dmm_edu.torch_nn.convert import from_numpy_mlp

    rng = np.random.default_rng(0)
    net = MLP([4, 8, 3], "relu", c=1.41, rng=rng, dtype=np.float64)
    x = rng.uniform(0.2, 0.8, size=(6, 4))
    y = net.predict(x)
    on_numpy = pgd(net, x, y, 0.1, steps=5, norm="l2", bounds=(0.0, 1.0), loss="cross_entropy")
    on_torch = pgd(from_numpy_mlp(net), torch.from_numpy(x), torch.from_numpy(y), 0.1, steps=5, norm="l2",
                   bounds=(0.0, 1.0), loss="cross_entropy")  # the numpy_nn loss names work on both tracks
    assert isinstance(on_numpy.x_adv, np.ndarray) and isinstance(on_torch.x_adv, torch.Tensor)
    np.testing.assert_allclose(on_torch.numpy().x_adv, on_numpy.x_adv, atol=1e-9)
    assert isinstance(deepfool(from_numpy_mlp(net), torch.from_numpy(x)).norm, torch.Tensor)
    assert PGD is TorchPGD
    with pytest.raises(TypeError, match="clip= and bounds="):  # the old name and the new one at once
        pgd(from_numpy_mlp(net), torch.from_numpy(x), torch.from_numpy(y), 0.1, clip=(0, 1), bounds=(0, 1))
