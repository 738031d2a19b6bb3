"""What every animation test shares: render a scene's last frame small and compare it with a stored one.

Two measures, both on 0-255 levels. Rendering the same scene twice is bit-identical here; the
tolerances leave room for another cairo/pango build, whose anti-aliasing changes edge pixels by a
few levels (the mean) and whose font hinting may shift a glyph by a pixel (a few dozen pixels
changed by a lot: the fraction). A thin curve moved (the 2-D toy) changes few pixels, so the
fraction catches it where the mean over the whole frame barely moves; a surface moved changes both.
Control frames live in tests/control_frames/ beside the stored smoke results the scenes draw, so
training-code changes do not move the picture.

Also: the lecture-hall layout rules, checked on a scene's mobjects at every beat (every `wait`), not on pixels.

`record(scene_cls)` runs a scene with its animations skipped (only end states, nothing drawn) and
takes, at each `wait`, a snapshot of what is on screen: every Text/MarkupText with its bounding box and effective font size, every Axes, and any title card. `problems(beats)` lists the
broken rules, in words:

- every text lies inside the frame, and no two texts' bounding boxes overlap;
- every text is at least MIN_CAP of the frame height tall (a capital letter's height, from its
  effective font size, so scaled and rotated labels count at the size they are drawn);
- the first beat is a title card (a VGroup marked `dmm_title_card`) of at most two lines, held at
  least TITLE_HOLD seconds;
- every Axes on screen carries titles (`dmm_titles`, set by animations._common.titled) that are
  themselves on screen.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from dmm_edu import animate

CONTROL = Path(__file__).resolve().parent / "control_frames"
SIZE = (320, 180)  # (width, height) of the test renders
TOL_MEAN = 2.0  # mean |difference| over pixels and channels
TOL_FRAC = 0.002  # share of pixels where some channel differs by more than 64 levels (115 of 57,600)


def last_frame(scene: str, result, out: Path, frame_rate: float | None = None, **attrs) -> np.ndarray:
    """Render the last frame of `scene` at SIZE; (H, W, 3) float array. Checks its sidecar on the way.

    frame_rate: fewer frames are faster to draw; the last frame is the end state of every animation.
    """
    done = animate.render(scene, "low", "png", out=out, result=result, frame_size=SIZE, frame_rate=frame_rate,
                          **attrs)
    record = json.loads(done.sidecar.read_text())
    assert record["content_hash"] == result.content_hash() and record["scene"] == scene
    return np.asarray(Image.open(done.output).convert("RGB"), dtype=float)


def differs(a: np.ndarray, b: np.ndarray) -> bool:
    """True if frames a and b (H, W, 3) differ by more than the tolerances."""
    assert a.shape == b.shape, (a.shape, b.shape)
    d = np.abs(a - b)  # (H, W, 3)
    return float(d.mean()) > TOL_MEAN or float(np.mean(d.max(axis=2) > 64)) > TOL_FRAC


def control(scene: str) -> np.ndarray:
    """The stored control frame of `scene`, (H, W, 3) float."""
    return np.asarray(Image.open(CONTROL / f"{scene}.png").convert("RGB"), dtype=float)


def regenerate(results: dict, frame_rate: float | None = None) -> None:
    """Write the control frame of each scene in `results` (scene -> the Result it draws). Run only after a
    deliberate change of a scene, and look at the new frames."""
    with tempfile.TemporaryDirectory() as tmp:
        for scene, result in results.items():
            done = animate.render(scene, "low", "png", out=tmp, result=result, frame_size=SIZE, frame_rate=frame_rate)
            shutil.copy(done.output, CONTROL / f"{scene}.png")
            print(f"wrote {CONTROL / f'{scene}.png'}")


# --- the layout rules, on the mobjects at every beat -----------------------------------------------


MIN_CAP = 0.0375  #: the smallest capital height allowed, as a share of the frame height (~4 %)
TITLE_HOLD = 3.0  #: seconds
EDGE_TOL = 0.02  #: scene units a box may touch past the frame edge (anti-aliasing)
OVERLAP_TOL = 0.02  #: scene units two boxes may share (touching lines of one block)


def _cap_per_point() -> float:
    from manim import Text

    return float(Text("H", font="DejaVu Sans", font_size=100).height) / 100


def _opacity(mob) -> float:
    members = mob.family_members_with_points()
    return max((max(float(m.get_fill_opacity()), float(m.get_stroke_opacity())) for m in members), default=0.0)


def _font_size(t) -> float:
    """The size a Text is drawn at, after any scaling; rotation by a quarter turn keeps the box's area."""
    if hasattr(t, "dmm_unscaled"):
        w0, h0, size = t.dmm_unscaled
        return size * float(np.sqrt(t.width * t.height / (w0 * h0)))
    return float(t.font_size)


