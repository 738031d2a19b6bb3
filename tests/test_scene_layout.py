"""The lecture-hall layout rules at every beat of every scene, checked on the mobjects (frame_checks.problems).

Each scene runs from its stored smoke result with its animations skipped (end states only, nothing
drawn), and at every `wait` the texts on screen must lie inside the frame, not overlap, be at least
~4 % of the frame height tall; the first beat must be a title card of at most two lines held >= 3 s;
axes on screen must be titled. Negative controls: small scenes that break one rule each must be
caught, so the checker can fail. The shared image camera (animations._common.PixelCamera, manim 0.22
beside Pillow >= 12) is checked here too: it draws an image where manim's own camera cannot.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")

from dmm_edu import animate  # noqa: E402
from dmm_edu.results import load_result  # noqa: E402
from frame_checks import CONTROL, problems, record  # noqa: E402

STORED = {"E1": "E1-smoke", "E3": "E3-smoke", "E5": "E5-smoke", "E7": "E7-smoke", "E9": "E9-smoke"}


def common():
    animate.scene_class("clinging_3d")  # puts the repository on sys.path
    import animations._common as module

    return module


@pytest.mark.parametrize("scene", list(animate.SCENES))
def test_every_beat_keeps_the_layout_rules(scene):
    spec = animate.SCENES[scene]
    cls = common().configured(animate.scene_class(scene), result=load_result(CONTROL / STORED[spec.experiment]))
    beats = record(cls)
    assert len(beats) >= 3, "a scene has a title card and at least two more beats"
    assert problems(beats) == []


# --- negative controls: one broken rule each -------------------------------------------------------

def _scene(build):
    from manim import Scene

    return type("Broken", (Scene,), {"construct": lambda self: build(self, common())})


def _card(scene, c):
    c.title_card(scene, "A title", "one line")


def overlapping(scene, c):  # the old adversarial_step: two verdict lines printed over each other
    _card(scene, c)
    scene.add(c.text("median of 200 points: 0.87", c.LABEL), c.text("DMM ordering holds", c.LABEL).shift(0.1 * np.array([1, 0, 0])))
    c.beat(scene, 1.0)


def off_frame(scene, c):
    _card(scene, c)
    scene.add(c.text("on-manifold is shorter", c.BODY).move_to([6.5, 0, 0]))
    c.beat(scene, 1.0)


def too_small(scene, c):
    _card(scene, c)
    scene.add(c.text("a footer at 18 points", 18))
    c.beat(scene, 1.0)


def scaled_down(scene, c):
    _card(scene, c)
    scene.add(c.text("a header scaled to fit", c.BODY).scale(0.6))
    c.beat(scene, 1.0)


def long_card(scene, c):
    from manim import DOWN, VGroup

    card = VGroup(*[c.text(f"line {i}", c.BODY) for i in range(5)]).arrange(DOWN)
    card.dmm_title_card = True
    scene.add(card)
    scene.wait(2.4)


def untitled_axes(scene, c):
    from manim import Axes

    _card(scene, c)
    scene.add(Axes(x_range=[0, 1], y_range=[0, 1], x_length=4, y_length=3))
    c.beat(scene, 1.0)


def good(scene, c):
    from manim import Axes

    _card(scene, c)
    axes = Axes(x_range=[0, 1], y_range=[0, 1], x_length=6, y_length=3)
    scene.add(axes, c.titled(axes, "x", "y"), c.text("a label", c.LABEL).to_corner(np.array([-1, 1, 0])))
    c.beat(scene, 1.0)


@pytest.mark.parametrize("build, expected", [
    (overlapping, "overlaps"), (off_frame, "outside the frame"), (too_small, "at least"),
    (scaled_down, "at least"), (long_card, "lines (at most 2)"), (long_card, "held 2.4 s"),
    (untitled_axes, "axes without both titles"),
], ids=["overlap", "off_frame", "small_text", "scaled_down", "long_card", "short_hold", "untitled_axes"])
def test_the_checker_catches_each_broken_rule(build, expected):
    found = problems(record(_scene(build)))
    assert any(expected in p for p in found), found


def test_the_checker_passes_a_scene_that_keeps_the_rules():
    assert problems(record(_scene(good))) == []


def test_a_title_card_refuses_a_third_line():
    with pytest.raises(ValueError, match="at most two lines"):
        common().title_card(object(), "A title", "one line\nand another")


# --- the image camera: manim 0.22 with Pillow >= 12 --------------------------------------------------

def _image_frame(camera_class) -> np.ndarray:
    import tempfile

    from manim import ImageMobject, Scene, tempconfig

    rgba = np.zeros((4, 4, 4), dtype=np.uint8)  # (H, W, 4): a red square with a green top-left pixel
    rgba[..., 0], rgba[..., 3] = 255, 255
    rgba[0, 0] = (0, 255, 0, 255)

    class Picture(Scene):
        def construct(self):
            img = ImageMobject(rgba)
            img.height = 8  # the full frame height
            self.add(img)

    with tempfile.TemporaryDirectory() as media, tempconfig({"media_dir": media, "dry_run": True,
                                                             "save_last_frame": True, "verbosity": "ERROR",
                                                             "frame_size": (160, 90), "disable_caching": True}):
        scene = Picture(camera_class=camera_class)
        scene.render()
        return scene.renderer.get_frame()  # (90, 160, 4)


def test_the_shared_camera_draws_an_image_with_this_pillow():
    frame = _image_frame(common().PixelCamera)
    assert tuple(frame[45, 80, :3]) == (255, 0, 0)  # the middle of the image: red
    assert tuple(frame[2, 40, :3]) == (0, 255, 0)  # its top-left pixel, drawn 22 screen pixels wide: green
    assert tuple(frame[45, 5, :3]) == (0, 0, 0)  # left of the image: the background


def test_manims_own_camera_fails_on_images_with_this_pillow():
    """The negative control: why the shared camera exists. If this starts passing (a fixed manim or Pillow),
    the workaround may go."""
    from manim import Camera
    from PIL import __version__ as pillow

    if int(pillow.split(".")[0]) < 12:
        pytest.skip(f"Pillow {pillow} still accepts float RGBA arrays")
    with pytest.raises((TypeError, ValueError)):
        _image_frame(Camera)
