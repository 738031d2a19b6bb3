"""What every lecture scene shares: where its result comes from, its colours, its title card.

A scene never trains and never runs an experiment: it draws a saved experiment `Result` it is
given. The render driver (`dmm-edu animate`, `dmm_edu.animate.render`) gets the result through
the cache (running the experiment first if needed) and hands it to the scene class
(`configured(...)`). A scene run straight from manim's command line (from the repository root:
`DMM_EDU_ANIM_RESULT=results/e1 PYTHONPATH=. manim -ql animations/clinging_3d.py ClingingDimpling`)
reads the result folder named by $DMM_EDU_ANIM_RESULT (written by `dmm-edu run E1 --out
results/e1`); with neither it stops with an error that says how to get one. Colours come from
`dmm_edu.palette` (the book's figures use the same). Labels are Text (Pango), never LaTeX.

The lecture-hall rules every scene keeps (tests/test_scene_layout.py checks them at every beat, on
the mobjects): text at least LABEL points (a capital about 4 % of the frame height), inside the frame,
no two texts overlapping; a title card of at most two lines held at least TITLE_HOLD seconds (what
used to be its small print is the beat's speaker note); axes titled (`titled`). A beat (`beat`) is a
pause, and a slide break when the scene is rendered as a deck (`dmm-edu slides build`).
Book page: "For lecturers".
"""

from __future__ import annotations

import os

import numpy as np
from manim import DOWN, LEFT, Camera, FadeIn, FadeOut, ManimColor, MarkupText, Text, VGroup
from PIL import Image

from dmm_edu import palette

RESULT_ENV = "DMM_EDU_ANIM_RESULT"  #: the folder of a saved result, for scenes run from manim's command line

# the palette's colours as Manim colours (on manim's black background ink is near-white)
INK = ManimColor(palette.INK_ON_DARK)  #: text and the decision boundary
MUTED = ManimColor(palette.MUTED_ON_DARK)  #: axes, frames, secondary text
MANIFOLD = ManimColor(palette.MANIFOLD)  #: the data manifold (dashed)
GHOST = ManimColor(palette.GHOST)  #: another network's boundary, for comparison
BASELINE = ManimColor(palette.BASELINE)  #: the random baseline √(k/n) (dashed)
ON_COLOUR, OFF_COLOUR = ManimColor(palette.ON), ManimColor(palette.OFF)  #: the on- and off-manifold ways
RANDOM_COLOUR, GRADIENT_COLOUR = ManimColor(palette.RANDOM), ManimColor(palette.GRADIENT)
BELOW, MID, ABOVE = (ManimColor(c) for c in palette.DIVERGING)  #: the diverging scale: -vmax, 0, +vmax
FONT = "DejaVu Sans"  # a font every Debian/Ubuntu machine has (Pango falls back if missing)
TITLE, BODY, LABEL = 48, 34, 30  #: font sizes: title cards; headers and status; labels, ticks (the smallest allowed)
SMALL = LABEL  #: the smallest text a scene may use
TITLE_HOLD = 3.0  #: seconds a title card stays up


class NoResultError(RuntimeError):
    """A scene was started without a saved result to draw."""


def how_to_get_a_result(scene_cls: type, experiment: str) -> str:
    """The commands that render `scene_cls` from a saved `experiment` result, as one message."""
    from dmm_edu.animate import SCENES

    name = next((n for n, spec in SCENES.items() if spec.cls == scene_cls.__name__), None)
    module = scene_cls.__module__.rsplit(".", 1)[-1]
    folder = f"results/{experiment.lower()}-smoke"
    via_driver = f"`dmm-edu animate {name}` (it runs or reuses the cached {experiment} run)" if name else \
        "`dmm-edu animate <scene>`"
    return (f"{scene_cls.__name__} draws a saved {experiment} result and was given none. Render it with "
            f"{via_driver}, or save a run and name its folder in ${RESULT_ENV}: "
            f"`dmm-edu run {experiment} --profile smoke --out {folder}`, then, from the repository root, "
            f"`{RESULT_ENV}={folder} PYTHONPATH=. manim -ql animations/{module}.py {scene_cls.__name__}`.")


def scene_result(scene, experiment: str):
    """The Result a scene draws: the one the driver attached (`scene.result`), else the folder in $DMM_EDU_ANIM_RESULT.

    Raises NoResultError (saying how to get a result) with neither, FileNotFoundError if the folder
    holds no result, ValueError if it holds another experiment's.
    """
    result = getattr(scene, "result", None)
    if result is None:
        folder = os.environ.get(RESULT_ENV, "").strip()
        if not folder:
            raise NoResultError(how_to_get_a_result(type(scene), experiment))
        from dmm_edu.results import load_result

        try:
            result = load_result(folder)
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{RESULT_ENV}={folder!r} holds no saved result ({exc}). "
                                    + how_to_get_a_result(type(scene), experiment)) from exc
    if result.experiment != experiment:
        where = f" ({RESULT_ENV}={os.environ.get(RESULT_ENV)!r})" if getattr(scene, "result", None) is None else ""
        raise ValueError(f"{type(scene).__name__} draws an {experiment} result; got one of {result.experiment}{where}")
    return result


def class_colour(label: int) -> ManimColor:
    """The colour of class (label) `label`, as in the figures (palette.CLASSES)."""
    return ManimColor(palette.class_colour(label))


def configured(scene_cls: type, **attrs) -> type:
    """A subclass of `scene_cls` with class attributes replaced (result, seed_index, last_snapshot …)."""
    return type(scene_cls.__name__, (scene_cls,), attrs)


