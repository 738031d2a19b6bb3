"""Rendering the lecture animations: which scenes exist, which saved result each draws, and manim.

Each scene in animations/ draws one experiment's saved result (E1 for the toy boundaries); it
never trains and never runs an experiment. `render` makes sure the result exists: it takes the one
it is given (a Result or a saved folder) or gets it through `run_cached` (running the experiment
first if it is not cached, so a render reuses the book's run), hands it to the scene class and runs
manim in this process. Next to each video it writes a poster
frame (`<scene>.png`, the last frame) and a sidecar `<video>.json` with the result's content hash,
experiment, profile and seed, so a video can always be traced to (and checked against) the run
it shows. `book_videos` renders the book's videos into docs/figures/generated/videos/.
Needs the `animations` extra (manim) and the animations/ folder of the repository.
Book page: "For lecturers".
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dmm_edu._checks import check_choice
from dmm_edu.cache import cache_dir, keep

QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}
FORMATS = ("mp4", "gif", "png")  #: png = the last frame only (manim -s)
RENDERS = "renders"  #: the cache folder's renders/: one finished render per `render_key`
VIDEOS_DIR = "figures/generated/videos"  #: under the docs folder; gitignored like the figures


@dataclass(frozen=True)
class SceneSpec:
    """One lecture scene.

    name: what `dmm-edu animate` and `{{ video("name") }}` call it; module/cls: where it lives in
    animations/; experiment: the result it draws; title: one line for lists and captions;
    fallback: the book figure (under docs/figures/generated/) shown when the video is not rendered:
    one that shows the scene's subject and nothing else.
    """

    name: str
    module: str
    cls: str
    experiment: str
    title: str
    fallback: str
    attrs: dict = field(default_factory=dict)  #: class attributes the scene gets besides the result


SCENES = {
    "clinging_3d": SceneSpec("clinging_3d", "animations.clinging_3d", "ClingingDimpling", "E1",
                             "Clinging and dimpling: the chessboard classifier's boundary over training (E1, default recipe)",
                             "E1-snapshots.png"),
    "line_toy_2d": SceneSpec("line_toy_2d", "animations.line_toy_2d", "LineToyBoundary", "E1",
                             "The paper's 2-D toy: the boundary curve over training (E1, line toy, default recipe)",
                             "E1-line_toy.png"),
    "adversarial_step": SceneSpec("adversarial_step", "animations.adversarial_step", "AdversarialStep", "E5",
                                  "An adversarial step: the off-manifold and the on-manifold way out of a class "
                                  "(E5, a 2-D slice)", "E5-slices.png"),
    "adversarial_training": SceneSpec("adversarial_training", "animations.adversarial_training", "DeeperDimples", "E9",
                                      "Adversarial training: the clean and the adversarially trained boundary from "
                                      "the same initialisation (E9, a 2-D slice)",
                                      "E9-slices.png"),
    "on_off_digits": SceneSpec("on_off_digits", "animations.on_off_digits", "OnOffDigits", "E7",
                               "On- and off-manifold parts of an adversarial perturbation on real digits (E7)",
                               "E7-grid.png"),
    "random_baseline": SceneSpec("random_baseline", "animations.random_baseline", "RandomBaseline", "E3",
                                 "Why every direction is mostly off-manifold in high dimension (E3)", "E3-random.png"),
}


@dataclass(frozen=True)
class Rendered:
    """What one render wrote: the output (video, gif or png), its poster PNG and sidecar JSON."""

    scene: str
    output: Path
    poster: Path
    sidecar: Path
    duration_s: float  #: length of the animation (scene time)
    render_s: float  #: wall-clock seconds manim took


def animations_dir() -> Path:
    """The repository's animations/ folder (next to the dmm_edu package)."""
    path = Path(__file__).resolve().parent.parent / "animations"
    if not (path / "_common.py").is_file():
        raise FileNotFoundError(f"no animations/ folder at {str(path)!r}; the scenes ship with the repository, "
                                "not the wheel: install dmm-edu from a git checkout (pip install -e .[animations])")
    return path


def scene_class(scene: str) -> type:
    """The manim Scene class of `scene` (imports manim)."""
    spec = SCENES[check_choice("scene", scene, tuple(SCENES))]
    root = str(animations_dir().parent)
    if root not in sys.path:
        sys.path.insert(0, root)  # the scenes import `animations._common`
    return getattr(importlib.import_module(spec.module), spec.cls)


def sidecar_path(output: str | Path) -> Path:
    """`<output>.json`: the sidecar beside a rendered file."""
    output = Path(output)
    return output.with_name(output.name + ".json")


