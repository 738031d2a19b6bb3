"""The random baseline: in high dimension almost every direction is mostly off-manifold (E3).

With a k-dimensional tangent space T in Rⁿ, a random direction d has on(d) = ‖P_T d‖/‖d‖ ≈ √(k/n).
The scene steps through E3's (n, k) pairs in order of n: the bars are the histogram (share of
directions per bin) of on(d) for E3's random directions, the outline that of the input gradient of
an untrained network at data points, the dashed line √(k/n). As n grows the bars crowd towards 0:
"adversarial directions are nearly normal to the manifold" is what chance gives, and is evidence
only where it beats this baseline. Book page: "Data manifolds and tangent spaces" (the random baseline).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    UL,
    UR,
    Axes,
    DashedLine,
    FadeIn,
    MarkupText,
    Rectangle,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
    VMobject,
)

from animations._common import (
    BASELINE,
    FONT,
    GRADIENT_COLOUR,
    MUTED,
    RANDOM_COLOUR,
    SMALL,
    hud,
    scene_result,
    title_card,
)

N_BINS = 50  #: histogram bins over [0, 1]


def e3_dims(result) -> list[tuple[int, int]]:
    """E3's (n, k) pairs in order of n (then k)."""
    return sorted((int(n), int(k)) for n, k in result.metrics["dims"])


