"""`dmm-edu book build` and `dmm-edu book serve`: the textbook as an offline website.

build runs the experiments the book quotes (cached), draws its figures and runs
`mkdocs build --strict`; serve builds, then serves site/ on 127.0.0.1 with a plain HTTP server.
"""

from __future__ import annotations

from pathlib import Path

import click

from dmm_edu.book import PROFILES


@click.group()
def book() -> None:
    """Build or serve the book (needs the `docs` extra)."""


_profile = click.option("--profile", type=click.Choice(PROFILES), default="book", show_default=True,
                        help="Which experiment results the book quotes: 'smoke' builds in seconds.")
_site_dir = click.option("--site-dir", type=click.Path(path_type=Path), default=Path("site"),
                         show_default=True, help="Where the site is written: a new or empty folder, or an earlier "
                                                 "build's (a folder of other files is refused, never emptied).")
_config = click.option("--config-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                       default=Path("mkdocs.yml"), show_default=True, help="The book's mkdocs.yml.")


_videos = click.option("--videos", type=click.Choice(["low", "medium", "high", "4k"]), default=None,
                       help="Render the lecture animations at this quality (needs manim; slow). "
                            "Without it the pages show their posters or static figures.")


def _build(profile: str, site_dir: Path, config_file: Path, videos: str | None) -> Path:
    from dmm_edu.book import BookBuildError, build
    from dmm_edu.results import OutputFolderError

    try:
        return build(profile, site_dir, config_file, progress=lambda msg: click.echo(msg, err=True), videos=videos)
    except OutputFolderError as err:
        raise click.BadParameter(str(err), param_hint="--site-dir") from err
    except BookBuildError as err:
        raise click.ClickException(str(err)) from err


@book.command("build")
@_profile
@_site_dir
@_config
@_videos
def build_cmd(profile: str, site_dir: Path, config_file: Path, videos: str | None) -> None:
    """Run the experiments (cached), draw the figures, `mkdocs build --strict`."""
    site = _build(profile, site_dir, config_file, videos)
    click.echo(f"built {site}")


@book.command("serve")
@_profile
@_site_dir
@_config
@_videos
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--no-build", is_flag=True, help="Serve the existing site folder as it is.")
def serve_cmd(profile: str, site_dir: Path, config_file: Path, videos: str | None, port: int, no_build: bool) -> None:
    """Build the book, then serve it on http://127.0.0.1:PORT/ (no mkdocs serve, no rebuilds)."""
    from dmm_edu.book import serve

    if not no_build:
        _build(profile, site_dir, config_file, videos)
    try:
        serve(site_dir, port)
    except (FileNotFoundError, OSError) as err:
        raise click.ClickException(str(err)) from err
