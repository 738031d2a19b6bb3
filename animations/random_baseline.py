"""The random baseline: in high dimension almost every direction is mostly off-manifold (E3).

With a k-dimensional tangent space T in Rⁿ, a random direction d has on(d) = ‖P_T d‖/‖d‖ ≈ √(k/n).
The scene steps through E3's (n, k) pairs in order of n: the bars are the histogram (share of
directions per bin) of on(d) / √(k/n) for E3's random directions, the outline that of the input
gradient of an untrained network at data points; the dashed line at 1 is chance. Measured in units
of the baseline, the histograms stay in view at every n while √(k/n) itself (shown in the corner)
shrinks: "adversarial directions are nearly normal to the manifold" is what chance gives, and says
more than chance only where on(d) falls clearly below √(k/n). Book page: "Data manifolds and
tangent spaces" (the random baseline).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    LEFT,
    UL,
    UR,
    Axes,
    DashedLine,
    FadeIn,
    MarkupText,
    Rectangle,
    Scene,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
)

from animations._common import (
    BASELINE,
    FONT,
    GRADIENT_COLOUR,
    LABEL,
    MUTED,
    RANDOM_COLOUR,
    beat,
    hud,
    scene_result,
    text,
    title_card,
    titled,
)

N_BINS = 40  #: histogram bins over [0, X_MAX]
X_MAX = 3.0  #: the axis: on(d) / √(k/n) from 0 to 3 (chance is 1)


def e3_dims(result) -> list[tuple[int, int]]:
    """E3's (n, k) pairs in order of n (then k)."""
    return sorted((int(n), int(k)) for n, k in result.metrics["dims"])


def shares(on: np.ndarray, root: float = 1.0) -> np.ndarray:
    """Share of the finite values of on / root (N,) in each of N_BINS equal bins over [0, X_MAX] (values
    beyond X_MAX count in the last bin): (N_BINS,), sums to 1."""
    v = on[np.isfinite(on)] / root  # (N',): NaN where a gradient vanished
    counts, _ = np.histogram(np.minimum(v, X_MAX), bins=N_BINS, range=(0.0, X_MAX))  # (N_BINS,)
    return counts / max(len(v), 1)


