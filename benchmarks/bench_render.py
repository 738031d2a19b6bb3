"""How long the lecture scenes are, and how long they take to render at medium and high quality.

Not a speed comparison (there is no baseline): numbers a lecturer plans with. For each scene, its
length (scene time) and its beats (the slides of its deck), from a dry run that draws nothing; for
the scenes in --scenes, the wall-clock seconds of `dmm_edu.animate.render` (manim in this process,
video encoding included) at each quality in --qualities; with --decks, the seconds of
`dmm_edu.slides.build` at low quality for every scene (what `dmm-edu slides build all` costs).

Which result each scene draws: the cached run at --profile if the cache holds it (what `dmm-edu
animate` would draw), else the stored smoke result the tests use (tests/control_frames/<E>-smoke);
`--stored` takes the stored smoke results for every scene. Nothing is trained. Each entry records the
result it drew (experiment, profile, content hash), so the numbers say what they are. Lengths depend
on the result (a smoke run saves fewer snapshots and dimensions than the book's). The machine's
core count and load average are recorded beside the times: on a shared machine they move a lot.

    python benchmarks/bench_render.py                          # line_toy_2d at medium and high; every length
    python benchmarks/bench_render.py --scenes random_baseline --qualities medium --decks
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "tests" / "control_frames"  #: the stored smoke results (<E>-smoke)
OUT = Path(__file__).resolve().parent / "results" / "render.json"


def cached(experiment: str, profile: str, seed: int = 0):
    """The cached run of `experiment` at `profile`, or None if the cache does not hold it (nothing is run)."""
    from dmm_edu.cache import results_dir
    from dmm_edu.experiments.base import cache_key, config_for
    from dmm_edu.results import load_result

    folder = results_dir() / f"{experiment}-{profile}-s{seed}-{cache_key(experiment, profile, seed, config_for(experiment, profile))}"
    try:
        return load_result(folder)
    except Exception:  # not cached, or damaged: this benchmark does not run experiments
        return None


def result_for(scene: str, profile: str, stored_only: bool):
    """(Result, where it came from) for `scene`."""
    from dmm_edu.animate import SCENES
    from dmm_edu.results import load_result

    experiment = SCENES[scene].experiment
    result = None if stored_only else cached(experiment, profile)
    if result is not None:
        return result, f"cache ({profile})"
    return load_result(STORED / f"{experiment}-smoke"), f"stored {STORED.relative_to(ROOT)}/{experiment}-smoke"


def length(scene: str, result) -> tuple[float, int]:
    """(scene time in seconds, number of beats) of `scene` drawing `result`, from a dry run."""
    from manim import tempconfig

    from dmm_edu.animate import SCENES, scene_class

    base = scene_class(scene)
    from animations._common import configured

    beats: list[str] = []
    cls = configured(base, result=result, **SCENES[scene].attrs, next_slide=lambda self, notes="": beats.append(notes))
    with tempfile.TemporaryDirectory() as media, tempconfig({
            "media_dir": media, "dry_run": True, "disable_caching": True, "verbosity": "ERROR",
            "progress_bar": "none", "frame_rate": 30}):
        instance = cls()
        instance.render()
    return float(instance.renderer.time), len(beats)


def described(result, source: str) -> dict:
    return {"experiment": result.experiment, "profile": result.profile, "seed": result.seed,
            "content_hash": result.content_hash(), "source": source}


def main() -> None:
    from dmm_edu.animate import QUALITIES, SCENES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", nargs="+", choices=list(SCENES), default=["line_toy_2d"],
                        help="scenes to render at each quality")
    parser.add_argument("--qualities", nargs="+", choices=list(QUALITIES), default=["medium", "high"])
    parser.add_argument("--profile", default="book", choices=["smoke", "book", "full"],
                        help="the cached run to draw when the cache holds it")
    parser.add_argument("--stored", action="store_true", help="draw the stored smoke results for every scene")
    parser.add_argument("--decks", action="store_true", help="also time a deck build at low quality for every scene")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from dmm_edu import animate, slides

    load_before = os.getloadavg()
    record: dict = {"lengths": [], "renders": [], "decks": []}
    for scene in SCENES:
        result, source = result_for(scene, args.profile, args.stored)
        seconds, beats = length(scene, result)
        record["lengths"].append({"scene": scene, "length_s": round(seconds, 1), "beats": beats,
                                  "result": described(result, source)})
        print(f"{scene:22s} {seconds:5.1f} s, {beats:2d} beats  ({source})", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for scene in args.scenes:
            result, source = result_for(scene, args.profile, args.stored)
            for quality in args.qualities:
                load = os.getloadavg()[0]
                done = animate.render(scene, quality, "mp4", out=Path(tmp) / quality, result=result)
                sidecar = json.loads(done.sidecar.read_text())
                record["renders"].append({
                    "scene": scene, "quality": quality, "render_s": round(done.render_s, 1),
                    "length_s": round(done.duration_s, 1), "pixels": [sidecar["pixel_width"], sidecar["pixel_height"]],
                    "frame_rate": sidecar["frame_rate"], "mp4_mb": round(done.output.stat().st_size / 1e6, 2),
                    "load_average_at_start": round(load, 2), "result": described(result, source)})
                print(f"{scene:22s} {quality:6s} rendered in {done.render_s:6.1f} s "
                      f"({done.duration_s:.1f} s of animation, load {load:.1f})", flush=True)
        if args.decks:
            for scene in SCENES:
                result, source = result_for(scene, args.profile, args.stored)
                load = os.getloadavg()[0]
                deck = slides.build(scene, "low", Path(tmp) / "decks", result=result)
                record["decks"].append({"scene": scene, "quality": "low", "build_s": round(deck.render_s, 1),
                                        "slides": len(deck.notes), "load_average_at_start": round(load, 2),
                                        "result": described(result, source)})
                print(f"{scene:22s} deck at low built in {deck.render_s:6.1f} s ({len(deck.notes)} slides)", flush=True)
    record.update({
        "command": " ".join(["python", "benchmarks/bench_render.py", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
                    "load_average_after": [round(v, 2) for v in os.getloadavg()],
                    "threads": "manim draws on one thread; the video encoder (PyAV's ffmpeg) uses its default"},
        "versions": {name: _version(name) for name in ("manim", "manim-slides", "av", "Pillow", "numpy")}
                    | {"python": platform.python_version()},
    })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out}")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # the scenes (animations/) live beside the package
    main()
