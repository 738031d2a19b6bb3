import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dmm_edu import threads


_SESSION_CACHE: list[Path] = []  #: the session folder this process made (and removes at the end)
SESSION_VAR = "DMM_EDU_TEST_SESSION_CACHE"  #: set for the test workers: one session folder for all of them


def pytest_configure(config):
    """The thread policy for the whole session (this process and every subprocess it starts: one
    torch/BLAS thread each unless $DMM_EDU_THREADS says otherwise), and the caches: the run-wide
    results cache is fixed first (tests/smoke_runs.py: the dmm_edu cache as the session found it),
    then $DMM_EDU_CACHE points at a folder of this session whose results/ is that cache, so experiment
    results are shared while renders, decks, labs and downloads stay the session's own (one folder
    for all the session's test workers: the controller makes it before they start)."""
    from smoke_runs import run_cache

    threads.apply()
    results = run_cache()
    if os.environ.get(SESSION_VAR):  # a test worker (pytest-xdist): its controller made the session's folder
        return
    results.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="dmm-edu-test-cache-"))
    (root / "results").symlink_to(results.resolve(), target_is_directory=True)
    os.environ["DMM_EDU_CACHE"] = str(root)  # the workers, started after this, inherit it
    os.environ[SESSION_VAR] = str(root)
    _SESSION_CACHE.append(root)


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: as many worker processes as the thread policy allows (one per usable core at one thread)."""
    return threads.workers(10**6)


def pytest_unconfigure(config):
    for root in _SESSION_CACHE:
        shutil.rmtree(root, ignore_errors=True)  # the results link is removed, not followed
        os.environ.pop(SESSION_VAR, None)


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
