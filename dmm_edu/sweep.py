"""One experiment over many seeds: the spread a single run cannot show.

A number from one seed may be a lucky draw. `sweep` runs an experiment for each of several seeds
(through `run_cached`, so every result lands in the cache and a repeated sweep reads it back), and
`SweepResult.summary()` reports, for each numeric metric, its median over the seeds, its range
(min–max) and on how many seeds it was finite. Nested metrics are named with dots (`n200_k10.baseline`).

Where the seeds run (`backend`):

- "local": in parallel processes on this machine, as many as the thread policy allows
  (`dmm_edu.threads.workers`), each calling `dmm_edu.threads.apply()` at its start. An experiment
  that starts processes of its own (a config field `workers`, as E1 has) counts as that many: the
  sweep runs fewer seeds at once rather than changing the config, so its results are the same cache
  entries a single `run_cached` of that seed would make.
- "dask": one task per seed on an existing Dask cluster (`scheduler`: its address), for readers
  who outgrow one machine (the `cluster` extra). Each worker writes into `cache` if given (a folder
  every worker can reach) or into its own default cache; the Result objects come back to this
  process. A Dask worker process cannot start processes of its own, so an experiment's `workers`
  field is set to 1 there unless the caller set it (that is part of the config, so of the cache key).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from dmm_edu import threads as thread_policy
from dmm_edu.results import Result

BACKENDS = ("local", "dask")


@dataclasses.dataclass(frozen=True)
class MetricSummary:
    """One metric over the seeds: median, min and max of its finite values (NaN if none is finite),
    how many seeds gave a finite value and how many seeds ran."""

    median: float
    min: float
    max: float
    n_finite: int
    n_seeds: int


@dataclasses.dataclass
class SweepResult:
    """The results of one experiment at one profile and config over several seeds.

    experiment: the id ("E3"); profile; seeds: in the order run; overrides: the config fields
    changed from the profile's; results: one `Result` per seed, in the order of `seeds`; workers: the
    processes that computed them on this machine (0 if every seed came from the cache; None on a cluster).
    """

    experiment: str
    profile: str
    seeds: tuple[int, ...]
    overrides: dict[str, Any]
    results: list[Result] = dataclasses.field(repr=False)
    workers: int | None = None

    def values(self) -> dict[str, list[float]]:
        """Each numeric metric (dotted name) -> its value for each seed (NaN where a seed has none)."""
        names: dict[str, None] = {}
        per_seed = []
        for result in self.results:
            flat = dict(flat_numbers(result.metrics))
            per_seed.append(flat)
            names.update(dict.fromkeys(flat))
        return {name: [float(flat.get(name, math.nan)) for flat in per_seed] for name in names}

    def summary(self) -> dict[str, MetricSummary]:
        """Each numeric metric (dotted name) -> its median, range and finite count over the seeds."""
        out = {}
        for name, values in self.values().items():
            finite = [v for v in values if math.isfinite(v)]
            if finite:
                out[name] = MetricSummary(statistics.median(finite), min(finite), max(finite), len(finite), len(values))
            else:
                out[name] = MetricSummary(math.nan, math.nan, math.nan, 0, len(values))
        return out


def flat_numbers(metrics: dict, prefix: str = "") -> Iterator[tuple[str, float]]:
    """(dotted name, number) pairs of a nested metrics dict, in order; lists and booleans are left out."""
    for name, value in metrics.items():
        if isinstance(value, dict):
            yield from flat_numbers(value, f"{prefix}{name}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield f"{prefix}{name}", value


def parse_seeds(text: str) -> range:
    """"A:B" as range(A, B): seeds A, A+1, …, B-1 (B excluded, as in Python); ValueError otherwise."""
    start, sep, stop = str(text).partition(":")
    try:
        seeds = range(int(start), int(stop)) if sep else None
    except ValueError:
        seeds = None
    if seeds is None or seeds.start < 0 or len(seeds) == 0 or len(seeds) > MAX_SEEDS:
        raise ValueError(f"seeds={text!r} is not accepted; expected A:B with 0 <= A < B and at most {MAX_SEEDS} "
                         "seeds, meaning seeds A to B-1 (e.g. 0:10 for ten seeds)")
    return seeds


MAX_SEEDS = 1000  #: one sweep's most seeds: a typo like 0:100000000 is refused, not run for days


def sweep(experiment: str, seeds: Iterable[int], profile: str = "book", overrides: dict[str, Any] | None = None,
          workers: int | None = None, backend: str = "local", cache: str | Path | None = None,
          scheduler: Any = None, progress: Callable[[str], None] | None = None) -> SweepResult:
    """Run `experiment` at `profile` (config fields changed by `overrides`) once per seed, cached.

    seeds: distinct non-negative integers, or "A:B" for A…B-1 (`parse_seeds`). workers: the most seeds
    run at once (default, and at most, what the thread policy allows on this machine; "local" only).
    backend: "local" or "dask" (then `scheduler` is the cluster's address, e.g. "tcp://127.0.0.1:8786",
    or a `distributed.Client`). cache: the results folder (default: the dmm_edu cache's `results/`).
    progress: called with a line as each seed finishes. Everything is checked before any work: the
    experiment, profile, seeds, overrides (`config_for`), workers and backend. A seed that fails
    stops the sweep with RuntimeError naming it; the seeds already done stay in the cache.
    """
    from dmm_edu._checks import check_choice, check_positive_int
    from dmm_edu.experiments.base import check_seed, config_for
    from dmm_edu.experiments.registry import canonical_id

    experiment = canonical_id(experiment)
    backend = check_choice("backend", backend, BACKENDS)
    overrides = dict(overrides or {})
    config = config_for(experiment, profile, **overrides)
    if isinstance(seeds, str):
        seeds = parse_seeds(seeds)  # "0:10"
    seeds = tuple(check_seed(s) for s in seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds={list(seeds)} is not accepted; expected at least one seed, each once")
    if workers is not None:
        workers = check_positive_int("workers", workers)
    thread_policy.threads()  # a bad $DMM_EDU_THREADS fails here, before any work
    inner = getattr(config, "workers", 1)  # processes the experiment starts itself (E1)
    if backend == "dask":
        if scheduler is None:
            raise ValueError("backend='dask' needs scheduler: the address of a running Dask scheduler, "
                             "e.g. tcp://127.0.0.1:8786")
        if workers is not None:
            raise ValueError(f"workers={workers!r} is not accepted with backend='dask': the cluster's workers run "
                             "the seeds; workers is for backend='local'")
        if "workers" in {f.name for f in dataclasses.fields(config)} and "workers" not in overrides:
            overrides["workers"] = 1  # a Dask worker process may not start processes of its own
        return SweepResult(experiment, profile, seeds, overrides,
                           _run_dask(experiment, profile, seeds, overrides, cache, scheduler, progress))
    from dmm_edu.cache import ENV_VAR as CACHE_ENV
    from dmm_edu.cache import results_dir
    from dmm_edu.results import prepare_folder

    prepare_folder(cache if cache is not None else results_dir(), "cache",  # OutputFolderError before any work
                   "" if cache is not None else f" (the default cache; set {CACHE_ENV} to use another folder)")
    results, n = _run_local(experiment, profile, seeds, overrides, cache, local_processes(len(seeds), inner, workers),
                            progress)
    return SweepResult(experiment, profile, seeds, overrides, results, workers=n)


def local_processes(n_seeds: int, inner: int = 1, requested: int | None = None) -> int:
    """How many seeds run at once on this machine: `threads.workers` with each seed counted as `inner`
    processes (an experiment's own `workers`) of `threads()` threads each, at most `requested`."""
    n = thread_policy.workers(n_seeds, thread_policy.threads() * max(1, int(inner)))  # processes × threads ≤ cores
    return min(n, requested or n)


def _one_seed(experiment: str, profile: str, seed: int, overrides: dict, cache, n_threads: int | None = None) -> Result:
    """One seed through the cache; in a worker process, first set its threads (`threads.apply`)."""
    from dmm_edu.experiments.base import run_cached

    if n_threads is not None:
        thread_policy.apply(n_threads)
    return run_cached(experiment, profile, seed, cache=cache, **overrides)


def _cached(experiment: str, profile: str, seed: int, overrides: dict, cache) -> Result | None:
    """The seed's result if the cache holds a usable one (the folder `run_cached` reads), else None: a
    sweep whose seeds are all cached starts no process."""
    from dmm_edu.experiments.base import load_cached

    return load_cached(experiment, profile, seed, cache, **overrides)


def _run_local(experiment, profile, seeds, overrides, cache, n_procs, progress) -> tuple[list[Result], int]:
    """The seeds' results, in order, and how many processes computed them: the cached ones are read
    here, the others run in this process (one process allowed, or one seed left) or in a pool."""
    done: dict[int, Result] = {}
    for seed in seeds:
        result = _cached(experiment, profile, seed, overrides, cache)
        if result is not None:
            done[seed] = result
            _report(progress, seed, len(done), len(seeds), cached=True)
    todo = [s for s in seeds if s not in done]
    n_procs = min(n_procs, len(todo))
    if n_procs <= 1:  # in this process: run_experiment limits the threads and restores them
        for seed in todo:
            try:
                done[seed] = _one_seed(experiment, profile, seed, overrides, cache)
            except Exception as exc:
                raise _failed(seed, exc) from exc
            _report(progress, seed, len(done), len(seeds))
        return [done[s] for s in seeds], n_procs
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    n_threads = thread_policy.threads()
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no torch or BLAS threads forked mid-use
    with ProcessPoolExecutor(max_workers=n_procs, mp_context=context,
                             initializer=thread_policy.apply, initargs=(n_threads,)) as pool:
        futures = {pool.submit(_one_seed, experiment, profile, s, overrides, cache): s for s in todo}
        try:
            for future in as_completed(futures):
                seed = futures[future]
                done[seed] = _result_of(future, seed)
                _report(progress, seed, len(done), len(seeds))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [done[s] for s in seeds], n_procs


def _run_dask(experiment, profile, seeds, overrides, cache, scheduler, progress) -> list[Result]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError("the dask backend needs Dask's distributed scheduler: "
                           "pip install 'dmm-edu[cluster]'") from exc
    import uuid

    from dmm_edu.experiments.registry import get_experiment
    from dmm_edu.results import code_hash

    if isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            client = Client(scheduler, set_as_default=False, timeout=30)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ValueError(f"scheduler={scheduler!r}: no Dask scheduler answered there ({type(exc).__name__}: "
                             f"{exc}); expected the address a running scheduler prints, e.g. tcp://127.0.0.1:8786") \
                from exc
    cache = None if cache is None else str(cache)  # as the workers see it
    tag = uuid.uuid4().hex[:8]  # task keys of this sweep, distinct from any earlier one's
    try:
        futures = {client.submit(_one_seed, experiment, profile, s, overrides, cache, thread_policy.threads(),
                                 key=f"dmm-edu-{experiment}-{profile}-s{s}-{tag}", pure=False): s for s in seeds}
        done: dict[int, Result] = {}
        try:
            for future in as_completed(list(futures), loop=client.loop):
                seed = futures[future]
                done[seed] = _result_of(future, seed)
                _report(progress, seed, len(done), len(seeds))
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if client is not scheduler:
            client.close()
    here = code_hash(get_experiment(experiment).module)
    other = sorted({r.provenance.get("code_hash") for r in done.values()} - {here})
    if other:  # a worker with another dmm_edu made these numbers: they are not this code's results
        raise RuntimeError(f"the cluster's workers run other dmm_edu code (code hash {other}, here {here}); "
                           "install this dmm_edu on every worker")
    return [done[s] for s in seeds]


def _failed(seed: int, exc: Exception) -> RuntimeError:
    return RuntimeError(f"seed {seed} failed: {type(exc).__name__}: {exc} (the seeds already done are cached; "
                        "running the sweep again computes only the others)")


def _result_of(future, seed: int) -> Result:
    try:
        return future.result()
    except Exception as exc:
        raise _failed(seed, exc) from exc


def _report(progress, seed: int, n_done: int, n_total: int, cached: bool = False) -> None:
    if progress is not None:
        progress(f"seed {seed} {'read from the cache' if cached else 'done'} ({n_done}/{n_total})")
