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
    ABOVE,
    FONT,
    LABEL_COLOURS,
    MUTED,
    SMALL,
    fraction_label,
    hud,
    label_key,
    scene_result,
    title_card,
)

LINE_Y = 0.5  #: the data line's height (dmm_edu.data.toys.line_toy)


def curve_runs(x: np.ndarray, h: np.ndarray) -> list[np.ndarray]:
    """The finite stretches of the curve y = LINE_Y + h(x): a list of (L, 2) point arrays, L ≥ 2.

    x, h: (res,); NaN in h = no crossing there, which breaks the curve.
    """
    runs, current = [], []
    for xi, hi in zip(x, h):
        if np.isfinite(hi):
            current.append((xi, LINE_Y + hi))
        else:
            if len(current) > 1:
                runs.append(np.array(current))
            current = []
    if len(current) > 1:
        runs.append(np.array(current))
    return runs


class LineToyBoundary(Scene):
    """E1's line toy under recipe B: the boundary curve at each saved snapshot, with the five points.

    Class attributes (set by `configured`): result (an E1 Result; None = see _common.scene_result),
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
        fractions = r.metrics["fractions"]
        s_max = float(r.config["s_max"])
        last = len(fractions) - 1 if self.last_snapshot is None else int(self.last_snapshot)
        title_card(self, "The paper's 2-D toy", [
            f"E1 · recipe B · seed {self.seed_index} · five points on the line y = 0.5, alternating labels",
            "the orange curve: where the network's logit is 0 above or below each x",
            "the DMM cartoon: a boundary lying along the line, with small bumps",
            f"snapshots from init to {fraction_label(fractions[last])}; T = first step with every margin > 0.3",
        ])

        axes = Axes(x_range=[-0.05, 1.15, 0.25], y_range=[LINE_Y - s_max, LINE_Y + s_max, 0.5], x_length=10,
                    y_length=5.2, tips=False, axis_config={"color": MUTED, "include_numbers": False}).shift(0.3 * DOWN)
        line = DashedLine(axes.c2p(-0.05, LINE_Y), axes.c2p(1.15, LINE_Y), color=MUTED)
        points = VGroup(*[Dot(axes.c2p(0.05 + 0.25 * i, LINE_Y), radius=0.11, color=LABEL_COLOURS[i % 2])
                          for i in range(5)])  # the line toy's x_i = 0.05 + 0.25 i, label i mod 2
        curve = VGroup()

        def draw(mob, a: int, b: int, t: float):  # the curve between frames a and b; NaN in either = gap
            h = (1 - t) * frames[a] + t * frames[b]  # (res,)
            mob.submobjects = [VMobject(stroke_color=ABOVE, stroke_width=6).set_points_as_corners(
                [axes.c2p(*p) for p in run]) for run in curve_runs(x, h)]
            return mob

        draw(curve, 0, 0, 0.0)
        info = self._info(fractions[0], steps[0], cling[0], acc[0])
        legend = hud([f"E1 · line toy · recipe B · seed {self.seed_index}"], UR, font_size=SMALL - 4)
        legend.add(label_key(SMALL - 4).next_to(legend, DOWN, aligned_edge=RIGHT))
        ticks = VGroup(*[Text(f"{v:g}", font=FONT, font_size=16, color=MUTED).next_to(axes.c2p(v, 0), DOWN)
                         for v in (0, 0.5, 1)],
                       *[Text(f"{v:g}", font=FONT, font_size=16, color=MUTED).next_to(axes.c2p(-0.05, v), LEFT)
                         for v in (0, LINE_Y, 1)])
        self.play(FadeIn(VGroup(axes, line, points, ticks, legend, info)), run_time=0.6)
        self.play(FadeIn(curve), run_time=0.6)
        for j in range(1, last + 1):
            self.remove(info)
            info = self._info(fractions[j], steps[j], cling[j], acc[j])
            self.add(info)
            self.play(UpdateFromAlphaFunc(curve, lambda mob, t, j=j: draw(mob, j - 1, j, t)),
                      run_time=self.step_seconds)
            self.wait(0.3)
        self.add(points)  # the points stay on top of the curve
        self.wait(1.5)

    def _info(self, f, step, cling, acc):
        return hud([f"{fraction_label(f)}   (step {int(step):,})\ncling = mean |h| = {cling:.2f}\n"
                    f"train accuracy {acc:.2f}"], UL)
