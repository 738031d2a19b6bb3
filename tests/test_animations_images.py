"""The two scenes on high-dimensional data: on/off-manifold parts of a digit (E7) and the random baseline (E3).

As tests/test_animations.py: each scene's last frame, rendered at 320x180 from a stored smoke result
(tests/control_frames/E7-smoke and E3-smoke, so training-code changes do not move the picture), is
compared with a stored PNG (on_off_digits.png, random_baseline.png); a negative control (other medians in
the result, an earlier (n, k) pair) must fail the same comparison. Renders run at 5 frames per
second: the last frame is the end state of every animation, the same at any frame rate. The stored
E7 smoke result is the whole result (80 KB), so its content hash is the one `run_cached("E7",
"smoke", 0)` gives; loading it and drawing it needs no torch. Regenerate the control frames after a
deliberate change of a scene with `python tests/test_animations_images.py --regenerate` (and look at them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")

from dmm_edu import animate, palette  # noqa: E402
from dmm_edu.results import load_result  # noqa: E402
from frame_checks import CONTROL, SIZE, control, differs, last_frame, regenerate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FRAME_RATE = 5  # fewer frames to draw; the last frame does not depend on it
STORED = {"on_off_digits": "E7-smoke", "random_baseline": "E3-smoke"}  # scene -> its stored smoke result


def stored(scene: str):
    return load_result(CONTROL / STORED[scene])  # verifies the content hash


def scene_module(scene: str):
    return sys.modules[animate.scene_class(scene).__module__]  # scene_class puts animations/ on the path


@pytest.mark.parametrize("scene", list(STORED))
def test_last_frame_matches_the_control_frame(scene, tmp_path):
    frame = last_frame(scene, stored(scene), tmp_path, FRAME_RATE)
    assert frame.shape == (SIZE[1], SIZE[0], 3)
    assert frame.std() > 10, "the frame is (nearly) blank"
    assert not differs(frame, control(scene))


def other_medians(result):
    """The same E7 result with other medians: what the closing frame reads must show in it."""
    import copy

    other = copy.copy(result)
    other.metrics = copy.deepcopy(result.metrics)
    other.metrics["ae"].update(d_on_over_d_free=8.88, d_off_over_d_free=0.11, n_measured=999)
    other.metrics["baseline_d_on_over_d_free"] = 1.1
    return other


@pytest.mark.parametrize("scene, change", [("on_off_digits", "other_medians"), ("random_baseline", {"last_dim": 0})],
                         ids=["other_medians", "earlier_n"])
def test_other_numbers_or_an_earlier_setting_fail_the_comparison(scene, change, tmp_path):
    if change == "other_medians":  # the scene ends on the run's medians, not on one digit
        frame = last_frame(scene, other_medians(stored(scene)), tmp_path, FRAME_RATE)
    else:
        frame = last_frame(scene, stored(scene), tmp_path, FRAME_RATE, **change)
    assert differs(frame, control(scene))


@pytest.mark.parametrize("scene, attrs, name", [("on_off_digits", {"example_index": 99}, "example_index"),
                                                ("random_baseline", {"last_dim": 7}, "last_dim")])
def test_an_index_out_of_range_names_the_attribute(scene, attrs, name, tmp_path):
    with pytest.raises(ValueError, match=name):
        animate.render(scene, "low", "png", out=tmp_path, result=stored(scene), frame_size=SIZE, **attrs)


def test_a_result_of_another_experiment_is_refused(tmp_path):
    with pytest.raises(ValueError, match="E3"):
        animate.render("on_off_digits", out=tmp_path, result=stored("random_baseline"))


def test_loading_and_drawing_e7_needs_no_torch():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import animations.on_off_digits; "
            "from dmm_edu.results import load_result; load_result(sys.argv[2]); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(CONTROL / "E7-smoke")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


# --- the pieces the scenes are drawn with ------------------------------------------------------------

def test_signed_colours_are_white_at_zero_and_saturate_at_vmax():
    m = scene_module("on_off_digits")
    d = np.array([[[0.0, 0.5, -0.5, 2.0, -2.0]]])  # (C=1, H=1, W=5)
    rgb = m.signed_rgba(d, vmax=0.5)[0, :, :3].astype(int)  # (5, 3)
    white, blue, red = (np.rint(255 * np.array(palette.hex_to_rgb(c))).astype(int)
                        for c in (palette.MID, palette.BELOW, palette.ABOVE))  # the figures' diverging scale
    assert (rgb[0] == white).all() and (rgb[1] == red).all() and (rgb[2] == blue).all()
    assert (rgb[3] == red).all() and (rgb[4] == blue).all()  # beyond ±vmax: clipped, not wrapped
    half = m.signed_rgba(d, vmax=1.0)[0, 1, :3].astype(int)  # 0.5 of the way from white to red
    assert np.abs(half - (white + red) / 2).max() <= 1
    assert (m.signed_rgba(d, vmax=0.5)[..., 3] == 255).all()


def test_grey_images_clip_to_the_box_and_keep_their_pixels():
    m = scene_module("on_off_digits")
    x = np.array([[[0.0, 0.25, 1.0, 1.7, -0.3]]])  # (C=1, H=1, W=5)
    rgba = m.gray_rgba(x)  # (1, 5, 4)
    assert rgba.shape == (1, 5, 4) and rgba.dtype == np.uint8
    assert list(rgba[0, :, 0]) == [0, 64, 255, 255, 0] and (rgba[0, :, 0] == rgba[0, :, 2]).all()
    colour = m.gray_rgba(np.random.default_rng(0).uniform(size=(3, 4, 6)))  # (C=3, H=4, W=6) -> (4, 6, 4)
    assert colour.shape == (4, 6, 4)


def test_the_verdict_reads_the_medians_and_the_baseline():
    m = scene_module("on_off_digits")
    metrics = stored("on_off_digits").metrics
    text = " ".join(t.original_text for t in m.OnOffDigits._verdict(metrics, 784, 16))
    assert f"d_on / d_free = {metrics['ae']['d_on_over_d_free']:.2f}" in text
    assert f"d_off / d_free = {metrics['ae']['d_off_over_d_free']:.2f}" in text
    assert f"√(n/k) = {metrics['baseline_d_on_over_d_free']:.1f}" in text
    assert "checks" not in text and "yes" not in text  # numbers beside the baseline, no pass/fail verdict
    other = other_medians(stored("on_off_digits")).metrics
    assert "8.88" in " ".join(t.original_text for t in m.OnOffDigits._verdict(other, 784, 16))


def test_histogram_shares_sum_to_one_and_skip_nan():
    m = scene_module("random_baseline")
    on = np.array([0.0, 0.1, 0.1, 0.999, 1.0, 5.0, np.nan])  # (7,), in units of a baseline of 1/3
    h = m.shares(on, 1 / 3)  # (N_BINS,) over on / baseline in [0, X_MAX = 3]
    assert h.shape == (m.N_BINS,) and np.isclose(h.sum(), 1.0)
    assert np.isclose(h[0], 1 / 6) and np.isclose(h[-1], 0.5)  # 3.0 and beyond fall in the last bin, NaN nowhere
    assert np.isclose(h[int(0.3 / (m.X_MAX / m.N_BINS))], 2 / 6)  # 0.1 / (1/3) = 0.3
    r = stored("random_baseline")
    assert [n for n, _ in m.e3_dims(r)] == sorted(n for n, _ in r.metrics["dims"])


if __name__ == "__main__" and "--regenerate" in sys.argv:
    regenerate({scene: stored(scene) for scene in STORED}, frame_rate=FRAME_RATE)
