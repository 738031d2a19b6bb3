"""Adversarial training deepens the dimples: one 2-D slice, the standard and the adversarially trained boundary (E9).

E9 trains two copies of the same initial network, one on clean points and one Madry-style on
PGD-L2 points, and saves both networks' class margins on the SAME plane through a few test points:
x + a·u + b·v, u and v the standard network's unit on- and off-manifold DeepFool perturbations (u
across: the manifold; v up: its normal). The scene shows both boundaries side by side, the
standard one morphing into the adversarially trained one on the right (a cross-fade between the
two end points, not the training path), then the way out along v growing from the standard
network's d_off to where the +v ray meets the new boundary, and along u the same for the manifold
direction. It ends with the numbers. Book page: "Adversarial training deepens dimples".
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    GrowArrow,
    Scene,
    Text,
    Transform,
    UpdateFromAlphaFunc,
    VGroup,
)

from animations._common import (
    FONT,
    GHOST,
    MUTED,
    OFF_COLOUR,
    ON_COLOUR,
    SMALL,
    class_colour,
    scene_result,
    title_card,
)
from animations.adversarial_step import SlicePanel, label

MODELS = ("standard", "adversarial")


def way(d: float, reach: float) -> str:
    """A distance as text; a ray that meets no boundary as far as it was searched reads 'none within reach'."""
    return f"{d:.2f}" if np.isfinite(d) else f"none within {reach:.2f}"


class DeeperDimples(Scene):
    """E9: one sliced test point, standard | adversarially trained, same init, same plane.

    Class attributes (set by `configured`): result (an E9 Result; None: the folder
    in $DMM_EDU_ANIM_RESULT, see _common.scene_result),
    slice_index (which saved slice), step_seconds, morph (True: the right panel starts from the
    standard boundary and morphs into the adversarially trained one).
    """

    result = None
    slice_index = 0
    step_seconds = 1.5
    morph = True

    def construct(self):
        r = scene_result(self, "E9")
        s = self._index(r)
        arr = r.arrays
        a, y = arr["slice_axis_u"][s], int(arr["slice_label"][s])
        logit = {m: arr[f"slice_logit_{m}"][s] for m in MODELS}
        cross = {(m, ax): float(arr[f"slice_cross_{ax}_{m}"][s]) for m in MODELS for ax in "uv"}
        own = {(m, d): float(arr[f"slice_d_{d}_{m}"][s]) for m in MODELS for d in ("on", "off")}
        edge = float(a[-1])
        reach = float(arr["slice_reach"][s]) if "slice_reach" in arr else edge  # how far the rays were searched
        title_card(self, "Does adversarial training deepen the dimples?", [
            f"E9 · test point {s} (class {y}) · seed {r.seed}, profile {r.profile} · init scale c = "
            f"{r.config['recipe']['c']:g}",
            "one initial network, trained twice: on clean points (left) and on PGD-L2 points, "
            f"eps = {r.metrics['eps']:g} (right)",
            "both boundaries in the SAME exact 2-D slice through the point:",
            "u (across) = the manifold, v (up) = its normal (from the standard network)",
            "the DMM says: adversarial training pushes the boundary away along v, hardly along u",
        ])
        left = SlicePanel(a, a, logit["standard"], y, LEFT * 3.4 + UP * 0.05)
        right = SlicePanel(a, a, logit["adversarial"], y, RIGHT * 3.4 + UP * 0.05)
        heads = VGroup(Text("standard training", font=FONT, font_size=SMALL + 2).next_to(left.frame, UP, buff=0.12),
                       Text(f"adversarial training (eps = {r.metrics['eps']:g})", font=FONT, font_size=SMALL + 2)
                       .next_to(right.frame, UP, buff=0.12))
        start = right.curve(a, a, logit["standard"], GHOST) if self.morph else right.boundary
        start_tint = right.region(a, a, logit["standard"], class_colour(y)) if self.morph \
            else right.tint
        self.play(FadeIn(VGroup(left.tint, start_tint)),
                  FadeIn(VGroup(left.frame, left.manifold, left.point, right.frame, right.manifold, right.point,
                                heads, left.axis_labels())), run_time=0.6)
        self.play(Create(left.boundary), Create(start), run_time=0.8)

        off, on = left.arrow("v", own[("standard", "off")], OFF_COLOUR), left.arrow("u", own[("standard", "on")],
                                                                                 ON_COLOUR)
        self.play(GrowArrow(off), GrowArrow(on), run_time=self.step_seconds)
        self.play(FadeIn(VGroup(label(f"d_off = {own[('standard', 'off')]:.2f}", OFF_COLOUR, off, LEFT),
                                label(f"d_on = {own[('standard', 'on')]:.2f}", ON_COLOUR, on, DOWN)
                                .shift(0.25 * DOWN))), run_time=0.3)
        self.add(left.point)

        if self.morph:  # the standard boundary becomes the adversarially trained one
            note = Text("standard → adversarial: a cross-fade, not the training path", font=FONT, font_size=16,
                        color=MUTED) \
                .next_to(right.frame, DOWN, buff=0.1)
            self.play(FadeIn(note), run_time=0.3)
            self.play(Transform(start, right.boundary), FadeOut(start_tint), FadeIn(right.tint),
                      run_time=self.step_seconds)
            self.play(FadeOut(note), run_time=0.3)
            self.add(right.point)

        lengths = {ax: (own[("standard", "on" if ax == "u" else "off")], cross[("adversarial", ax)]) for ax in "uv"}
        arrows = {"v": right.arrow("v", lengths["v"][0], OFF_COLOUR), "u": right.arrow("u", lengths["u"][0], ON_COLOUR)}
        self.play(FadeIn(VGroup(*arrows.values())), run_time=0.3)

        def grow(ax, colour):
            def update(mob, t):
                d0, d1 = lengths[ax]
                d1 = d1 if np.isfinite(d1) else edge  # no crossing in the slice: to its edge
                mob.become(right.arrow(ax, (1 - t) * d0 + t * d1, colour))
            return update

        self.play(UpdateFromAlphaFunc(arrows["v"], grow("v", OFF_COLOUR)),
                  UpdateFromAlphaFunc(arrows["u"], grow("u", ON_COLOUR)), run_time=self.step_seconds)
        for ax, colour in (("v", OFF_COLOUR), ("u", ON_COLOUR)):
            if not np.isfinite(lengths[ax][1]):  # no boundary on this ray: an open-ended dashed line, no tip
                ray = right.arrow(ax, edge, colour)
                self.play(Transform(arrows[ax], DashedLine(ray.get_start(), ray.get_end(), color=colour,
                                                           stroke_width=ray.get_stroke_width())), run_time=0.3)
        self.add(right.point)
        missed = not all(np.isfinite(lengths[ax][1]) for ax in "uv")
        rays = Text("the same rays, out to the new boundary" + ("\n(dashed: none met)" if missed else ""),
                    font=FONT, font_size=16, color=MUTED, line_spacing=0.8)
        if rays.width > right.frame.width:
            rays.scale_to_fit_width(right.frame.width)
        rays.next_to(right.frame, DOWN, buff=0.08)
        texts = VGroup(label(way(cross[("adversarial", "v")], reach), OFF_COLOUR, arrows["v"], LEFT),
                       label(way(cross[("adversarial", "u")], reach), ON_COLOUR, arrows["u"], DOWN).shift(0.25 * DOWN))
        self.play(FadeIn(rays), FadeIn(texts), run_time=0.3)

        m = r.metrics
        summary = VGroup(*[Text(t, font=FONT, font_size=18) for t in (
            f"this point, its own DeepFool: d_off {own[('standard', 'off')]:.2f} → {own[('adversarial', 'off')]:.2f}, "
            f"d_on {own[('standard', 'on')]:.2f} → {own[('adversarial', 'on')]:.2f}",
            f"medians over {m['n_measured']} points: d_off {m['standard']['d_off']:.2f} → "
            f"{m['adversarial']['d_off']:.2f} (× {m['ratio_d_off']:.2f}), d_on {m['standard']['d_on']:.2f} → "
            f"{m['adversarial']['d_on']:.2f} (× {m['ratio_d_on']:.2f})")]).arrange(DOWN, buff=0.1) \
            .to_edge(DOWN, buff=0.15)
        self.play(FadeIn(summary), run_time=0.5)
        self.wait(2.0)

    def _index(self, r) -> int:
        if "slice_logit_standard" not in r.arrays:
            raise ValueError("the E9 result has no slices (slice_logit_standard): it was made before they were "
                             "saved; run E9 again")
        n = r.arrays["slice_logit_standard"].shape[0]
        if not 0 <= int(self.slice_index) < n:
            raise ValueError(f"slice_index={self.slice_index!r} is not accepted; the result has {n} slices")
        return int(self.slice_index)
