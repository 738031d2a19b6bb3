"""An adversarial step in a 2-D slice: the short way out along the normal, the long way along the manifold (E5).

E5 saves, at a few measured test points, the network's class margin m_y on the plane
x + a·u + b·v, u the unit on-manifold and v the unit off-manifold DeepFool perturbation. The
manifold is flat, so the u axis IS the manifold through x; the black curve (m_y = 0) is the exact
boundary in that plane. The scene draws it, then the off-manifold step (d_off, along v) and the
on-manifold path (d_on, along u), and ends with d_off / d_on and the run's median of it. The
contrast scale (c = 0.5) is shown after when the result has it. Which way is nearer is read from
the result and said in the same words whichever way it falls (`_common.nearer_way`). The two panels
have different extents, so each carries a scale bar. Book page: "On- vs off-manifold perturbations".
"""

from __future__ import annotations

import contourpy
import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Scene,
    Line,
    Square,
    Text,
    VGroup,
    VMobject,
)

from animations._common import (
    BODY,
    INK,
    LABEL,
    MANIFOLD,
    MUTED,
    OFF_COLOUR,
    ON_COLOUR,
    beat,
    class_colour,
    nearer_way,
    scene_result,
    text,
    title_card,
)
from dmm_edu import palette

# the colours of dmm_edu.plots.slices: class y's tint, d_on orange, d_off bluish green; the boundary in ink
BOUNDARY = INK  # near-white on manim's dark background
SIDE = 4.6  #: a panel's width and height in scene units
LEFT_PANEL, RIGHT_PANEL = LEFT * 3.5 + UP * 0.45, RIGHT * 3.5 + UP * 0.45  #: panel centres


def boundary_lines(a: np.ndarray, b: np.ndarray, values: np.ndarray) -> list[np.ndarray]:
    """The zero level set of one slice as polylines: a (R_u,), b (R_v,), values (R_v, R_u) -> list of (L, 2)."""
    lines = contourpy.contour_generator(a, b, np.asarray(values, dtype=np.float64)).lines(0.0)
    return [np.asarray(line) for line in lines if len(line) > 1]


def class_region(a: np.ndarray, b: np.ndarray, values: np.ndarray) -> list[list[np.ndarray]]:
    """Where values > 0, as polygons: a list of polygons, each a list of rings (L, 2), the outer ring
    first, then its holes (oriented the other way, so a non-zero winding fill leaves them empty)."""
    gen = contourpy.contour_generator(a, b, np.asarray(values, dtype=np.float64), fill_type="OuterOffset")
    points, offsets = gen.filled(0.0, np.inf)
    return [[pts[o0:o1] for o0, o1 in zip(offs[:-1], offs[1:])] for pts, offs in zip(points, offsets)]


class SlicePanel(VGroup):
    """One slice drawn in a square of SIDE units centred at `centre`: frame, tint of class y's region,
    the manifold (the u axis, dashed), the boundary (m_y = 0) and the point at the origin."""

    def __init__(self, a, b, values, label: int, centre, boundary_colour=BOUNDARY):
        super().__init__()
        e = float(a[-1])
        self.axes = Axes(x_range=[-e, e, e], y_range=[-float(b[-1]), float(b[-1]), e], x_length=SIDE, y_length=SIDE,
                         tips=False).move_to(centre)
        colour = class_colour(label)
        self.tint = self.region(a, b, values, colour)
        self.frame = Square(SIDE, color=MUTED, stroke_width=2).move_to(centre)
        self.manifold = DashedLine(self.axes.c2p(-e, 0), self.axes.c2p(e, 0), color=MANIFOLD, stroke_width=3)
        self.boundary = self.curve(a, b, values, boundary_colour)
        self.point = Dot(self.axes.c2p(0, 0), radius=0.11, color=colour).set_stroke(palette.BLACK, width=2)
        self.add(self.frame, self.manifold, self.boundary, self.point)

    def region(self, a, b, values, colour) -> VGroup:
        """Class y's side of the boundary (values > 0), filled faintly (ManimCE's ImageMobject fails with
        this Pillow, so the tint is polygons)."""
        polygons = VGroup()
        for rings in class_region(a, b, values):
            mob = VMobject(stroke_width=0, fill_color=colour, fill_opacity=0.35)
            for ring in rings:
                mob.start_new_path(self.axes.c2p(*ring[0]))
                mob.add_points_as_corners([self.axes.c2p(*p) for p in ring[1:]])
            polygons.add(mob)
        return polygons

    def curve(self, a, b, values, colour) -> VGroup:
        return VGroup(*[VMobject(stroke_color=colour, stroke_width=5).set_points_as_corners(
            [self.axes.c2p(*p) for p in line]) for line in boundary_lines(a, b, values)])

    def arrow(self, direction: str, length: float, colour) -> Arrow:
        """An arrow from the point along +u ("u") or +v ("v"); a non-finite length reaches the frame's edge."""
        e = float(self.axes.x_range[1])
        t = min(length, e) if np.isfinite(length) else e
        end = self.axes.c2p(t, 0) if direction == "u" else self.axes.c2p(0, t)
        return Arrow(self.axes.c2p(0, 0), end, buff=0, color=colour, stroke_width=7,
                     max_tip_length_to_length_ratio=0.35)

    def axis_labels(self) -> VGroup:
        """The panel's axis titles: u across (the manifold), v up (its normal)."""
        return VGroup(text("u: the manifold →", LABEL, MUTED).next_to(self.frame, DOWN, buff=0.1),
                      text("v: the normal →", LABEL, MUTED).rotate(np.pi / 2).next_to(self.frame, LEFT, buff=0.1))

    def scale_bar(self) -> VGroup:
        """A bar of a round length L (at most 40 % of the half-width) in the panel's top-left corner, labelled L."""
        e = float(self.axes.x_range[1])
        length = max(v for v in (1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10) if v <= 0.4 * e)
        start = self.frame.get_corner(UP + LEFT) + np.array([0.25, -0.3, 0])
        end = start + (self.axes.c2p(length, 0) - self.axes.c2p(0, 0))
        bar = Line(start, end, color=INK, stroke_width=5)
        return VGroup(bar, text(f"{length:g}", LABEL, INK).next_to(bar, RIGHT, buff=0.15))


