"""The `dmm-edu` command: check the installation, list the experiments, take the tour."""

from __future__ import annotations

import ctypes.util
import hashlib
import json
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import click

from dmm_edu import __version__
from dmm_edu.cli_animate import animate
from dmm_edu.cli_book import book
from dmm_edu.cli_data import data
from dmm_edu.cli_slides import slides
from dmm_edu.cli_sweep import experiment_id, overrides_of, set_option, sweep

DOCTOR_PACKAGES = ("numpy", "torch", "matplotlib", "manim", "manim-slides", "mkdocs", "mkdocs-material", "mkdocs-jupyter",
                   "click", "platformdirs", "pytest", "hypothesis")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _system_library(pc_name: str, lib_name: str) -> str | None:
    """The version of a system library via pkg-config, else whether the loader can find it."""
    if shutil.which("pkg-config"):
        out = subprocess.run(["pkg-config", "--modversion", pc_name], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.strip()
    return "found (no headers)" if ctypes.util.find_library(lib_name) else None


def doctor_report() -> dict:
    """What `dmm-edu doctor` checks, as a dict (also used by the tests)."""
    from dmm_edu.cache import cache_dir

    return {
        "dmm_edu": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in DOCTOR_PACKAGES},
        "system": {"cairo": _system_library("cairo", "cairo"),
                   "pangocairo": _system_library("pangocairo", "pangocairo-1.0")},
        "cache": str(cache_dir()),
    }


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dmm-edu")
def main() -> None:
    """dmm-edu: adversarial examples through the Dimpled Manifold Model.

    Start with `dmm-edu tour`; `dmm-edu doctor` checks the installation. Experiments compute with one
    torch/BLAS thread per process ($DMM_EDU_THREADS changes it; README: "Threads and cores").
    """
    from dmm_edu import threads

    try:
        threads.check_environment()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor(as_json: bool) -> None:
    """Versions of Python and the packages, system libraries for manim, the cache folder."""
    report = doctor_report()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"dmm-edu {report['dmm_edu']} on Python {report['python']} ({report['platform']})")
    click.echo("packages:")
    for name, version in report["packages"].items():
        click.echo(f"  {name:16s} {version or 'not installed'}")
    click.echo("system libraries (needed by manim for the animations):")
    for name, version in report["system"].items():
        click.echo(f"  {name:16s} {version or 'missing: apt-get install libcairo2-dev libpango1.0-dev pkg-config'}")
    click.echo(f"cache: {report['cache']}  (set DMM_EDU_CACHE to move it)")


@main.command("list")
def list_() -> None:
    """The book's experiments, the claims each tests, and which can run yet."""
    from dmm_edu.experiments import EXPERIMENTS

    for spec in EXPERIMENTS.values():
        status = "available" if spec.available else "planned"
        click.echo(f"{spec.id:4s} {status:9s} {','.join(spec.claims):10s} {spec.title}")


@main.command()
@click.argument("experiment")
@click.option("--profile", type=click.Choice(["smoke", "book", "full"]), default="book", show_default=True,
              help="Size: smoke (seconds), book (what the book shows), full (the paper's scale).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for metrics.json and arrays.npz [default: ./results/EXPERIMENT-PROFILE-sSEED, with "
                   "-set-HASH added when --set changes the config]. "
                   "A folder holding this run's earlier result is updated (only those two files are replaced); "
                   "a symbolic link to a folder is written through.")
@click.option("--force", is_flag=True, help="Replace a result of another experiment, profile or seed (or a damaged "
                                            "one) in --out.")
@click.option("--fresh", is_flag=True, help="Compute even if the results cache holds this run (and replace the cached "
                                            "copy). By default a run whose experiment, profile, seed, config, code "
                                            "and thread count match a cached one is copied from the cache: it would "
                                            "compute the same numbers.")
