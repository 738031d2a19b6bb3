"""`dmm-edu animate`: render the lecture animations from saved experiment results.

Each scene draws the cached run of its experiment at --profile and --seed (running it first if
needed, with progress), or the saved result folder given with --result; it renders through manim
in this process and writes the video, a poster frame and a sidecar JSON (content hash, experiment,
profile, seed) into --out. The scenes themselves never run an experiment. Needs manim.
"""

from __future__ import annotations

from pathlib import Path

import click

from dmm_edu.animate import FORMATS, QUALITIES, SCENES

PROFILES = ("smoke", "book", "full")  # as dmm_edu.experiments.base.PROFILES, without importing it here
NEEDS_MANIM = ("the animations need manim ({detail}): install it with pip install -e '.[animations]' from a git "
               "checkout, after the system libraries it needs (Debian/Ubuntu: sudo apt-get install libcairo2-dev "
               "libpango1.0-dev pkg-config); `dmm-edu doctor` checks them")


SCENE_LIST = "\b\nScenes (SCENE):\n" + "\n".join(f"  {name:21s} {spec.experiment:4s} {spec.title.split(' (')[0]}"
                                                 for name, spec in SCENES.items()) + "\n  all"


@click.command(epilog=SCENE_LIST)
@click.argument("scene", type=click.Choice([*SCENES, "all"]), metavar="SCENE")
@click.option("--quality", type=click.Choice(list(QUALITIES)), default="low", show_default=True,
              help="manim's -ql (854x480, 15 fps), -qm (720p30), -qh (1080p60) or -qk (4k60).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="mp4", show_default=True,
              help="png: the last frame only.")
@click.option("--profile", type=click.Choice(PROFILES), default="book", show_default=True,
              help="Which experiment run the scene draws: 'smoke' is seconds, 'book' what the book shows.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The experiment run's seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("media"), show_default=True,
              help="Folder for <scene>.<format>, <scene>.png (poster) and <scene>.<format>.json (sidecar).")
@click.option("--result", "result_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Draw this saved result folder (from `dmm-edu run EXPERIMENT --out DIR`) instead of the cached "
                   "run at --profile and --seed; with 'all', the scenes of that result's experiment.")
@click.option("--bars/--no-bars", default=True, show_default=True, help="Show manim's progress bars.")
@click.option("--fresh", is_flag=True, help="Render even if the cache holds the same render (same scene and "
                                            "package code, settings, result and manim version); by default it is "
                                            "copied from there.")
def animate(scene: str, quality: str, fmt: str, profile: str, seed: int, out: Path, result_dir: Path | None,
            bars: bool, fresh: bool) -> None:
    """Render SCENE (or all scenes) from the saved result of its experiment."""
    import importlib.util

    from dmm_edu.animate import render
    from dmm_edu.results import OutputFolderError, prepare_folder

    if importlib.util.find_spec("manim") is None:  # before any experiment runs
        raise click.ClickException(NEEDS_MANIM.format(detail="manim is not installed"))
    names, result = scenes_and_result(scene, result_dir)
    try:
        prepare_folder(out, "--out")  # created and proven writable before any experiment runs or scene renders
    except OutputFolderError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from exc
    total = 0.0
    for i, name in enumerate(names, 1):
        click.echo(f"[{i}/{len(names)}] {name}: {SCENES[name].title}")
        try:
            done = render(name, quality, fmt, profile, seed, out, result=result, progress=click.echo,
                          show_bars=bars, fresh=fresh)
        except ImportError as exc:  # manim is there but cannot load (the system libraries of its text rendering)
            raise click.ClickException(NEEDS_MANIM.format(detail=f"{type(exc).__name__}: {exc}")) from exc
        except FileNotFoundError as exc:  # no animations/ folder: an install from the wheel
            raise click.ClickException(str(exc)) from exc
        except OutputFolderError as exc:  # the cache the result is run into is not usable
            raise click.ClickException(str(exc)) from None
        total += done.render_s
    if len(names) > 1:
        click.echo(f"{len(names)} scenes into {out} (rendering took {total:.1f} s; a render copied from the cache "
                   "counts its original time)")


def scenes_and_result(scene: str, result_dir: Path | None):
    """The scene names SCENE ("all" or one name) stands for, and the Result loaded from --result (or None).

    With a result, "all" means the scenes that draw its experiment; a scene that draws another
    experiment is a clear --result error, as is a folder that holds no readable result."""
    result = None
    if result_dir is not None:
        from dmm_edu.results import load_result

        try:
            result = load_result(result_dir)
        except (FileNotFoundError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="--result") from exc
    names = list(SCENES) if scene == "all" else [scene]
    if result is not None:
        drawn = [n for n in names if SCENES[n].experiment == result.experiment]
        if not drawn:
            raise click.BadParameter(f"{str(result_dir)!r} holds an {result.experiment} result; {scene} draws "
                                     + ", ".join(sorted({SCENES[n].experiment for n in names})), param_hint="--result")
        names = drawn
    return names, result
