"""The paper's 2-D toy: five points on the line y = 0.5 and the boundary curve over training (E1, line toy).

The curve is the E1 height frame of the line toy: above each x it marks where the network's
logit crosses 0 on the vertical through x (within ±s_max of the line); a gap means no crossing
there, and a snapshot with no crossing at all says so on screen. The question the scene asks is
whether the curve comes to lie along the line with small bumps (the DMM's cartoon); what the
curve does is read from the result. Book page: "Clinging and dimpling on a toy".
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UL,
    UP,
    UR,
    Axes,
    DashedLine,
    Dot,
    FadeIn,
    Scene,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
)

from animations._common import (
    INK,
    LABEL,
    MANIFOLD,
    MUTED,
    beat,
    class_colour,
    fraction_label,
    hud,
    label_key,
    scene_result,
    text,
    title_card,
    titled,
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
    """E1's line toy under the default recipe: the boundary curve at each saved snapshot, with the five points.

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
        title_card(self, "The 2-D toy: where is the boundary?",
                   f"E1 · default recipe · seed {self.seed_index} · {len(t)} points on a line",
                   notes=f"E1, default recipe, seed {self.seed_index}, {r.profile} run: {len(t)} points on the line "
                         f"y = {line_y:g} with alternating labels. The white curve is where the network's logit is 0 "
                         f"above or below each x (searched within ±{s_max:g} of the line). The DMM's cartoon would be "
                         "a curve lying along the line with small bumps; watch whether that happens. Snapshots from "
                         f"init to {fraction_label(fractions[last])}; T = the first step with every margin > 0.3.")

        axes = Axes(x_range=[-0.05, 1.15, 0.25], y_range=[line_y - s_max, line_y + s_max, 0.5], x_length=10,
                    y_length=4.0, tips=False, axis_config={"color": MUTED, "include_numbers": False}) \
            .shift(0.45 * DOWN + 0.5 * RIGHT)
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
        legend = label_key(LABEL).to_corner(UR, buff=0.3)
        ticks = VGroup(*[text(f"{v:g}", LABEL, MUTED).next_to(axes.c2p(v, line_y - s_max), DOWN, buff=0.15)
                         for v in (0, 0.5, 1)],
                       *[text(f"{v:g}", LABEL, MUTED).next_to(axes.c2p(-0.05, v), LEFT, buff=0.15)
                         for v in (line_y - s_max, line_y, line_y + s_max)])
        titles = titled(axes, "x: position along the line", "height y", ticks=ticks)
        empty = self._empty(axes, s_max, frames[0])
        self.play(FadeIn(VGroup(axes, line, points, ticks, titles, legend, info, empty)), run_time=0.6)
        self.play(FadeIn(curve), run_time=0.6)
        beat(self, 2.5, f"{fraction_label(fractions[0])}: the boundary at initialisation.")
        for j in range(1, last + 1):
            self.remove(info, empty)
            info = self._info(fractions[j], steps[j], cling[j], acc[j])
            empty = self._empty(axes, s_max, frames[j])
            self.add(info, empty)
            self.play(UpdateFromAlphaFunc(curve, lambda mob, alpha, j=j: draw(mob, j - 1, j, alpha)),
                      run_time=self.step_seconds)
            self.add(points)
            beat(self, 2.0 if fractions[j] in (0.25, 1.0) else 0.5,
                 f"{fraction_label(fractions[j])} (step {int(steps[j]):,}): cling {cling[j]:.2f}, "
                 f"train accuracy {acc[j]:.2f}.")
        self.add(points)  # the points stay on top of the curve
        beat(self, 3.0, f"The last snapshot, {fraction_label(fractions[last])}: cling (mean |h| over the "
                        f"crossings) {cling[last]:.2f}. Compare with the DMM's cartoon of a curve lying along "
                        "the line.")

    @staticmethod
    def _empty(axes, s_max: float, h: np.ndarray) -> VGroup:
        """A note above the plot when this snapshot draws no curve (no two neighbouring crossings), else nothing."""
        if curve_runs(np.arange(len(h)), h, 0.0):
            return VGroup()
        return VGroup(text(f"no boundary drawn: no crossing within ±{s_max:g}", LABEL, MUTED)
                      .next_to(axes, UP, buff=0.1))

    def _info(self, f, step, cling, acc):
        return hud([f"{fraction_label(f)}  (step {int(step):,})",
                    f"cling {cling:.2f} · train accuracy {acc:.2f}"], UL)
