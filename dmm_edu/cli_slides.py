"""`dmm-edu slides build`: lecture decks, one per scene, that present offline.

Each deck is a folder with an HTML page (reveal.js, vendored: no network), one slide per beat of
the scene with the beat's speaker note, and a PDF of the frame each beat holds. The scene draws the
cached run of its experiment at --profile and --seed, or the saved result folder given with
--result, as `dmm-edu animate` does. Needs the `slides` extra (manim-slides).
"""

from __future__ import annotations

from pathlib import Path

import click

from dmm_edu.animate import QUALITIES, SCENES
from dmm_edu.results import OutputFolderError
from dmm_edu.cli_animate import PROFILES, SCENE_LIST, scenes_and_result


@click.group()
def slides() -> None:
    """Lecture decks of the scenes: offline HTML (reveal.js) with speaker notes, and a PDF."""


class SceneName(click.ParamType):
    """A scene name or 'all'; an unknown one fails before anything is loaded, listing the scenes."""

    name = "SCENE"

    def convert(self, value, param, ctx):
        if value == "all" or value in SCENES:
            return value
        self.fail(f"{value!r} is not a scene; choose one of {', '.join(SCENES)} or 'all' "
                  "(`dmm-edu slides build --help` lists them)", param, ctx)


@slides.command(epilog=SCENE_LIST)
@click.argument("scene", type=SceneName())
@click.option("--quality", type=click.Choice(list(QUALITIES)), default="low", show_default=True,
              help="low (854x480, 15 fps), medium (720p30), high (1080p60, for a projector) or 4k.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("media/slides"),
              show_default=True, help="Folder for the decks: OUT/<scene>/index.html, its videos, its PDF.")
@click.option("--result", "result_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Draw this saved result folder (from `dmm-edu run EXPERIMENT --out DIR`) instead of the cached "
                   "run at --profile and --seed; with 'all', the scenes of that result's experiment.")
@click.option("--profile", type=click.Choice(PROFILES), default="book", show_default=True,
              help="Which experiment run the scene draws: 'smoke' is seconds, 'book' what the book shows.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The experiment run's seed.")
@click.option("--fresh", is_flag=True, help="Build even if the cache holds the same deck (same scene and package "
                                            "code, settings, result, manim, manim-slides and reveal.js versions); by "
                                            "default it is copied from there.")
def build(scene: str, quality: str, out: Path, result_dir: Path | None, profile: str, seed: int, fresh: bool) -> None:
    """Build the deck of SCENE (or of all scenes) into OUT/<scene>/."""
    from dmm_edu import slides as decks

    try:
        decks.require_manim_slides()
    except decks.SlidesNotInstalledError as exc:
        raise click.ClickException(str(exc)) from None
    names, result = scenes_and_result(scene, result_dir)
    total = 0.0
    for i, name in enumerate(names, 1):
        click.echo(f"[{i}/{len(names)}] {name}: {SCENES[name].title}")
        try:
            deck = decks.build(name, quality, out, profile, seed, result=result, progress=click.echo, fresh=fresh)
        except (decks.DeckFolderError, OutputFolderError) as exc:
            raise click.ClickException(str(exc)) from None
        total += deck.render_s
    if len(names) > 1:
        click.echo(f"built {len(names)} decks in {total:.1f} s into {out}")
