"""The thread policy: how many threads torch and BLAS use in each process, decided in one place.

Why it matters. torch and the BLAS under numpy start as many threads as the machine has cores, in
every process. Two processes on two cores then run four threads that wait for each other, and a
machine busy with other work makes it worse: the same computation costs several times the
CPU-seconds. And a reduction split over a different number of threads adds its terms in a
different order, so a float result changes in its last bits, and a training run that starts from
a different last bit ends in a different place (measured: E9's PGD success 0.013 vs 0.020).

The policy. An experiment computes with `threads()` threads per process: 1 unless
`$DMM_EDU_THREADS` says otherwise. With one thread a result is the same whatever the machine's core
count or load. Parallel work uses processes, never more than `workers(jobs)` of them, so that
processes × threads stays within the cores this process may use (`available_cores`). The thread
count is recorded in every result's provenance and is part of its cache key: a result computed
with DMM_EDU_THREADS=4 never stands in for one computed with 1.

Use `limit(n)` around work (it restores the previous settings afterwards), `apply(n)` at the start
of a worker process, and `worker_env(n)` for a subprocess.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

ENV_VAR = "DMM_EDU_THREADS"
CORES_VAR = "DMM_EDU_CORES"  #: set by `pool` for its workers: the cores each one may use for nested work
DEFAULT = 1  #: threads per process unless `$DMM_EDU_THREADS` is set: results independent of the machine
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")  #: read by BLAS/OpenMP at start-up


def available_cores() -> int:
    """The cores this process may use: its CPU affinity where the OS reports one (else the core count),
    at most `$DMM_EDU_CORES` (which `pool` sets in its workers, so that work they start in turn does
    not oversubscribe the machine)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not every OS has affinity
        cores = os.cpu_count() or 1
    budget = os.environ.get(CORES_VAR)
    if budget not in (None, ""):
        cores = min(cores, check_threads(CORES_VAR, budget, "cores"))
    return max(1, cores)


def check_threads(name: str, value, what: str = "threads") -> int:
    """`value` as a positive int count of `what`; ValueError naming `name` otherwise (a string is parsed)."""
    raw = value
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={raw!r} is not accepted; expected a whole number of {what} >= 1")
    return value


def check_environment() -> None:
    """ValueError naming the variable if `$DMM_EDU_THREADS` or `$DMM_EDU_CORES` is set to something unusable
    (the command line checks this before any work)."""
    threads()
    available_cores()


def threads() -> int:
    """Threads per process: `$DMM_EDU_THREADS` if set (ValueError if it is not a whole number >= 1), else 1."""
    raw = os.environ.get(ENV_VAR)
    return DEFAULT if raw in (None, "") else check_threads(ENV_VAR, raw)


def workers(jobs: int, n_threads: int | None = None) -> int:
    """How many processes to run `jobs` independent jobs in: at most one per job, and processes ×
    threads within `available_cores()` (at least 1)."""
    n_threads = threads() if n_threads is None else check_threads("n_threads", n_threads)
    return max(1, min(int(jobs), available_cores() // n_threads))


def apply(n: int | None = None) -> int:
    """Set this process's torch and BLAS/OpenMP thread counts to `n` (default `threads()`); returns n.

    For the start of a worker process. A torch already imported is set directly; one imported later
    reads the thread variables set here (torch is not imported here: a result records torch's
    version only when its experiment used torch).
    """
    n = threads() if n is None else check_threads("n", n)
    for var in THREAD_VARS:  # subprocesses this process starts inherit it
        os.environ[var] = str(n)
    os.environ[ENV_VAR] = str(n)
    _set_blas(n)
    _set_torch(n)
    return n


@contextlib.contextmanager
def limit(n: int | None = None) -> Iterator[int]:
    """Run a block with `n` torch and BLAS threads (default `threads()`), restoring the previous counts.

    A torch first imported inside the block reads the thread variables set here, and keeps `n`
    threads afterwards (there is no earlier count to restore).
    """
    n = threads() if n is None else check_threads("n", n)
    torch = _torch()
    before = torch.get_num_threads() if torch is not None else None
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    os.environ.update({var: str(n) for var in THREAD_VARS})
    with _blas_limits(n):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield n
        finally:
            if torch is not None:
                torch.set_num_threads(before)
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value


def _start_worker(n: int, cores: int) -> None:
    os.environ[CORES_VAR] = str(cores)
    apply(n)


def pool(jobs: int, n_threads: int | None = None):
    """A process pool for `jobs` independent jobs within the policy, or None when one process is all the
    budget allows (run the jobs in this process then).

    `workers(jobs)` processes, each started with `apply(n_threads)` and a core budget of its share of
    `available_cores()`, so a job that starts a pool of its own gets one worker per spare core (none on
    a machine the outer pool fills). Processes are spawned, not forked: a fork of a process whose torch
    or BLAS threads are running can deadlock.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n_threads = threads() if n_threads is None else check_threads("n_threads", n_threads)
    n_workers = workers(jobs, n_threads)
    if n_workers <= 1:
        return None
    share = max(1, available_cores() // n_workers)
    return ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(n_threads, share))


def worker_env(n: int | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a subprocess that follows the policy with `n` threads (default `threads()`)."""
    n = threads() if n is None else check_threads("n", n)
    env = dict(os.environ if base is None else base)
    env.update({var: str(n) for var in THREAD_VARS}, **{ENV_VAR: str(n)})
    return env


def _torch():
    import sys

    return sys.modules.get("torch")  # only a torch that is already in use needs limiting


def _set_torch(n: int) -> None:
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(n)


def _blas_limits(n: int):
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n)


def _set_blas(n: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n)  # process-wide from here on
