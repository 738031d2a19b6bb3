"""Adversarial training deepens the dimples: one 2-D slice, the standard and the adversarially trained boundary (E9).

E9 trains two copies of the same initial network, one on clean points and one Madry-style on
PGD-L2 points, and saves both networks' class margins on the SAME plane through a few test points:
x + a·u + b·v, u and v the standard network's unit on- and off-manifold DeepFool perturbations (u
across: the manifold; v up: its normal). The scene shows both boundaries side by side, the
standard one morphing into the adversarially trained one on the right (a cross-fade between the
two end points, not the training path), then the way out along v growing from the standard
network's d_off to where the +v ray meets the new boundary, and along u the same for the manifold
direction. The ray lengths (where a fixed ray meets the new boundary) and DeepFool's distances (the
nearest flip in any direction of the subspace) are different measurements, and the scene labels
them apart. It ends with the run's medians, whichever way they point. Book page: "Adversarial
training deepens dimples".
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UP,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    GrowArrow,
    Scene,
    Transform,
    UpdateFromAlphaFunc,
    VGroup,
)

from animations._common import (
    BODY,
    GHOST,
    LABEL,
    OFF_COLOUR,
    ON_COLOUR,
    beat,
    class_colour,
    scene_result,
    text,
    title_card,
)
from animations.adversarial_step import LEFT_PANEL, RIGHT_PANEL, SlicePanel, label

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
        eps = r.metrics["eps"]
        title_card(self, "Adversarial training and the dimples",
                   f"E9 · one initial network, trained twice · seed {r.seed}, {r.profile} run",
                   notes=f"E9, test point {s} (class {y}), init scale c = {r.config['recipe']['c']:g}. One initial "
                         "network trained twice: on clean points (left) and on PGD-L2 points with "
                         f"eps = {eps:g} (right). Both boundaries in the same exact 2-D slice through the point: u "
                         "(across) = the manifold, v (up) = its normal, both from the standard network. The DMM "
                         "predicts that adversarial training moves the boundary away mostly along v.")
        left = SlicePanel(a, a, logit["standard"], y, LEFT_PANEL)
        right = SlicePanel(a, a, logit["adversarial"], y, RIGHT_PANEL)
        heads = VGroup(text("standard training", BODY).next_to(left.frame, UP, buff=0.15),
                       text(f"adversarial (eps = {eps:g})", BODY).next_to(right.frame, UP, buff=0.15))
        start = right.curve(a, a, logit["standard"], GHOST) if self.morph else right.boundary
        start_tint = right.region(a, a, logit["standard"], class_colour(y)) if self.morph \
            else right.tint
        self.play(FadeIn(VGroup(left.tint, start_tint)),
                  FadeIn(VGroup(left.frame, left.manifold, left.point, right.frame, right.manifold, right.point,
                                heads, left.axis_labels(), right.axis_labels())), run_time=0.6)
        self.play(Create(left.boundary), Create(start), run_time=0.8)
        beat(self, 2.0, "The same slice twice; at first both panels show the standard network's boundary.")

        off, on = left.arrow("v", own[("standard", "off")], OFF_COLOUR), left.arrow("u", own[("standard", "on")],
                                                                                 ON_COLOUR)
        self.play(GrowArrow(off), GrowArrow(on), run_time=self.step_seconds)
        self.play(FadeIn(VGroup(label(f"{own[('standard', 'off')]:.2f}", OFF_COLOUR, off, LEFT),
                                label(f"{own[('standard', 'on')]:.2f}", ON_COLOUR, on, DOWN))), run_time=0.3)
        self.add(left.point)
        beat(self, 2.0, f"The standard network's DeepFool distances at this point: d_off = "
                        f"{own[('standard', 'off')]:.2f} (green, along v), d_on = {own[('standard', 'on')]:.2f} "
                        "(orange, along u).")

        if self.morph:  # the standard boundary becomes the adversarially trained one
            self.play(Transform(start, right.boundary), FadeOut(start_tint), FadeIn(right.tint),
                      run_time=self.step_seconds)
            self.add(right.point)
            beat(self, 2.0, "Right: the standard boundary cross-fades into the adversarially trained one (the "
                            "two end points, not the training path).")

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
        texts = VGroup(label("ray " + way(cross[("adversarial", "v")], reach), OFF_COLOUR, arrows["v"], LEFT),
                       label("ray " + way(cross[("adversarial", "u")], reach), ON_COLOUR, arrows["u"], DOWN))
        self.play(FadeIn(texts), run_time=0.3)
        beat(self, 2.5, "The same two rays, out to where they meet the adversarially trained boundary (dashed: "
                        "none met within the slice). A ray's length is not DeepFool's distance: DeepFool finds the "
                        "nearest flip in any direction of the subspace, and for the new network that is "
                        f"d_off = {own[('adversarial', 'off')]:.2f}, d_on = {own[('adversarial', 'on')]:.2f}.")

        m = r.metrics
        summary = VGroup(text(f"medians of {m['n_measured']} points (DeepFool):", LABEL),
                         text(f"d_off {m['standard']['d_off']:.2f} → {m['adversarial']['d_off']:.2f} "
                              f"(× {m['ratio_d_off']:.2f}) · d_on {m['standard']['d_on']:.2f} → "
                              f"{m['adversarial']['d_on']:.2f} (× {m['ratio_d_on']:.2f})", LABEL)) \
            .arrange(DOWN, buff=0.12).to_edge(DOWN, buff=0.15)
        self.play(FadeIn(summary), run_time=0.5)
        grew = "more along the normal (d_off)" if m["ratio_d_off"] > m["ratio_d_on"] else \
            "more along the manifold (d_on)"
        beat(self, 4.0, f"Over the run's {m['n_measured']} points adversarial training moved the boundary {grew}: "
                        f"d_off × {m['ratio_d_off']:.2f}, d_on × {m['ratio_d_on']:.2f}.")

    def _index(self, r) -> int:
        if "slice_logit_standard" not in r.arrays:
            raise ValueError("the E9 result has no slices (slice_logit_standard): it was made before they were "
                             "saved; run E9 again")
        n = r.arrays["slice_logit_standard"].shape[0]
        if not 0 <= int(self.slice_index) < n:
            raise ValueError(f"slice_index={self.slice_index!r} is not accepted; the result has {n} slices")
        return int(self.slice_index)
