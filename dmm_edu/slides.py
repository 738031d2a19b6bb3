"""Lecture decks: each scene as an offline reveal.js deck, one slide per beat, plus a PDF of the key frames.

A scene's beats (`animations._common.beat`) are its pauses; rendered as a manim-slides `Slide`
(`animations._slides.as_slide`) each beat ends a slide, and the beat's note, written from the same
result and wording as the chapter, becomes that slide's speaker note (press S in the deck). `build`
gets the scene's result as `dmm_edu.animate.render` does (the cache, or a saved folder), renders
the slides, and writes one folder per scene:

    <out>/<scene>/index.html      the deck (reveal.js; → and ← step through the beats)
    <out>/<scene>/videos/         one video per slide
    <out>/<scene>/revealjs/       the vendored reveal.js the deck loads (no CDN, no network)
    <out>/<scene>/<scene>.pdf     one page per slide: the frame each beat holds
    <out>/<scene>/deck.json       what was drawn (content hash, experiment, profile, seed), the slides' notes

The folder is self-contained: copy it anywhere and open index.html. It is built in a hidden folder
beside the target and renamed into place at the end, so an interrupted build leaves the previous
deck (or none) under the final name, never half a deck. Needs the `slides` extra (manim-slides).
Book page: "Lecture kit".
"""

from __future__ import annotations

import html
import importlib
import json
import os
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dmm_edu._checks import check_choice
from dmm_edu.animate import QUALITIES, SCENES, scene_result
from dmm_edu.cache import cache_dir, keep

VENDOR = Path(__file__).resolve().parent / "vendor" / "revealjs"  #: reveal.js's dist/ files, LICENSE, package.json
DECKS = "decks"  #: the cache folder's decks/: one finished deck per `_deck_key`
INSTALL_HINT = 'pip install -e ".[slides]"'  #: from the repository root (the scenes ship with the repository)


class SlidesNotInstalledError(RuntimeError):
    """manim-slides (the `slides` extra) is not installed."""


@dataclass(frozen=True)
class Deck:
    """What one build wrote: the deck folder, its HTML and PDF, and the slides' notes."""

    scene: str
    folder: Path
    html: Path
    pdf: Path
    notes: tuple[str, ...]  #: the speaker note of each slide, in order
    duration_s: float  #: length of the animation (scene time), all slides together
    render_s: float  #: wall-clock seconds of the whole build


class DeckFolderError(ValueError):
    """The folder a deck would go to holds something a deck build did not write: it is never replaced."""


def check_deck_folder(final: Path, scene: str) -> None:
    """Refuse, before any work, a `final` folder that a rebuild would lose files from.

    Accepted: nothing there, an empty folder, or an earlier deck of `scene` (its deck.json, index.html,
    videos/, revealjs/ and <scene>.pdf and nothing else). Anything else (your own files, another
    scene's deck, a file) raises DeckFolderError naming it and what to do."""
    if not os.path.lexists(final):
        return
    if final.is_symlink() or not final.is_dir():
        raise DeckFolderError(f"{str(final)!r} is a file or a link, not a deck folder; choose another --out")
    entries = set(os.listdir(final))
    if not entries:
        return
    ours = {"deck.json", "index.html", "videos", "revealjs", f"{scene}.pdf"}
    try:
        earlier = json.loads((final / "deck.json").read_text()).get("scene")
    except (OSError, ValueError, AttributeError):
        earlier = None
    foreign = sorted(entries - ours)
    if earlier != scene or foreign:
        what = (f"files a deck does not write ({', '.join(foreign[:5])}{', …' if len(foreign) > 5 else ''})" if foreign
                else "no deck of this scene")
        raise DeckFolderError(f"{str(final)!r} holds {what}; a rebuild replaces the whole folder, so nothing is "
                              "written there. Move those files away, or choose another --out")