def label(s: str, colour, mob, direction, font_size: int = LABEL) -> Text:
    """`s` in `colour`, placed next to the mobject `mob` on the side `direction` (e.g. LEFT)."""
    return text(s, font_size, colour).next_to(mob, direction, buff=0.1)


class AdversarialStep(Scene):
    """E5: one sliced test point at init scale `scale`; the off-manifold step, the on-manifold path, their ratio.

    Class attributes (set by `configured`): result (an E5 Result; None: the folder
    in $DMM_EDU_ANIM_RESULT, see _common.scene_result),
    slice_index (which saved slice), scale (init scale c of the main panel), contrast (the init
    scale shown after, or None; skipped if equal to scale or not saved), step_seconds.
    """

    result = None
    slice_index = 0
    scale = 2.5
    contrast: float | None = 0.5
    step_seconds = 1.2

    def construct(self):
        r = scene_result(self, "E5")
        main = self._slice(r, self.scale)
        cs = [float(c) for c in r.config["init_scales"]]
        contrast = self.contrast if self.contrast is not None and float(self.contrast) in cs \
            and float(self.contrast) != float(self.scale) and f"slice_logit_c{self.contrast:g}" in r.arrays else None
        title_card(self, "An adversarial step", f"E5 · init scale c = {self.scale:g} · seed {r.seed}, {r.profile} run",
                   notes=f"Test point {self.slice_index} (class {main['label']}). An exact 2-D slice of the trained "
                         "network through the point: u (across) is the manifold through the point, v (up) its "
                         "normal; the white curve is the decision boundary in this plane. The DMM predicts the "
                         "nearest flip lies along v.")
        panel = SlicePanel(main["a"], main["a"], main["logit"], main["label"], LEFT_PANEL)
        head = text(f"c = {self.scale:g}", BODY).next_to(panel.frame, UP, buff=0.15)
        self.play(FadeIn(panel.tint), FadeIn(VGroup(panel.frame, panel.manifold, panel.point, head,
                                                    panel.axis_labels(), panel.scale_bar())), run_time=0.6)
        self.play(Create(panel.boundary), run_time=0.8)
        beat(self, 2.0, "The slice: dashed line = the manifold (u), the point, the boundary (white).")

        column = RIGHT * 0.2 + UP * 2.6  # the top-left corner of the text column right of the panel
        off = panel.arrow("v", main["d_off"], OFF_COLOUR)
        off_text = VGroup(text("off the manifold (v):", BODY, OFF_COLOUR),
                          text(f"d_off = {main['d_off']:.2f}", BODY, OFF_COLOUR)) \
            .arrange(DOWN, aligned_edge=LEFT, buff=0.15).move_to(column, aligned_edge=UP + LEFT)
        self.play(GrowArrow(off), FadeIn(off_text), run_time=self.step_seconds)
        beat(self, 2.0, "DeepFool's minimal perturbation searched only along the normal space.")
        on = panel.arrow("u", main["d_on"], ON_COLOUR)
        on_text = VGroup(text("along the manifold (u):", BODY, ON_COLOUR),
                         text(f"d_on = {main['d_on']:.2f}", BODY, ON_COLOUR)) \
            .arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(off_text, DOWN, aligned_edge=LEFT, buff=0.4)
        self.play(GrowArrow(on), FadeIn(on_text), run_time=self.step_seconds)
        self.add(panel.point)  # the point stays on top
        beat(self, 2.0, "DeepFool's minimal perturbation searched only along the manifold.")
        verdict = self._verdict(r, self.scale, main).next_to(on_text, DOWN, aligned_edge=LEFT, buff=0.5)
        self.play(FadeIn(verdict), run_time=0.5)
        beat(self, 3.0, self._notes(r, self.scale, main))
        if contrast is None:
            return

        other = self._slice(r, contrast)
        panel2 = SlicePanel(other["a"], other["a"], other["logit"], other["label"], RIGHT_PANEL)
        head2 = text(f"c = {contrast:g}", BODY).next_to(panel2.frame, UP, buff=0.15)
        self.play(FadeOut(VGroup(off_text, on_text, verdict)), run_time=0.3)
        self.play(FadeIn(panel2.tint), FadeIn(VGroup(panel2.frame, panel2.manifold, panel2.point, head2,
                                                     panel2.axis_labels(), panel2.scale_bar())),
                  Create(panel2.boundary), run_time=0.8)
        off2, on2 = panel2.arrow("v", other["d_off"], OFF_COLOUR), panel2.arrow("u", other["d_on"], ON_COLOUR)
        self.play(GrowArrow(off2), GrowArrow(on2), run_time=self.step_seconds)
        self.add(panel2.point)
        captions = VGroup(*[self._caption(r, c, p) for c, p in ((self.scale, panel), (contrast, panel2))])
        self.play(FadeIn(captions), run_time=0.5)
        beat(self, 4.0, self._notes(r, contrast, other) + " The two panels have different extents: "
                        "read their scale bars.")

    def _slice(self, r, c: float) -> dict:
        tag = f"c{c:g}"
        if f"slice_logit_{tag}" not in r.arrays:
            raise ValueError(f"the E5 result has no slices at init scale c = {c:g} (slice_logit_{tag}); "
                             f"init scales saved: {r.config['init_scales']}")
        n = r.arrays[f"slice_logit_{tag}"].shape[0]
        if not 0 <= int(self.slice_index) < n:
            raise ValueError(f"slice_index={self.slice_index!r} is not accepted; the result has {n} slices per scale")
        s = int(self.slice_index)
        return {"logit": r.arrays[f"slice_logit_{tag}"][s], "a": r.arrays[f"slice_axis_u_{tag}"][s],
                "d_on": float(r.arrays[f"slice_d_on_{tag}"][s]), "d_off": float(r.arrays[f"slice_d_off_{tag}"][s]),
                "label": int(r.arrays[f"slice_label_{tag}"][s])}

    @staticmethod
    def _median_ratio(r, c: float) -> tuple[float, int]:
        m = r.metrics[f"c{c:g}"]
        return float(m["d_off_over_d_on"]), int(m["n_measured"])

    def _verdict(self, r, c: float, s: dict) -> VGroup:
        """This point's ratio, the run's median, and which way is nearer by the median."""
        med, n = self._median_ratio(r, c)
        return VGroup(text(f"d_off / d_on = {s['d_off'] / s['d_on']:.2f} here", LABEL),
                      text(f"median of {n} points: {med:.2f}", LABEL),
                      text(nearer_way(med, 1.0), LABEL)).arrange(DOWN, aligned_edge=LEFT, buff=0.15)

    def _caption(self, r, c: float, panel: SlicePanel) -> VGroup:
        """Under a panel: the run's median ratio at scale c and which way is nearer by it."""
        med, _ = self._median_ratio(r, c)
        block = VGroup(text(f"median d_off / d_on = {med:.2f}", LABEL), text(nearer_way(med, 1.0), LABEL)) \
            .arrange(DOWN, buff=0.12)
        return block.next_to(panel.frame, DOWN, buff=0.65)

    def _notes(self, r, c: float, s: dict) -> str:
        med, n = self._median_ratio(r, c)
        return (f"At c = {c:g}: this point has d_off = {s['d_off']:.2f}, d_on = {s['d_on']:.2f} (ratio "
                f"{s['d_off'] / s['d_on']:.2f}); the median of d_off / d_on over {n} measured points is {med:.2f}, "
                f"so by the median the {nearer_way(med, 1.0).removeprefix('nearer flip: ')} way is the nearer one. "
                "One point is an illustration; the median is the measurement.")
