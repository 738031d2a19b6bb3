"""`dmm-edu sweep`: one experiment over a range of seeds, summarised per metric; and `--set`.

    dmm-edu sweep EXPERIMENT --seeds A:B [--profile P] [--set key=value ...] [--workers N] [--json]
    dmm-edu sweep EXPERIMENT --seeds A:B --backend dask --scheduler tcp://HOST:8786 [--cache DIR]

The `--set key=value` option (also on `dmm-edu run`) and its checks live here, shared by both
commands: a wrong field, type or range stops the command before any work, naming `--set`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

PROFILES = ("smoke", "book", "full")

set_option = click.option(
    "--set", "pairs", multiple=True, metavar="KEY=VALUE",
    help="Change one config field (repeatable), e.g. --set n_points=50. Written: numbers as usual, true/false, "
         "none, tuples with commas (0.1,0.2), tuples of pairs with colons (200:10,50:25), a nested field "
         "with a dot (recipe.n_train=500).")


def experiment_id(experiment: str) -> str:
    """The canonical id of an experiment that can run; click's BadParameter on EXPERIMENT otherwise."""
    from dmm_edu.experiments.registry import EXPERIMENTS, canonical_id

    try:
        experiment = canonical_id(experiment)
    except ValueError:
        raise click.BadParameter(f"{experiment!r} is not an experiment; choose one of {', '.join(EXPERIMENTS)} "
                                 "(in any case)", param_hint="EXPERIMENT") from None
    if not EXPERIMENTS[experiment].available:
        raise click.BadParameter(f"{experiment} is planned but not implemented yet (see `dmm-edu list`)",
                                 param_hint="EXPERIMENT")
    return experiment


def overrides_of(experiment: str, profile: str, pairs: tuple[str, ...]) -> dict:
    """The `--set` pairs as checked config overrides (`checked_overrides`); BadParameter on --set otherwise."""
    from dmm_edu.experiments.overrides import checked_overrides

    try:
        return checked_overrides(experiment, profile, pairs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None


@click.command()
@click.argument("experiment")
@click.option("--seeds", "seeds_text", required=True, metavar="A:B",
              help="The seeds, as Python's half-open range: A, A+1, ..., B-1 (B is not included; 0:10 is ten "
                   "seeds, 0 to 9).")
@click.option("--profile", type=click.Choice(PROFILES), default="book", show_default=True,
              help="Size: smoke (seconds), book (what the book shows), full (the paper's scale).")
@set_option
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Most seeds at once on this machine [default, and the most allowed: the cores divided by the "
                   "threads per process ($DMM_EDU_THREADS, 1 by default)].")
@click.option("--backend", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: processes on this machine; dask: one task per seed on a running Dask cluster "
                   "(needs the cluster extra and --scheduler).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --backend dask: the scheduler's address, e.g. tcp://127.0.0.1:8786.")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the results [default: the cache's results/ folder; with --backend dask each worker's "
                   "own, unless this names a folder every worker can reach].")
@click.option("--json", "as_json", is_flag=True, help="Print the summary, and each seed's values, as JSON.")
def sweep(experiment: str, seeds_text: str, profile: str, pairs: tuple[str, ...], workers: int | None,
          backend: str, scheduler: str | None, cache: Path | None, as_json: bool) -> None:
    """Run an experiment for a range of seeds (cached) and print each metric's median, range and finite count.

    Each seed runs through the results cache, so a repeated sweep reads its results back, and a sweep
    that stopped part way computes only the seeds it lacks. For example, ten seeds of the random
    baseline at test size, then the same with one config field changed:

    \b
      dmm-edu sweep E3 --seeds 0:10 --profile smoke
      dmm-edu sweep E3 --seeds 0:10 --profile smoke --set n_points=50
    """
    from dmm_edu.results import OutputFolderError
    from dmm_edu.sweep import parse_seeds
    from dmm_edu.sweep import sweep as run_sweep

    experiment = experiment_id(experiment)
    try:
        seeds = parse_seeds(seeds_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--seeds") from None
    overrides = overrides_of(experiment, profile, pairs)
    if backend == "dask" and not scheduler:
        raise click.BadParameter("--backend dask needs the address of a running Dask scheduler, "
                                 "e.g. tcp://127.0.0.1:8786", param_hint="--scheduler")
    if backend == "local" and scheduler:
        raise click.BadParameter(f"{scheduler!r} is only used with --backend dask", param_hint="--scheduler")
    if backend == "dask" and workers is not None:
        raise click.BadParameter("the cluster's workers run the seeds; --workers is for --backend local",
                                 param_hint="--workers")
    try:
        result = run_sweep(experiment, seeds, profile, overrides, workers=workers, backend=backend, cache=cache,
                           scheduler=scheduler, progress=lambda msg: click.echo(f"  {msg}", err=True))
    except OutputFolderError as exc:
        raise click.BadParameter(str(exc), param_hint="--cache") from exc
    except ValueError as exc:
        if backend != "dask":
            raise
        raise click.BadParameter(str(exc), param_hint="--scheduler") from exc  # no scheduler at that address
    except RuntimeError as exc:  # a seed failed, or the dask extra is missing
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(_as_json(result, pairs), indent=2))
        return
    if result.workers is None:
        where = f"on Dask at {scheduler}"
    else:
        where = f"{result.workers} process{'es' if result.workers != 1 else ''}" if result.workers else "all cached"
    given = f", --set {' '.join(pairs)}" if pairs else ""
    click.echo(f"{experiment} ({profile}{given}) over seeds {seeds.start}:{seeds.stop} "
               f"({len(seeds)} seeds, {where})")
    summary = result.summary()
    width = max([40, *(len(name) for name in summary)])
    click.echo(f"  {'metric':{width}s} {'median':>10s}  {'range (min - max)':>23s}  finite")
    for name, s in summary.items():
        click.echo(f"  {name:{width}s} {s.median:10.4g}  {s.min:10.4g} - {s.max:<10.4g}  {s.n_finite}/{s.n_seeds}")


def _as_json(result, pairs: tuple[str, ...]) -> dict:
    """The sweep for --json: NaN written as null (JSON has no NaN)."""

    def number(x: float):
        return x if math.isfinite(x) else None

    values = result.values()
    return {"experiment": result.experiment, "profile": result.profile, "seeds": list(result.seeds),
            "set": list(pairs),
            "metrics": {name: {"median": number(s.median), "min": number(s.min), "max": number(s.max),
                               "n_finite": s.n_finite, "n_seeds": s.n_seeds,
                               "values": [number(v) for v in values[name]]}
                        for name, s in result.summary().items()}}
