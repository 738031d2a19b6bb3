"""What every lecture scene shares: where its data comes from, its colours, its title card.

A scene never trains: it draws a saved experiment `Result`. The render driver
(`dmm_edu.animate`) hands the result to the scene class (`configured(...)`); a scene run straight
from manim's CLI (from the repository root: `PYTHONPATH=. manim -ql animations/clinging_3d.py
ClingingDimpling`) reads the result folder in $DMM_EDU_ANIM_RESULT, else the cached run of its
experiment at $DMM_EDU_ANIM_PROFILE (default "smoke") and $DMM_EDU_ANIM_SEED (default 0). Labels
are Text (Pango), never LaTeX.
Book page: "For lecturers".
"""

from __future__ import annotations

import os

import numpy as np
from manim import DOWN, UP, FadeIn, FadeOut, ManimColor, MarkupText, Text, VGroup, interpolate_color

RESULT_ENV, PROFILE_ENV, SEED_ENV = "DMM_EDU_ANIM_RESULT", "DMM_EDU_ANIM_PROFILE", "DMM_EDU_ANIM_SEED"

# Okabe & Ito colours, as in dmm_edu.plots.style: label 1 / label 0, boundary below / above the data.
LABEL_COLOURS = {1: ManimColor("#E69F00"), 0: ManimColor("#56B4E9")}
BELOW, ON, ABOVE = ManimColor("#0072B2"), ManimColor("#F4F4F4"), ManimColor("#D55E00")
MUTED = ManimColor("#9A9A9A")
FONT, SMALL = "DejaVu Sans", 22  # a font every Debian/Ubuntu machine has (Pango falls back if missing)


def scene_result(scene, experiment: str):
    """The Result a scene draws: the one the driver attached, else $DMM_EDU_ANIM_RESULT, else run_cached."""
    result = getattr(scene, "result", None)
    if result is not None:
        return result
    if os.environ.get(RESULT_ENV):
        from dmm_edu.results import load_result

        return load_result(os.environ[RESULT_ENV])
    from dmm_edu.experiments.base import run_cached

    return run_cached(experiment, os.environ.get(PROFILE_ENV, "smoke"), int(os.environ.get(SEED_ENV, "0")))


def configured(scene_cls: type, **attrs) -> type:
    """A subclass of `scene_cls` with class attributes replaced (result, seed_index, last_snapshot …)."""
    return type(scene_cls.__name__, (scene_cls,), attrs)


def fraction_label(f: float) -> str:
    """'init', 'T' or '0.25·T' for a fraction f of T."""
    return "init" if f == 0 else "T" if f == 1 else f"{f:g}·T"


def height_colour(h: float, s_max: float) -> ManimColor:
    """Diverging colour of a boundary height h: blue below the data, near-white on it, orange-red above."""
    t = float(np.clip(h / (0.5 * s_max), -1.0, 1.0))  # saturates at half the search range
    return interpolate_color(ON, ABOVE if t > 0 else BELOW, abs(t))


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
    one, zero = LABEL_COLOURS[1].to_hex(), LABEL_COLOURS[0].to_hex()
    return MarkupText(f'<span foreground="{one}">●</span> label 1   <span foreground="{zero}">●</span> label 0',
                      font=FONT, font_size=font_size)