class RandomBaseline(Scene):
    """E3: the histogram of on(d) for random directions, and of an untrained network's gradient, as n grows.

    Class attributes (set by `configured`): result (an E3 Result; None: the folder
    in $DMM_EDU_ANIM_RESULT, see _common.scene_result),
    last_dim (stop at this index of the (n, k) pairs in order of n; None = the last), step_seconds.
    """

    result = None
    last_dim: int | None = None
    step_seconds = 1.5

    def construct(self):
        r = scene_result(self, "E3")
        dims = e3_dims(r)
        last = len(dims) - 1 if self.last_dim is None else int(self.last_dim)
        if not 0 <= last < len(dims):
            raise ValueError(f"last_dim={self.last_dim!r} is out of range; the result holds {len(dims)} (n, k) "
                             f"pairs (0 to {len(dims) - 1}): {dims}")
        dims = dims[:last + 1]
        tags = [f"n{n}_k{k}" for n, k in dims]
        on_random = [r.arrays[f"on_random_{tag}"] for tag in tags]  # each (n_vectors,)
        on_grad = [r.arrays[f"on_grad_untrained_{tag}"] for tag in tags]  # each (n_points,)
        baseline = [float(r.metrics[tag]["baseline"]) for tag in tags]  # √(k/n), as E3 saved it
        h_random = [shares(v, b) for v, b in zip(on_random, baseline)]  # each (N_BINS,)
        h_grad = [shares(v, b) for v, b in zip(on_grad, baseline)]
        y_max = 1.15 * max(float(h.max()) for h in h_random + h_grad)

        title_card(self, "The random baseline", f"E3 · {len(on_random[0]):,} random directions per (n, k)",
                   notes=f"E3: {len(on_random[0]):,} random directions d in Rⁿ; T is a k-dimensional subspace (a flat "
                         "manifold). on(d) = ‖P_T d‖ / ‖d‖: 1 = along the manifold, 0 = perpendicular to it. A "
                         "random direction has on(d) ≈ √(k/n). Bars: how the random directions spread over "
                         "on(d) / √(k/n); outline: the input gradient of an untrained network at "
                         f"{len(on_grad[0])} data points; the dashed line at 1 is chance. (n, k) = "
                         + ", ".join(f"({n}, {k})" for n, k in dims) + ", in order of n.")

        axes = Axes(x_range=[0, X_MAX, 0.5], y_range=[0, y_max, y_max], x_length=10.5, y_length=3.6, tips=False,
                    axis_config={"color": MUTED, "include_numbers": False}).shift(0.75 * DOWN + 0.6 * RIGHT)
        ticks = VGroup(*[text(f"{v:g}", LABEL, MUTED).next_to(axes.c2p(v, 0), DOWN, buff=0.12)
                         for v in (0, 1, 2, 3)],
                       *[text(f"{v:.2g}", LABEL, MUTED).next_to(axes.c2p(0, v), LEFT, buff=0.1) for v in (0, y_max)])
        titles = titled(axes, "on(d) / √(k/n)   (1 = chance)", "share per bin", ticks=ticks)
        legend = MarkupText(f'<span foreground="{RANDOM_COLOUR.to_hex()}">■</span> random d   '
                            f'<span foreground="{GRADIENT_COLOUR.to_hex()}">▬</span> untrained ∇ℓ',
                            font=FONT, font_size=LABEL).to_corner(UR, buff=0.3)
        x0, y0 = axes.c2p(0, 0)[:2]
        bin_w, unit_y = axes.c2p(X_MAX / N_BINS, 0)[0] - x0, axes.c2p(0, 1)[1] - y0  # scene units per bin, per share
        bars = VGroup(*[Rectangle(width=bin_w, height=1.0, stroke_width=0.5, stroke_color=RANDOM_COLOUR,
                                  fill_color=RANDOM_COLOUR, fill_opacity=0.7) for _ in range(N_BINS)])
        outline = VMobject(stroke_color=GRADIENT_COLOUR, stroke_width=3)
        line = DashedLine(axes.c2p(1, 0), axes.c2p(1, y_max), color=BASELINE, stroke_width=3)  # chance
        edges = np.repeat(np.linspace(0, X_MAX, N_BINS + 1), 2)[1:-1]  # (2 N_BINS,) both ends of each bin

        def draw(a: int, b: int, t: float) -> None:  # the histograms between (n, k) pairs a and b
            h_r = (1 - t) * h_random[a] + t * h_random[b]  # (N_BINS,)
            h_g = (1 - t) * h_grad[a] + t * h_grad[b]  # (N_BINS,)
            for j, (bar, h) in enumerate(zip(bars, h_r)):  # the same mobjects, reshaped: nothing is left behind
                left, top = x0 + j * bin_w, y0 + max(h * unit_y, 1e-3)
                bar.set_points_as_corners([[left, y0, 0], [left + bin_w, y0, 0], [left + bin_w, top, 0],
                                           [left, top, 0], [left, y0, 0]])
            outline.set_points_as_corners([axes.c2p(e, h) for e, h in zip(edges, np.repeat(h_g, 2))])

        draw(0, 0, 0.0)
        info = self._info(r, dims[0])
        self.play(FadeIn(VGroup(axes, ticks, titles, legend, bars, outline, line, info)), run_time=0.8)
        beat(self, 2.5, self._note(r, dims[0]))
        for j in range(1, len(dims)):
            self.remove(info)
            info = self._info(r, dims[j])
            self.add(info)
            self.play(UpdateFromAlphaFunc(VGroup(bars, outline), lambda mob, t, j=j: draw(j - 1, j, t)),
                      run_time=self.step_seconds)
            beat(self, 2.0, self._note(r, dims[j]))
        self.remove(info, legend)  # the closing lines take the top of the frame
        self.play(FadeIn(self._message(dims[-1], baseline[-1])), run_time=0.6)
        beat(self, 4.0, "A direction is more normal to the manifold than chance only if on(d) falls clearly "
                        "below √(k/n): left of the dashed line.")

    @staticmethod
    def _note(r, dim: tuple[int, int]) -> str:
        n, k = dim
        m = r.metrics[f"n{n}_k{k}"]
        return (f"n = {n}, k = {k}: √(k/n) = {m['baseline']:.3f}; random d: mean on(d) = {m['on_random_mean']:.3f} "
                f"(sd {m['on_random_sd']:.3f}); untrained gradient: mean on = {m['on_grad_untrained_mean']:.3f}.")

    @staticmethod
    def _info(r, dim: tuple[int, int]) -> VGroup:
        """The pair shown and E3's means there."""
        n, k = dim
        m = r.metrics[f"n{n}_k{k}"]
        return hud([f"n = {n}, k = {k}:  √(k/n) = {m['baseline']:.3f}",
                    f"mean on(d) = {m['on_random_mean']:.3f} · untrained ∇ℓ: {m['on_grad_untrained_mean']:.3f}"], UL,
                   font_size=LABEL)

    @staticmethod
    def _message(dim: tuple[int, int], root: float) -> VGroup:
        """The closing lines, with the last pair's numbers, in place of the status block."""
        n, k = dim
        lines = [f"n = {n}, k = {k}: a random direction has ‖P_T d‖ ≈ {root:.0%} of ‖d‖",
                 "\"nearly normal to the manifold\" is what chance gives;",
                 "more normal than chance only if on(d) < √(k/n) clearly"]
        return VGroup(*[text(line, LABEL) for line in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.1) \
            .to_corner(UL, buff=0.3)