def require_manim_slides() -> None:
    """Raise SlidesNotInstalledError, saying how to install it, if manim-slides (or manim) is missing."""
    missing = []
    for name in ("manim", "manim_slides"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SlidesNotInstalledError(f"lecture decks need {' and '.join(missing).replace('_', '-')}, which "
                                      f"{'is' if len(missing) == 1 else 'are'} not installed: run "
                                      f"{INSTALL_HINT} in the repository root")


def reveal_version() -> str:
    """The version of the vendored reveal.js."""
    return json.loads((VENDOR / "package.json").read_text())["version"]


def build(scene: str, quality: str = "low", out: str | Path = "media/slides", profile: str = "book", seed: int = 0,
          *, result=None, frame_size: tuple[int, int] | None = None, frame_rate: float | None = None,
          progress: Callable[[str], None] | None = None, fresh: bool = False, **scene_attrs) -> Deck:
    """Build the deck of `scene` into `out/<scene>/` (replacing an older one only when the new one is complete).

    quality: one of QUALITIES; profile, seed, result: the run drawn, as in `dmm_edu.animate.render`;
    frame_size (width, height) and frame_rate override the quality's (the tests build tiny decks);
    scene_attrs: class attributes of the scene. A deck built before with the same scene, settings,
    result and code is copied from the cache's `decks/` (as `render` does with videos); fresh: build
    anyway.
    """
    spec = SCENES[check_choice("scene", scene, tuple(SCENES))]
    quality = check_choice("quality", quality, tuple(QUALITIES))
    require_manim_slides()
    out = Path(out).absolute()  # manim-slides checks the slides' files by path: keep them valid wherever it looks
    final = out / scene
    check_deck_folder(final, scene)  # before any work: a rebuild must not lose anyone's files
    result = scene_result(scene, result, profile, seed, progress)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{scene}-building-", dir=out))  # same filesystem: the rename is atomic
    key = _deck_key(scene, quality, result, frame_size, frame_rate, {**spec.attrs, **scene_attrs})
    kept = None if fresh else _cached_deck(key)
    if kept is not None:
        try:
            staging.chmod(0o755)
            shutil.copytree(kept, staging, dirs_exist_ok=True)
            _replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        record = json.loads((final / "deck.json").read_text())
        if progress:
            progress(f"{scene}: {final / 'index.html'} (the same deck from the cache; --fresh builds again)")
        return Deck(scene, final, final / "index.html", final / f"{scene}.pdf",
                    tuple(slide["notes"] for slide in record["slides"]), float(record["duration_s"]), 0.0)
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would follow the deck to wherever it is copied
        config, duration = _render_slides(scene, quality, result, staging, frame_size, frame_rate, progress,
                                          {**spec.attrs, **scene_attrs})
        notes = tuple(slide.notes for slide in config.slides)
        if progress:
            progress(f"{scene}: {len(config.slides)} slides; writing the deck and the PDF ...")
        _write_deck(config, staging, scene, spec.title)
        record = {"scene": scene, "title": spec.title, "experiment": result.experiment, "profile": result.profile,
                  "seed": result.seed, "content_hash": result.content_hash(), "quality": quality,
                  "pixel_width": config.resolution[0], "pixel_height": config.resolution[1],
                  "slides": [{"video": f"videos/{slide.file.name}", "notes": slide.notes} for slide in config.slides],
                  "duration_s": round(duration, 3), "reveal_js": reveal_version(),
                  "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (staging / "deck.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        keep(DECKS, key, [staging])  # the next same build copies it
        _replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    render_s = time.perf_counter() - t0
    if progress:
        progress(f"{scene}: {final / 'index.html'} ({len(notes)} slides, {duration:.1f} s of animation, "
                 f"built in {render_s:.1f} s); PDF {final / (scene + '.pdf')}")
    return Deck(scene, final, final / "index.html", final / f"{scene}.pdf", notes, duration, render_s)


def _render_slides(scene, quality, result, staging, frame_size, frame_rate, progress, attrs):
    """Render `scene` as a Slide in a scratch folder inside `staging`; (its PresentationConfig, scene time)."""
    from manim import tempconfig
    from manim_slides.config import PresentationConfig

    from dmm_edu.animate import scene_class

    base = scene_class(scene)  # puts the repository on sys.path
    from animations._common import configured
    from animations._slides import as_slide

    logging.getLogger("manim-slides").setLevel(logging.WARNING)
    cls = as_slide(configured(base, result=result, **attrs))
    scratch = staging / ".render"
    cfg = {"quality": QUALITIES[quality], "format": "mp4", "media_dir": str(scratch / "media"),
           "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none", "output_file": scene}
    if frame_size is not None:
        cfg["frame_size"] = tuple(int(v) for v in frame_size)
    if frame_rate is not None:
        cfg["frame_rate"] = float(frame_rate)
    if progress:
        progress(f"{scene}: rendering the slides at {quality} quality ...")
    with tempconfig(cfg):
        instance = cls(output_folder=scratch / "slides")
        instance.render()
    config = PresentationConfig.from_file(scratch / "slides" / f"{cls.__name__}.json")
    videos = staging / "videos"
    videos.mkdir()
    for slide in config.slides:  # move each slide's video out of the scratch folder, which goes
        shutil.move(str(slide.file), videos / slide.file.name)
        slide.file = slide.rev_file = videos / slide.file.name
    shutil.rmtree(scratch)
    return config, float(instance.renderer.time)


def _write_deck(config, staging: Path, scene: str, title: str) -> None:
    """index.html (reveal.js from revealjs/, videos from videos/), the vendored reveal.js, the PDF."""
    from manim_slides.convert import FrameIndex, RevealJS, read_image_from_video_file

    shutil.copytree(VENDOR, staging / "revealjs" / "dist",
                    ignore=shutil.ignore_patterns("LICENSE", "package.json"))
    for name in ("LICENSE", "package.json"):
        shutil.copy(VENDOR / name, staging / "revealjs" / name)
    # the template pastes each note into the HTML as it is: escape &, < and > (the notes plugin shows the text)
    shown = config.model_copy(update={"slides": [slide.model_copy(update={"notes": html.escape(slide.notes, quote=False)})
                                                 for slide in config.slides]})
    # the videos are already in videos/: manim-slides' copy (copy_to) finds them there and keeps them
    RevealJS(presentation_configs=[shown], assets_dir="videos", cdn_url="revealjs", title=title,
             reveal_version=reveal_version()).convert_to(staging / "index.html")
    # the PDF: one page per slide, the slide's last frame (what the beat holds); 100 pixels to the inch
    pages = [read_image_from_video_file(slide.file, FrameIndex.last).convert("RGB") for slide in config.slides]
    pages[0].save(staging / f"{scene}.pdf", "PDF", resolution=100.0, save_all=True, append_images=pages[1:])


def _replace(staging: Path, final: Path) -> None:
    """Rename the finished `staging` folder to `final`; an older deck there is moved aside first, then deleted."""
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        old.rmdir()
        final.rename(old)
    staging.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _deck_key(scene, quality, result, frame_size, frame_rate, attrs) -> str:
    """`animate.render_key` of the deck, with the versions of manim-slides and reveal.js."""
    from importlib import metadata

    from dmm_edu.animate import render_key

    extra = {"deck": True, "manim_slides": metadata.version("manim-slides"), "reveal": reveal_version()}
    return render_key(scene, quality, "deck", result, frame_size, frame_rate, {**attrs, "__deck__": repr(extra)})


def _cached_deck(key: str) -> Path | None:
    folder = cache_dir() / DECKS / key
    return folder if (folder / "deck.json").is_file() and (folder / "index.html").is_file() else None
