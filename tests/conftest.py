import numpy as np
import pytest

from dmm_edu import threads


def pytest_configure(config):
    """The thread policy for the whole session (this process and every subprocess it starts: one
    torch/BLAS thread each unless $DMM_EDU_THREADS says otherwise), and the run-wide results cache
    fixed before any test can point $DMM_EDU_CACHE elsewhere (tests/smoke_runs.py)."""
    from smoke_runs import run_cache

    threads.apply()
    run_cache()


@pytest.fixture
def rng():
    """A fresh, seeded generator per test (tests never rely on global random state)."""
    return np.random.default_rng(12345)


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch, rng):
    """A tiny learnable MNIST behind a file:// mirror and an empty cache: the `full` profiles' path, offline."""
    from data_fixtures import serve_fake_mnist

    return serve_fake_mnist(tmp_path, monkeypatch, rng)


@pytest.fixture(scope="module")
def torch_one_thread():
    """torch on one intra-op thread for a test module, restored afterwards: tiny models gain nothing from
    threads, and on a busy machine threads that wait for each other make them many times slower."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