@set_option
def run(experiment: str, profile: str, seed: int, out: Path | None, force: bool, fresh: bool,
        pairs: tuple[str, ...]) -> None:
    """Run one of the book's experiments (see `dmm-edu list`; ids in any case) and save its result."""
    from dmm_edu.experiments.base import cache_folder, load_cached, run_cached, run_experiment
    from dmm_edu.results import OutputFolderError, prepare_out_dir, save_result
    from dmm_edu.sweep import flat_numbers

    experiment = experiment_id(experiment)
    overrides = overrides_of(experiment, profile, pairs)  # a wrong --set fails here, before any work
    if out is None:  # a changed config gets a folder of its own: it never replaces the profile's run
        tag = f"-set-{hashlib.sha256(repr(sorted(overrides.items())).encode()).hexdigest()[:8]}" if overrides else ""
        out = Path("results") / f"{experiment}-{profile}-s{seed}{tag}"
    progress = lambda msg: click.echo(f"  {msg}", err=True)  # noqa: E731
    try:
        prepare_out_dir(out, experiment, profile, seed, force=force)  # before any work
    except OutputFolderError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    cached = None
    if not fresh:
        try:
            cached = load_cached(experiment, profile, seed, **overrides)
            result = cached or run_cached(experiment, profile, seed, progress=progress, **overrides)
        except OutputFolderError as exc:
            raise click.ClickException(f"the results cache cannot be used: {exc}. Pass --fresh to compute "
                                       "without it") from exc
    else:  # computed again; the cache's entry is replaced by it
        result = run_experiment(experiment, profile, seed, progress=progress, **overrides)
        try:
            save_result(result, cache_folder(experiment, profile, seed, **overrides), force=True)
        except OutputFolderError:
            pass  # no usable cache: --fresh needs none
    try:
        save_result(result, out, force=force)
    except OutputFolderError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    given = f", --set {' '.join(pairs)}" if pairs else ""
    how = (f"from the cache (computed in {result.provenance['duration_s']:.1f} s; --fresh computes again)" if cached
           else f"in {result.provenance['duration_s']:.1f} s")
    click.echo(f"{experiment} ({profile}, seed {seed}{given}) {how} -> {out}")
    for name, value in flat_numbers(result.metrics):
        click.echo(f"  {name:40s} {value:.4g}")


@main.command()
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for the figures [default: RESULT/figures].")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True)
def plot(result: Path, out: Path | None, fmt: str) -> None:
    """Draw the figures of a saved result (a folder written by `dmm-edu run`)."""
    try:
        from dmm_edu.plots import save_figures
    except ImportError as exc:  # matplotlib is an extra
        raise click.ClickException(f"plotting needs matplotlib: pip install 'dmm-edu[plots]' ({exc})") from exc
    from dmm_edu.results import OutputFolderError

    try:
        paths = save_figures(result, out or result / "figures", fmt=fmt)
    except OutputFolderError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    except (FileNotFoundError, ValueError) as exc:  # no result there, or a damaged one (CorruptResultError)
        raise click.ClickException(str(exc)) from exc
    for path in paths:
        click.echo(str(path))


@main.command()
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed.")
@click.option("--epochs", default=15, show_default=True, type=click.IntRange(min=1), help="Training epochs.")
@click.option("--c", "init_scale", default=2.5, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Init scale c of the weights, N(0, c^2/fan_in).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def tour(seed: int, epochs: int, init_scale: float, as_json: bool) -> None:
    """Train a small numpy MLP on a synthetic manifold and measure its adversarial geometry."""
    from dataclasses import asdict

    from dmm_edu.tour import TourConfig, describe, run_tour

    try:
        cfg = TourConfig(seed=seed, epochs=epochs, c=init_scale)
    except ValueError as exc:  # --c nan or inf: click's FloatRange lets them through
        raise click.BadParameter(str(exc), param_hint="--c") from exc
    with click.progressbar(length=cfg.total_steps, label="training", file=sys.stderr) as bar:
        try:
            result = run_tour(cfg, progress=lambda step, _total: bar.update(1))
        except FloatingPointError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(asdict(result), indent=2) if as_json else describe(result))


main.add_command(data)  # dmm-edu data list | prefetch | verify
main.add_command(book)  # dmm-edu book build | serve
main.add_command(animate)  # dmm-edu animate SCENE|all
main.add_command(slides)  # dmm-edu slides build SCENE|all
main.add_command(sweep)  # dmm-edu sweep EXPERIMENT --seeds A:B
