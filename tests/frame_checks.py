"""What every animation test shares: render a scene's last frame small and compare it with a stored one.

Two measures, both on 0-255 levels. Rendering the same scene twice is bit-identical here; the
tolerances leave room for another cairo/pango build, whose anti-aliasing changes edge pixels by a
few levels (the mean) and whose font hinting may shift a glyph by a pixel (a few dozen pixels
changed by a lot: the fraction). A thin curve moved (the 2-D toy) changes few pixels, so the
fraction catches it where the mean over the whole frame barely moves; a surface moved changes both.
Control frames live in tests/control_frames/ beside the stored smoke results the scenes draw, so
training-code changes do not move the picture.
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
