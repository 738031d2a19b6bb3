"""An adversarial step in a 2-D slice: the short way out along the normal, the long way along the manifold (E5).

E5 saves, at a few measured test points, the network's class margin m_y on the plane
x + a·u + b·v, u the unit on-manifold and v the unit off-manifold DeepFool perturbation. The
manifold is flat, so the u axis IS the manifold through x; the black curve (m_y = 0) is the exact
boundary in that plane. The scene draws it, then the off-manifold step (d_off, along v) and the
on-manifold path (d_on, along u), and ends with d_off / d_on. At a large init scale the DMM picture
holds (d_off < d_on); the contrast scale (c = 0.5) is shown after when the result has it, and the
scene says plainly whether the picture holds there. Book page: "On- vs off-manifold perturbations".
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
    Square,
    Text,
    VGroup,
    VMobject,
)

from animations._common import (
    FONT,
    INK,
    MANIFOLD,
    MUTED,
    OFF_COLOUR,
    ON_COLOUR,
    SMALL,
    class_colour,
    hud,
    scene_result,
    title_card,
)
from dmm_edu import palette

# the colours of dmm_edu.plots.slices: class y's tint, d_on orange, d_off bluish green; the boundary in ink
BOUNDARY = INK  # near-white on manim's dark background
SIDE = 5.4  #: a panel's width and height in scene units


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
        return VGroup(Text("u: along the manifold →", font=FONT, font_size=16, color=MUTED)
                      .next_to(self.frame, DOWN, buff=0.08),
                      Text("v: normal →", font=FONT, font_size=16, color=MUTED).rotate(np.pi / 2)
                      .next_to(self.frame, LEFT, buff=0.08))


def label(text: str, colour, mob, direction, font_size: int = SMALL) -> Text:
    """`text` in `colour`, placed next to the mobject `mob` on the side `direction` (e.g. LEFT)."""
    return Text(text, font=FONT, font_size=font_size, color=colour).next_to(mob, direction, buff=0.1)


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
        title_card(self, "An adversarial step", [
            f"E5 · init scale c = {self.scale:g} · test point {self.slice_index} (class {main['label']}) · "
            f"seed {r.seed}, profile {r.profile}",
            "an exact 2-D slice of the trained network through the point:",
            "u (across) = the manifold through the point, v (up) = its normal",
            "the white curve is the decision boundary in this plane",
            "the DMM says: the short way out leaves the manifold (along v)",
        ])
        centre = LEFT * 3.4 + UP * 0.05
        panel = SlicePanel(main["a"], main["a"], main["logit"], main["label"], centre)
        names = label("manifold", MANIFOLD, panel.manifold, DOWN, 16).align_to(panel.frame, LEFT).shift(0.1 * RIGHT)
        head = Text(f"E5 · c = {self.scale:g} · point {self.slice_index}", font=FONT, font_size=SMALL + 2) \
            .next_to(panel.frame, UP, buff=0.12)
        self.play(FadeIn(panel.tint), FadeIn(VGroup(panel.frame, panel.manifold, panel.point, names, head,
                                                    panel.axis_labels())), run_time=0.6)
        self.play(Create(panel.boundary), run_time=0.8)

        info = hud(["the off-manifold step:", "along the normal v"], RIGHT).shift(UP * 1.6 + LEFT * 0.3)
        off = panel.arrow("v", main["d_off"], OFF_COLOUR)
        off_text = label(f"d_off = {main['d_off']:.2f}", OFF_COLOUR, off, LEFT)
        self.play(FadeIn(info), GrowArrow(off), run_time=self.step_seconds)
        self.play(FadeIn(off_text), run_time=0.3)
        self.remove(info)
        info = hud(["the on-manifold path:", "along the manifold u"], RIGHT).shift(UP * 1.6 + LEFT * 0.3)
        on = panel.arrow("u", main["d_on"], ON_COLOUR)
        on_text = label(f"d_on = {main['d_on']:.2f}", ON_COLOUR, on, DOWN).shift(0.25 * DOWN)
        self.add(info)
        self.play(GrowArrow(on), run_time=self.step_seconds)
        self.play(FadeIn(on_text), run_time=0.3)
        self.add(panel.point)  # the point stays on top
        self.remove(info)
        info = self._verdict(r, self.scale, main).to_edge(RIGHT, buff=0.4).shift(UP * 0.4)
        self.play(FadeIn(info), run_time=0.5)
        self.wait(1.5)
        if contrast is None:
            return

        other = self._slice(r, contrast)
        right = RIGHT * 3.4 + UP * 0.05
        panel2 = SlicePanel(other["a"], other["a"], other["logit"], other["label"], right)
        head2 = Text(f"contrast · c = {contrast:g} · point {self.slice_index}", font=FONT, font_size=SMALL + 2) \
            .next_to(panel2.frame, UP, buff=0.12)
        self.play(FadeOut(info), run_time=0.3)
        self.play(FadeIn(panel2.tint), FadeIn(VGroup(panel2.frame, panel2.manifold, panel2.point, head2)),
                  Create(panel2.boundary), run_time=0.8)
        off2, on2 = panel2.arrow("v", other["d_off"], OFF_COLOUR), panel2.arrow("u", other["d_on"], ON_COLOUR)
        self.play(GrowArrow(off2), GrowArrow(on2), run_time=self.step_seconds)
        self.add(panel2.point)
        texts = VGroup(label(f"d_off = {other['d_off']:.2f}", OFF_COLOUR, off2, LEFT),
                       label(f"d_on = {other['d_on']:.2f}", ON_COLOUR, on2, DOWN).shift(0.25 * DOWN))
        self.play(FadeIn(texts), run_time=0.3)
        verdicts = VGroup(*[self._caption(r, c, s) for c, s in ((self.scale, main), (contrast, other))])
        verdicts[0].next_to(panel.frame, DOWN, buff=0.42)
        verdicts[1].next_to(panel2.frame, DOWN, buff=0.42)
        self.play(FadeIn(verdicts), run_time=0.5)
        self.wait(2.0)

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
        ratio = s["d_off"] / s["d_on"]
        med, n = self._median_ratio(r, c)
        holds = "the short way out leaves the manifold" if ratio < 1 else "the on-manifold way is the shorter one"
        return VGroup(*[Text(t, font=FONT, font_size=SMALL) for t in (
            f"d_off / d_on = {ratio:.2f} here:", holds,
            f"median over {n} points at c = {c:g}: {med:.2f}")]).arrange(DOWN, aligned_edge=LEFT, buff=0.12)

    def _caption(self, r, c: float, s: dict) -> Text:
        ratio = s["d_off"] / s["d_on"]
        med, n = self._median_ratio(r, c)
        verdict = "DMM ordering holds" if med < 1 else "DMM ordering fails: on-manifold is shorter"
        return Text(f"this point: d_off/d_on = {ratio:.2f}\nmedian of {n} points: {med:.2f}, {verdict}", font=FONT,
                    font_size=18, line_spacing=0.8)
