"""What every lecture scene shares: where its result comes from, its colours, its title card.

A scene never trains and never runs an experiment: it draws a saved experiment `Result` it is
given. The render driver (`dmm-edu animate`, `dmm_edu.animate.render`) gets the result through
the cache (running the experiment first if needed) and hands it to the scene class
(`configured(...)`). A scene run straight from manim's command line (from the repository root:
`DMM_EDU_ANIM_RESULT=results/e1 PYTHONPATH=. manim -ql animations/clinging_3d.py ClingingDimpling`)
reads the result folder named by $DMM_EDU_ANIM_RESULT (written by `dmm-edu run E1 --out
results/e1`); with neither it stops with an error that says how to get one. Colours come from
`dmm_edu.palette` (the book's figures use the same). Labels are Text (Pango), never LaTeX.
Book page: "For lecturers".
"""

from __future__ import annotations

import os

import numpy as np
from manim import DOWN, UP, FadeIn, FadeOut, ManimColor, MarkupText, Text, VGroup

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
FONT, SMALL = "DejaVu Sans", 22  # a font every Debian/Ubuntu machine has (Pango falls back if missing)


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


def title_card(scene, title: str, lines: list[str], seconds: float = 2.5, fixed: bool = False) -> None:
    """The first frames: what is shown, from which run. `fixed`: pin to the screen (3-D scenes)."""
    head = Text(title, font=FONT, font_size=40, weight="BOLD")
    body = VGroup(*[Text(line, font=FONT, font_size=SMALL) for line in lines]).arrange(DOWN, aligned_edge=UP, buff=0.18)
    card = VGroup(head, body).arrange(DOWN, buff=0.45)
    if card.width > 13:
        card.scale_to_fit_width(13)
    if fixed:
        scene.add_fixed_in_frame_mobjects(card)
        scene.remove(card)
    scene.play(FadeIn(card), run_time=0.5)
    scene.wait(seconds)
    scene.play(FadeOut(card), run_time=0.5)


def hud(lines: list[str], corner, font_size: int = SMALL) -> VGroup:
    """A block of status text placed at a corner of the frame (e.g. UL, DL)."""
    block = VGroup(*[Text(line, font=FONT, font_size=font_size) for line in lines]).arrange(DOWN, aligned_edge=np.array([-1, 0, 0]),
                                                                                  buff=0.12)
    return block.to_corner(corner, buff=0.3)


def label_key(font_size: int = SMALL) -> MarkupText:
    """'● label 1  ● label 0' with the label colours."""
    one, zero = palette.class_colour(1), palette.class_colour(0)
    return MarkupText(f'<span foreground="{one}">●</span> label 1   <span foreground="{zero}">●</span> label 0',
                      font=FONT, font_size=font_size)