def snapshot(scene, seconds: float) -> dict:
    """What is on screen now: texts (string, box, font size), axes (titled or not), the title card if any."""
    from manim import Axes, MarkupText, Text

    texts, axes, card = [], [], None
    seen = set()
    for top in scene.mobjects:
        for mob in top.get_family():
            if id(mob) in seen:
                continue
            seen.add(id(mob))
            if getattr(mob, "dmm_title_card", False):
                card = mob
            if isinstance(mob, Axes):
                axes.append(mob)
            if isinstance(mob, (Text, MarkupText)) and _opacity(mob) > 0.05:
                box = (*mob.get_corner([-1, -1, 0])[:2], *mob.get_corner([1, 1, 0])[:2])  # x0, y0, x1, y1
                texts.append({"text": getattr(mob, "original_text", str(mob)), "box": tuple(map(float, box)),
                              "size": _font_size(mob), "id": id(mob)})
    on_screen = {t["id"] for t in texts}
    card_lines = None
    if card is not None:
        card_lines = sum(1 for m in card.get_family() if isinstance(m, (Text, MarkupText))
                         for _ in range(max(1, m.text.count("\n") + 1) if hasattr(m, "text") else 1))
    return {"t": float(scene.renderer.time), "seconds": float(seconds), "texts": texts,
            "axes": [all(id(x) in on_screen for x in getattr(ax, "dmm_titles", ())) and
                     len(getattr(ax, "dmm_titles", ())) == 2 for ax in axes],
            "card_lines": card_lines}


def record(scene_cls, frame_size=(854, 480)) -> list[dict]:
    """Run `scene_cls` with animations skipped; a snapshot at each `wait`.

    frame_size: manim lays Text out in an SVG as wide as the frame in pixels, so a long line wraps at
    tiny sizes (160x90) where it does not at -ql (854x480): check at the smallest size a lecture uses.
    Nothing is drawn (dry run, animations skipped), so the size costs no time.
    """
    from manim import tempconfig

    beats: list[dict] = []

    class Recording(scene_cls):
        def wait(self, duration=1.0, *args, **kwargs):
            beats.append(snapshot(self, duration))
            return super().wait(duration, *args, **kwargs)

    Recording.__name__ = scene_cls.__name__
    with tempfile.TemporaryDirectory() as media, tempconfig({
            "media_dir": media, "dry_run": True, "save_last_frame": True, "disable_caching": True,
            "verbosity": "ERROR", "progress_bar": "none", "frame_size": frame_size, "frame_rate": 5}):
        Recording().render()
    return beats


def problems(beats: list[dict]) -> list[str]:
    """The broken rules, one line each (empty: the scene keeps them all)."""
    from manim import config

    w, h = config.frame_width / 2, config.frame_height / 2
    min_size = MIN_CAP * config.frame_height / _cap_per_point()
    found: list[str] = []
    if not beats:
        return ["the scene has no beat (no wait)"]
    first = beats[0]
    if first["card_lines"] is None:
        found.append("the first beat is not a title card")
    else:
        if first["card_lines"] > 2:
            found.append(f"the title card has {first['card_lines']} lines (at most 2)")
        if first["seconds"] < TITLE_HOLD:
            found.append(f"the title card is held {first['seconds']:g} s (at least {TITLE_HOLD:g} s)")
    for b in beats:
        at = f"at t = {b['t']:.1f} s"
        for t in b["texts"]:
            x0, y0, x1, y1 = t["box"]
            if x0 < -w - EDGE_TOL or x1 > w + EDGE_TOL or y0 < -h - EDGE_TOL or y1 > h + EDGE_TOL:
                found.append(f"{at}: {t['text']!r} runs outside the frame (box {x0:.2f}, {y0:.2f}, {x1:.2f}, {y1:.2f})")
            if t["size"] < min_size - 0.01:
                found.append(f"{at}: {t['text']!r} is drawn at {t['size']:.1f} points (at least {min_size:.1f})")
        for i, a in enumerate(b["texts"]):
            for c in b["texts"][i + 1:]:
                dx = min(a["box"][2], c["box"][2]) - max(a["box"][0], c["box"][0])
                dy = min(a["box"][3], c["box"][3]) - max(a["box"][1], c["box"][1])
                if dx > OVERLAP_TOL and dy > OVERLAP_TOL:
                    found.append(f"{at}: {a['text']!r} overlaps {c['text']!r}")
        if not all(b["axes"]):
            found.append(f"{at}: axes without both titles on screen")
    return found
