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