def read_sidecar(output: str | Path) -> dict | None:
    """The sidecar of a rendered file as a dict, or None if it is missing or unreadable."""
    try:
        return json.loads(sidecar_path(output).read_text())
    except (OSError, ValueError):
        return None


def scene_result(scene: str, result=None, profile: str = "book", seed: int = 0,
                 progress: Callable[[str], None] | None = None):
    """The Result `scene` draws: `result` (a Result, or the folder of a saved one) if given, else the
    cached run of its experiment at `profile` and `seed` (run first if not cached). ValueError if it
    is another experiment's result."""
    spec = SCENES[check_choice("scene", scene, tuple(SCENES))]
    if result is None:
        from dmm_edu.experiments.base import run_cached

        if progress:
            progress(f"{scene}: {spec.experiment} at profile {profile}, seed {seed} (cached after the first run) ...")
        result = run_cached(spec.experiment, profile, seed, progress=progress)
    elif isinstance(result, (str, Path)):
        from dmm_edu.results import load_result

        result = load_result(result)
    if result.experiment != spec.experiment:
        raise ValueError(f"result is from {result.experiment}; scene={scene!r} draws {spec.experiment}")
    return result


def render(scene: str, quality: str = "low", fmt: str = "mp4", profile: str = "book", seed: int = 0,
           out: str | Path = "media", *, result=None, frame_size: tuple[int, int] | None = None,
           frame_rate: float | None = None, progress: Callable[[str], None] | None = None,
           show_bars: bool = False, fresh: bool = False, **scene_attrs) -> Rendered:
    """Render one scene into `out/<scene>.<fmt>` with `out/<scene>.png` (poster) and the sidecar.

    quality: one of QUALITIES (manim's -ql/-qm/-qh/-qk); fmt: one of FORMATS; profile, seed: the
    experiment run drawn (via run_cached, unless `result` is given: a Result, or the folder of a saved
    one, e.g. from `dmm-edu run E1 --out DIR`). frame_size (width, height)
    and frame_rate override the quality's (the tests render tiny). scene_attrs: class attributes
    of the scene (seed_index, last_snapshot, recipe …). show_bars: manim's progress bars.

    A render is kept in the cache folder's `renders/`, keyed by everything it depends on
    (`render_key`: the scene, its settings, the result's content hash, the scene code, manim's
    version); the same render asked again is copied from there (seconds instead of minutes).
    fresh: render anyway (and replace the cached copy).
    """
    spec = SCENES[check_choice("scene", scene, tuple(SCENES))]
    quality = check_choice("quality", quality, tuple(QUALITIES))
    fmt = check_choice("fmt", fmt, FORMATS)
    out = Path(out)
    result = scene_result(scene, result, profile, seed, progress)
    key = render_key(scene, quality, fmt, result, frame_size, frame_rate, {**spec.attrs, **scene_attrs})
    if not fresh:
        kept = _from_render_cache(key, scene, fmt, out)
        if kept is not None:
            if progress:
                progress(f"{scene}: {kept.output} (the same render from the cache; --fresh renders again)")
            return kept
    from manim import __version__ as manim_version
    from manim import config as manim_config
    from manim import tempconfig
    from PIL import Image

    base = scene_class(scene)  # puts the repository on sys.path: animations._common is importable after it
    from animations._common import configured

    cls = configured(base, result=result, **{**spec.attrs, **scene_attrs})
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".manim-", dir=out) as media:
        cfg = {"quality": QUALITIES[quality], "format": fmt, "media_dir": media, "disable_caching": True,
               "verbosity": "WARNING", "progress_bar": "display" if show_bars else "none", "output_file": scene}
        if frame_size is not None:
            cfg["frame_size"] = tuple(int(v) for v in frame_size)
        if frame_rate is not None:
            cfg["frame_rate"] = float(frame_rate)
        if progress:
            progress(f"{scene}: rendering at {quality} quality as {fmt} ...")
        t0 = time.perf_counter()
        with tempconfig(cfg):
            instance = cls()
            instance.render()
            made = Path(instance.renderer.file_writer.output_plan.primary_artifact)
            frame = instance.renderer.get_frame()  # (H, W, 4) uint8: the last frame
            width, height, rate = manim_config.pixel_width, manim_config.pixel_height, float(manim_config.frame_rate)
        render_s = time.perf_counter() - t0
        output = out / f"{scene}.{fmt}"
        shutil.move(str(made), output)
    poster = out / f"{scene}.png"
    if fmt != "png":
        Image.fromarray(frame).convert("RGB").save(poster)
    duration = float(instance.renderer.time)
    record = {"scene": scene, "title": spec.title, "experiment": result.experiment, "profile": result.profile,
              "seed": result.seed, "content_hash": result.content_hash(), "quality": quality, "format": fmt,
              "pixel_width": int(width), "pixel_height": int(height), "frame_rate": rate,
              "duration_s": round(duration, 3), "render_s": round(render_s, 3), "poster": poster.name,
              "scene_attrs": {k: v for k, v in {**spec.attrs, **scene_attrs}.items()},
              "versions": {"manim": manim_version, "dmm_edu": _dmm_version()},
              "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    sidecar = sidecar_path(output)
    tmp = sidecar.with_name(sidecar.name + ".part")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(sidecar)
    if progress:
        progress(f"{scene}: {output} ({duration:.1f} s of animation, rendered in {render_s:.1f} s); poster {poster}")
    keep(RENDERS, key, [output, sidecar] + ([poster] if fmt != "png" else []))  # the next same render copies it
    return Rendered(scene, output, poster, sidecar, duration, render_s)


def render_key(scene: str, quality: str, fmt: str, result, frame_size=None, frame_rate=None,
               attrs: dict | None = None) -> str:
    """What a render depends on, hashed: the scene and its settings, the drawn result's content hash,
    the code (every source file of animations/ and of the dmm_edu package: coarse, but no edit a
    scene depends on can leave a stale render) and manim's version."""
    import hashlib
    from importlib import metadata

    code = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted(animations_dir().glob("*.py")) + sorted(package.rglob("*.py"))
    for path in files:
        code.update(str(path.relative_to(path.parents[1])).encode() + b"\0" + path.read_bytes())
    spec = json.dumps({"scene": scene, "quality": quality, "fmt": fmt, "content_hash": result.content_hash(),
                       "frame_size": list(frame_size) if frame_size is not None else None,
                       "frame_rate": frame_rate, "attrs": repr(sorted((attrs or {}).items())),
                       "manim": metadata.version("manim"), "code": code.hexdigest()}, sort_keys=True)
    return hashlib.sha256(spec.encode()).hexdigest()[:20]


def _from_render_cache(key: str, scene: str, fmt: str, out: Path) -> Rendered | None:
    """Copy a cached render into `out` (the output, its poster and sidecar); None if there is none."""
    folder = cache_dir() / RENDERS / key
    output, poster = folder / f"{scene}.{fmt}", folder / f"{scene}.png"
    record = read_sidecar(output)
    if record is None or not output.is_file() or not poster.is_file():
        return None
    out.mkdir(parents=True, exist_ok=True)
    for path in {output, poster, sidecar_path(output)}:
        tmp = out / f".{path.name}.part"
        shutil.copyfile(path, tmp)
        tmp.replace(out / path.name)  # each file appears whole
    kept = out / output.name
    return Rendered(scene, kept, out / poster.name, sidecar_path(kept), float(record.get("duration_s", 0.0)),
                    float(record.get("render_s", 0.0)))


def _dmm_version() -> str:
    from dmm_edu import __version__

    return __version__


def is_fresh(output: str | Path, result, quality: str | None = None) -> bool:
    """True if `output` exists and its sidecar says it was drawn from `result` (and at `quality`, if given)."""
    record = read_sidecar(output)
    return (Path(output).is_file() and record is not None and record.get("content_hash") == result.content_hash()
            and (quality is None or record.get("quality") == quality))


def book_videos(docs_dir: str | Path, profile: str = "book", quality: str = "low", scenes=None,
                progress: Callable[[str], None] | None = None) -> list[Rendered | Path]:
    """Render the book's videos into docs_dir/figures/generated/videos/ (mp4 + poster + sidecar).

    A video whose sidecar already names the same result and quality is kept, not re-rendered;
    the returned list holds a Rendered for each new render and the Path of each kept video.
    """
    from dmm_edu.experiments.base import run_cached

    out = Path(docs_dir) / VIDEOS_DIR
    done: list[Rendered | Path] = []
    for name in scenes or SCENES:
        spec = SCENES[check_choice("scene", name, tuple(SCENES))]
        result = run_cached(spec.experiment, profile, 0)
        target = out / f"{name}.mp4"
        if is_fresh(target, result, quality):
            done.append(target)
            if progress:
                progress(f"{name}: up to date ({target})")
            continue
        done.append(render(name, quality, "mp4", profile, 0, out, result=result, progress=progress))
    return done
