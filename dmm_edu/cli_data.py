"""`dmm-edu data`: which image datasets are here, fetch them, check them.

    dmm-edu data list [--json]           what is bundled, cached, installed by the system, or missing
    dmm-edu data prefetch NAME...        download into the cache (checked), for offline use later
    dmm-edu data verify [NAME...]        re-check every file's checksum and format; exit 1 if one is bad
"""

from __future__ import annotations

import json

import click


def _names(names: tuple[str, ...]) -> list[str]:
    from dmm_edu.data.image_catalog import DATASETS

    bad = [n for n in names if n not in DATASETS]
    if bad:
        raise click.BadParameter(f"{', '.join(bad)}: not a dataset; choose from {', '.join(DATASETS)}",
                                 param_hint="NAME")
    return list(names) or list(DATASETS)


@click.group("data")
def data() -> None:
    """Image datasets: MNIST, Fashion-MNIST, CIFAR-10 and the bundled offline sets."""


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def list_(as_json: bool) -> None:
    """Each dataset, its split sizes and where it is (bundled, cached, system, partial, missing)."""
    from dmm_edu.cache import ENV_VAR, cache_dir
    from dmm_edu.data.images import status

    rows = status()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'name':22s} {'train':>7s} {'test':>7s}  where")
    for row in rows:
        click.echo(f"{row['name']:22s} {row['train']:7d} {row['test']:7d}  {row['where']}")
    click.echo(f"cache: {cache_dir() / 'datasets'}  (set {ENV_VAR} to move it)")


@data.command()
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("--no-progress", is_flag=True, help="Do not show download progress bars.")
def prefetch(names: tuple[str, ...], no_progress: bool) -> None:
    """Download datasets into the cache (each file checked) so they load offline later."""
    from dmm_edu.data.images import CorruptDataError, DatasetUnavailableError
    from dmm_edu.data.images import prefetch as prefetch_dataset

    for name in _names(names):
        try:
            paths = prefetch_dataset(name, progress=not no_progress)
        except (DatasetUnavailableError, CorruptDataError, OSError) as exc:  # OSError: the cache folder
            raise click.ClickException(f"{name}: {exc}") from exc
        click.echo(f"{name}: ready ({len(paths)} files checked)")
        for path in paths:
            click.echo(f"  {path}")


@data.command()
@click.argument("names", nargs=-1, metavar="[NAME...]")
def verify(names: tuple[str, ...]) -> None:
    """Re-check the checksum and format of every file (all datasets by default); exit 1 if one is bad."""
    from dmm_edu.data.images import verify as verify_dataset

    n_bad = 0
    for name in _names(names):
        for check in verify_dataset(name):
            where = check.path or "(not downloaded)"
            click.echo(f"{check.status:8s} {name:22s} {check.file:28s} {where}")
            if check.status == "bad":
                n_bad += 1
                click.echo(f"         {check.detail}")
    if n_bad:
        click.echo(f"{n_bad} damaged file(s): repair with `dmm-edu data prefetch NAME`", err=True)
        raise SystemExit(1)
