"""The paper's 2-D toy: five points on the line y = 0.5 and the boundary curve over training (E1, line toy).

The curve is the E1 height frame of the line toy: above each x it marks where the network's
logit crosses 0 on the vertical through x (within ±s_max of the line); a gap means no crossing
there. The DMM cartoon would show a curve lying along the line with small bumps; under recipe B
it does not: the boundary keeps crossing the line between the points. Book page: "Clinging and
dimpling on a toy".
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    UR,
    Axes,
    DashedLine,
    Dot,
    FadeIn,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
)

from animations._common import (
    FONT,
    INK,
    MANIFOLD,
    MUTED,
    SMALL,
    class_colour,
    fraction_label,
    hud,
    label_key,
    scene_result,
    title_card,
)


def curve_runs(x: np.ndarray, h: np.ndarray, line_y: float) -> list[np.ndarray]:
    """The finite stretches of the curve y = line_y + h(x): a list of (L, 2) point arrays, L ≥ 2.

    x, h: (res,); NaN in h = no crossing there, which breaks the curve. line_y: the data line's height.
    """
    runs, current = [], []
    for xi, hi in zip(x, h):
        if np.isfinite(hi):
            current.append((xi, line_y + hi))
        else:
            if len(current) > 1:
                runs.append(np.array(current))
            current = []
    if len(current) > 1:
        runs.append(np.array(current))
    return runs


class LineToyBoundary(Scene):
    """E1's line toy under recipe B: the boundary curve at each saved snapshot, with the five points.

    Class attributes (set by `configured`): result (an E1 Result; None: the folder
    in $DMM_EDU_ANIM_RESULT, see _common.scene_result),
    seed_index, last_snapshot (stop at this fraction index; None = the last), step_seconds.
    """

    result = None
    seed_index = 0
    last_snapshot: int | None = None
    step_seconds = 1.0

    def construct(self):
        r = scene_result(self, "E1")
        tag = f"line_B_s{self.seed_index}"
        frames = r.arrays[f"{tag}_frames"]  # (F, res)
        steps, cling, acc = (r.arrays[f"{tag}_{k}"] for k in ("steps", "cling", "accuracy"))  # (F,) each
        x = r.arrays["line_grid_axis"]  # (res,)
        t, y = r.arrays["line_t"][:, 0], r.arrays["line_y"]  # (N,) positions along the line, (N,) labels
        line_y = float(r.arrays["line_origin"][1])  # the data line's height: heights h are measured from it
        fractions = r.metrics["fractions"]
        s_max = float(r.config["s_max"])
        last = len(fractions) - 1 if self.last_snapshot is None else int(self.last_snapshot)
        title_card(self, "The paper's 2-D toy", [
            f"E1 · recipe B · seed {self.seed_index} · {len(t)} points on the line y = {line_y:g}, alternating labels",
            "the white curve: where the network's logit is 0 above or below each x",
            "the DMM cartoon: a boundary lying along the line, with small bumps",
            f"snapshots from init to {fraction_label(fractions[last])}; T = first step with every margin > 0.3",
        ])

        axes = Axes(x_range=[-0.05, 1.15, 0.25], y_range=[line_y - s_max, line_y + s_max, 0.5], x_length=10,
                    y_length=5.2, tips=False, axis_config={"color": MUTED, "include_numbers": False}).shift(0.3 * DOWN)
        line = DashedLine(axes.c2p(-0.05, line_y), axes.c2p(1.15, line_y), color=MANIFOLD)
        points = VGroup(*[Dot(axes.c2p(ti, line_y), radius=0.11, color=class_colour(yi))
                          for ti, yi in zip(t, y)])  # the training points, as E1 saved them
        curve = VGroup()

        def draw(mob, a: int, b: int, alpha: float):  # the curve between frames a and b; NaN in either = gap
            h = (1 - alpha) * frames[a] + alpha * frames[b]  # (res,)
            mob.submobjects = [VMobject(stroke_color=INK, stroke_width=6).set_points_as_corners(
                [axes.c2p(*p) for p in run]) for run in curve_runs(x, h, line_y)]
            return mob

        draw(curve, 0, 0, 0.0)
        info = self._info(fractions[0], steps[0], cling[0], acc[0])
        legend = hud([f"E1 · line toy · recipe B · seed {self.seed_index}"], UR, font_size=SMALL - 4)
        legend.add(label_key(SMALL - 4).next_to(legend, DOWN, aligned_edge=RIGHT))
        ticks = VGroup(*[Text(f"{v:g}", font=FONT, font_size=16, color=MUTED).next_to(axes.c2p(v, 0), DOWN)
                         for v in (0, 0.5, 1)],
                       *[Text(f"{v:g}", font=FONT, font_size=16, color=MUTED).next_to(axes.c2p(-0.05, v), LEFT)
                         for v in (0, line_y, 1)])
        self.play(FadeIn(VGroup(axes, line, points, ticks, legend, info)), run_time=0.6)
        self.play(FadeIn(curve), run_time=0.6)
        for j in range(1, last + 1):
            self.remove(info)
            info = self._info(fractions[j], steps[j], cling[j], acc[j])
            self.add(info)
            self.play(UpdateFromAlphaFunc(curve, lambda mob, alpha, j=j: draw(mob, j - 1, j, alpha)),
                      run_time=self.step_seconds)
            self.wait(0.3)
        self.add(points)  # the points stay on top of the curve
        self.wait(1.5)

    def _info(self, f, step, cling, acc):
        return hud([f"{fraction_label(f)}   (step {int(step):,})\ncling = mean |h| = {cling:.2f}\n"
                    f"train accuracy {acc:.2f}"], UL)