def fraction_label(f: float) -> str:
    """'init', 'T' or '0.25·T' for a fraction f of T."""
    return "init" if f == 0 else "T" if f == 1 else f"{f:g}·T"


def height_rgb(h, s_max: float) -> np.ndarray:
    """Diverging colour of boundary heights h (...,) as RGB (..., 3) in [0, 1] (palette.DIVERGING): blue
    below the data, near-white on it, vermillion above; saturates at half the search range s_max."""
    return palette.diverging_rgb(np.asarray(h, dtype=float) / (0.5 * s_max))


def text(s: str, size: int = BODY, colour=INK, **kwargs) -> Text:
    """A Text label in the scene font; it remembers its unscaled size, so the layout test can tell its
    effective font size after scaling or rotation."""
    t = Text(s, font=FONT, font_size=size, color=colour, **kwargs)
    t.dmm_unscaled = (float(t.width), float(t.height), float(size))
    return t


def beat(scene, seconds: float, notes: str = "") -> None:
    """A pause the audience reads: wait `seconds`; in a deck (a manim-slides Slide) also a slide break,
    with `notes` as the speaker note of the slide that ends here."""
    scene.wait(seconds)
    if hasattr(scene, "next_slide"):
        scene.next_slide(notes=notes)


def title_card(scene, title: str, subtitle: str = "", notes: str = "", seconds: float = TITLE_HOLD,
               fixed: bool = False) -> None:
    """The first beat: a title and at most one line under it (which run), held `seconds` (>= TITLE_HOLD).

    The detail that does not fit in two lines goes into `notes`, the speaker note of this slide.
    `fixed`: pin to the screen (3-D scenes).
    """
    if "\n" in title or "\n" in subtitle:
        raise ValueError(f"a title card holds at most two lines (a title and a subtitle); got {title!r}, {subtitle!r}")
    card = VGroup(text(title, TITLE, weight="BOLD"), *([text(subtitle, BODY, MUTED)] if subtitle else [])) \
        .arrange(DOWN, buff=0.45)
    card.dmm_title_card = True  # what the layout test looks for
    if fixed:
        scene.add_fixed_in_frame_mobjects(card)
        scene.remove(card)
    scene.play(FadeIn(card), run_time=0.5)
    beat(scene, max(seconds, TITLE_HOLD), notes)
    scene.play(FadeOut(card), run_time=0.5)


def hud(lines: list[str], corner, font_size: int = BODY, colour=INK) -> VGroup:
    """A block of status text placed at a corner of the frame (e.g. UL, DL), one Text per line."""
    block = VGroup(*[text(line, font_size, colour) for line in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
    return block.to_corner(corner, buff=0.3)


def titled(axes, x_title: str, y_title: str, size: int = LABEL, ticks=None) -> VGroup:
    """Axis titles for `axes` (x below, y rotated at the left, clear of the tick labels `ticks`),
    remembered on the axes for the layout test."""
    around = VGroup(axes, ticks) if ticks is not None else axes
    x = text(x_title, size, MUTED).next_to(around, DOWN, buff=0.15)
    y = text(y_title, size, MUTED).rotate(np.pi / 2).next_to(around, LEFT, buff=0.15)
    axes.dmm_titles = (x, y)
    return VGroup(x, y)


def label_key(font_size: int = LABEL) -> MarkupText:
    """'● label 1  ● label 0' with the label colours."""
    one, zero = palette.class_colour(1), palette.class_colour(0)
    return MarkupText(f'<span foreground="{one}">●</span> label 1   <span foreground="{zero}">●</span> label 0',
                      font=FONT, font_size=font_size)


def nearer_way(d_off: float, d_on: float) -> str:
    """Which way out is shorter, in words that take no side: the same wording for every scene."""
    if not (np.isfinite(d_off) or np.isfinite(d_on)):
        return "no flip found either way"
    return "nearer flip: off the manifold" if d_off < d_on else "nearer flip: along the manifold"


class PixelCamera(Camera):
    """manim's Camera, drawing ImageMobjects that are not rotated by a plain resize.

    manim 0.22's own image drawing builds its canvas with `Image.fromarray(float zeros, mode="RGBA")`,
    which Pillow >= 12 refuses ("Invalid mode for data type"), so no ImageMobject renders beside the
    project's Pillow 13. Here the image is resized into its bounding box with its own resampling
    algorithm (nearest: crisp pixels) and laid over the frame. A scene with images passes
    `camera_class=PixelCamera` to Scene.__init__.
    """

    def display_image_mobject(self, image_mobject, pixel_array: np.ndarray) -> None:
        corners = self.points_to_subpixel_coords(image_mobject, image_mobject.points)  # (4, 2) pixel coords
        (left, top), (right, bottom) = np.rint(corners.min(axis=0)).astype(int), np.rint(corners.max(axis=0)).astype(int)
        if right <= left or bottom <= top:
            return
        sub = Image.fromarray(np.ascontiguousarray(image_mobject.get_pixel_array(), dtype=np.uint8), mode="RGBA")
        sub = sub.resize((right - left, bottom - top), resample=image_mobject.resampling_algorithm)
        canvas = Image.new("RGBA", (self.pixel_width, self.pixel_height), (0, 0, 0, 0))
        canvas.paste(sub, (left, top))  # clipped at the frame's edges
        self.overlay_PIL_image(pixel_array, canvas)