def shares(on: np.ndarray) -> np.ndarray:
    """Share of the finite values of on (N,) in each of N_BINS equal bins over [0, 1]: (N_BINS,), sums to 1."""
    v = on[np.isfinite(on)]  # (N',): NaN where a gradient vanished
    counts, _ = np.histogram(v, bins=N_BINS, range=(0.0, 1.0))  # (N_BINS,)
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
        h_random, h_grad = [shares(v) for v in on_random], [shares(v) for v in on_grad]  # each (N_BINS,)
        baseline = [float(r.metrics[tag]["baseline"]) for tag in tags]  # √(k/n), as E3 saved it
        y_max = 1.15 * max(float(h.max()) for h in h_random + h_grad)

        title_card(self, "The random baseline", [
            f"E3 · {len(on_random[0]):,} random directions d in Rⁿ; T: a k-dimensional subspace (a flat manifold)",
            "on(d) = ‖P_T d‖ / ‖d‖:   1 = along the manifold,   0 = perpendicular to it",
            "bars: how the random directions spread over on(d);  dashed line: √(k/n)",
            f"outline: the input gradient ∇ℓ of an untrained network at {len(on_grad[0])} data points",
            "(n, k) = " + ",  ".join(f"({n}, {k})" for n, k in dims) + ", in order of n",
        ])

        axes = Axes(x_range=[0, 1, 0.1], y_range=[0, y_max, y_max], x_length=11, y_length=4.2, tips=False,
                    axis_config={"color": MUTED, "include_numbers": False}).shift(0.1 * DOWN)
        ticks = VGroup(*[Text(f"{v:g}", font=FONT, font_size=16, color=MUTED).next_to(axes.c2p(v, 0), DOWN, buff=0.12)
                         for v in (0, 0.25, 0.5, 0.75, 1)])
        x_label = Text("on(d) = ‖P_T d‖/‖d‖      (0: perpendicular to the manifold,  1: along it)", font=FONT,
                       font_size=SMALL - 4, color=MUTED).next_to(ticks, DOWN, buff=0.15)
        y_label = VGroup(Text("share per bin", font=FONT, font_size=16, color=MUTED).rotate(np.pi / 2)
                         .next_to(axes, LEFT, buff=0.35),
                         *[Text(f"{v:.2g}", font=FONT, font_size=16, color=MUTED).next_to(axes.c2p(0, v), LEFT, buff=0.1)
                           for v in (0, y_max)])
        legend = MarkupText(f'<span foreground="{RANDOM_COLOUR.to_hex()}">■</span> {len(on_random[0]):,} random '
                            f'directions d\n<span foreground="{GRADIENT_COLOUR.to_hex()}">▬</span> ∇ℓ of an untrained '
                            f'network ({len(on_grad[0])} points)\n<span foreground="{BASELINE.to_hex()}">┆</span> '
                            '√(k/n)', font=FONT, font_size=SMALL - 4).to_corner(UR, buff=0.3)
        x0, y0 = axes.c2p(0, 0)[:2]
        bin_w, unit_y = axes.c2p(1 / N_BINS, 0)[0] - x0, axes.c2p(0, 1)[1] - y0  # scene units per bin, per unit share
        bars = VGroup(*[Rectangle(width=bin_w, height=1.0, stroke_width=0.5, stroke_color=RANDOM_COLOUR,
                                  fill_color=RANDOM_COLOUR, fill_opacity=0.7) for _ in range(N_BINS)])
        outline = VMobject(stroke_color=GRADIENT_COLOUR, stroke_width=3)
        line = DashedLine(axes.c2p(0, 0), axes.c2p(0, y_max), color=BASELINE, stroke_width=3)
        edges = np.repeat(np.linspace(0, 1, N_BINS + 1), 2)[1:-1]  # (2 N_BINS,) a step curve: both ends of each bin

        def draw(a: int, b: int, t: float) -> None:  # the histograms and √(k/n) between (n, k) pairs a and b
            h_r = (1 - t) * h_random[a] + t * h_random[b]  # (N_BINS,)
            h_g = (1 - t) * h_grad[a] + t * h_grad[b]  # (N_BINS,)
            for j, (bar, h) in enumerate(zip(bars, h_r)):  # the same mobjects, reshaped: nothing is left behind
                left, top = x0 + j * bin_w, y0 + max(h * unit_y, 1e-3)
                bar.set_points_as_corners([[left, y0, 0], [left + bin_w, y0, 0], [left + bin_w, top, 0],
                                           [left, top, 0], [left, y0, 0]])
            outline.set_points_as_corners([axes.c2p(e, h) for e, h in zip(edges, np.repeat(h_g, 2))])
            root = (1 - t) * baseline[a] + t * baseline[b]  # √(k/n), moving
            line.move_to(axes.c2p(root, y_max / 2))

        draw(0, 0, 0.0)
        info = self._info(r, dims[0])
        self.play(FadeIn(VGroup(axes, ticks, x_label, y_label, legend, bars, outline, line, info)), run_time=0.8)
        self.wait(1.5)
        for j in range(1, len(dims)):
            self.remove(info)
            info = self._info(r, dims[j])
            self.add(info)
            self.play(UpdateFromAlphaFunc(VGroup(bars, outline, line), lambda mob, t, j=j: draw(j - 1, j, t)),
                      run_time=self.step_seconds)
            self.wait(1.2)
        self.play(FadeIn(self._message(dims[-1], baseline[-1])), run_time=0.6)
        self.wait(3.0)

    @staticmethod
    def _info(r, dim: tuple[int, int]) -> VGroup:
        """The pair shown and E3's means there."""
        n, k = dim
        m = r.metrics[f"n{n}_k{k}"]
        return hud([f"n = {n},  k = {k}:   √(k/n) = {m['baseline']:.3f}",
                    f"random d:   mean on(d) = {m['on_random_mean']:.3f}  (sd {m['on_random_sd']:.3f})",
                    f"untrained ∇ℓ:   mean on(∇ℓ) = {m['on_grad_untrained_mean']:.3f}"], UL, font_size=SMALL - 2)

    @staticmethod
    def _message(dim: tuple[int, int], root: float) -> VGroup:
        """The closing lines, with the last pair's numbers."""
        n, k = dim
        lines = [f"at n = {n}, k = {k} a direction that knows nothing typically has ‖P_T d‖ ≈ {root:.0%} of ‖d‖: "
                 "it is mostly off-manifold",
                 "so \"adversarial directions are nearly normal to the manifold\" is what chance gives; "
                 "it is evidence only if on(d) beats √(k/n)"]
        block = VGroup(*[Text(line, font=FONT, font_size=SMALL - 4) for line in lines]).arrange(DOWN, buff=0.1)
        if block.width > 13.6:
            block.scale_to_fit_width(13.6)
        return block.to_edge(DOWN, buff=0.15)
