"""On- and off-manifold parts of an adversarial perturbation on a real digit (E7, the paper's protocol).

One attacked test digit x of E7: DeepFool's minimal perturbation d (anywhere), its tangent part
P_T d (T = span of the autoencoder's decoder Jacobian J_dec at E(x), k columns) and its normal part
P_N d = d - P_T d, and the minimal perturbations found inside T only (d_on) and inside its normal
space only (d_off). The images morph by interpolating pixel arrays; perturbations are drawn on a
diverging scale (white = 0) amplified so that the largest pixel shown saturates, and the scene says
by how much: one amplification for every perturbation shown, so their colours compare. The closing
lines read E7's medians over all attacked digits beside the random baseline √(n/k), whichever way
they point.
Book page: "On- vs off-manifold perturbations" (the real-image section).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    UP,
    FadeIn,
    FadeOut,
    Group,
    ImageMobject,
    Rectangle,
    Scene,
    Text,
    UpdateFromAlphaFunc,
    VGroup,
)
from manim.mobject.types.image_mobject import RESAMPLING_ALGORITHMS

from animations._common import LABEL, MUTED, PixelCamera, beat, scene_result, text, title_card
from dmm_edu import palette

IMAGE_HEIGHT = 2.0  #: scene units per image side
COLUMNS_X = (-4.3, 0.0, 4.3)  #: centres of the three columns
ROWS_Y = (1.5, -1.45)  #: centres of the image row and the perturbation row
PARTS = ("d_free", "d_tangent", "d_normal", "d_on", "d_off")  #: the ae_ex_* perturbations the scene reads


def gray_rgba(img: np.ndarray) -> np.ndarray:
    """An image (C, H, W) in [0, 1] (values outside are clipped) as (H, W, 4) uint8: grey for C = 1, RGB for C = 3."""
    a = np.clip(img, 0.0, 1.0)  # (C, H, W)
    rgb = np.repeat(a, 3, axis=0) if a.shape[0] == 1 else a[:3]  # (3, H, W)
    out = np.full((*a.shape[1:], 4), 255, dtype=np.uint8)  # (H, W, 4)
    out[..., :3] = np.rint(255 * np.transpose(rgb, (1, 2, 0)))  # (H, W, 3)
    return out


def signed_rgba(d: np.ndarray, vmax: float) -> np.ndarray:
    """A perturbation (C, H, W) on the diverging scale [-vmax, vmax] as (H, W, 4) uint8.

    The palette's diverging scale, as in the figures (dmm_edu.plots.on_off_images): 0 is near-white
    (MID), -vmax and below full blue (BELOW), +vmax and above full vermillion (ABOVE); colour images
    are drawn by their channel mean.
    """
    rgb = palette.diverging_rgb(d.mean(axis=0) / vmax)  # (H, W, 3): linear from near-white to the end colour
    out = np.full((*d.shape[1:], 4), 255, dtype=np.uint8)  # (H, W, 4)
    out[..., :3] = np.rint(255 * rgb)
    return out


def pixel_image(rgba: np.ndarray, x: float, y: float) -> ImageMobject:
    """An ImageMobject of (H, W, 4) uint8 pixels at (x, y), scaled with nearest-neighbour resampling (crisp pixels)."""
    img = ImageMobject(rgba.copy(), resampling_algorithm=RESAMPLING_ALGORITHMS["nearest"])
    img.height = IMAGE_HEIGHT
    return img.move_to([x, y, 0])


def morph(img: ImageMobject, a: np.ndarray, b: np.ndarray, run_time: float) -> UpdateFromAlphaFunc:
    """Interpolate img's pixels from a to b, (H, W, 4) uint8 each: (1 - t)·a + t·b."""
    a, b = a.astype(float), b.astype(float)

    def step(mob, t):
        mob.pixel_array = np.rint((1 - t) * a + t * b).astype(np.uint8)  # (H, W, 4)
        return mob

    return UpdateFromAlphaFunc(img, step, run_time=run_time)


def caption(s: str, under) -> Text:
    """A label just below the mobject `under`."""
    return text(s, LABEL).next_to(under, DOWN, buff=0.1)


class OnOffDigits(Scene):
    """E7, one example digit: x -> x + d, then d split into P_T d and P_N d, then d_on and d_off beside them.

    Class attributes (set by `configured`): result (an E7 Result; None: the folder
    in $DMM_EDU_ANIM_RESULT, see _common.scene_result),
    example_index (which of the result's example digits, ae_ex_*), step_seconds (length of each morph).
    """

    result = None
    example_index = 0
    step_seconds = 1.5

    def __init__(self, **kwargs):
        super().__init__(camera_class=PixelCamera, **kwargs)

    def construct(self):
        r = scene_result(self, "E7")
        xs = r.arrays["ae_ex_x"]  # (E, C, H, W)
        i = int(self.example_index)
        if not 0 <= i < len(xs):
            raise ValueError(f"example_index={self.example_index!r} is out of range; the result holds "
                             f"{len(xs)} example digits (0 to {len(xs) - 1})")
        x = xs[i]  # (C, H, W)
        d = {part: r.arrays[f"ae_ex_{part}"][i] for part in PARTS}  # each (C, H, W)
        norm = {part: float(np.linalg.norm(v)) for part, v in d.items()}  # ‖·‖₂ over all pixels
        label = int(r.arrays["labels"][r.arrays["ae_ex_index"][i]])
        n, k = int(r.metrics["n"]), int(r.metrics["k"])
        share = norm["d_tangent"] ** 2 / norm["d_free"] ** 2  # ‖P_T d‖²/‖d‖² (P_T d ⟂ P_N d: the squares add up)

        title_card(self, "On- and off-manifold parts of d",
                   f"E7 · n = {n} pixels, k = {k} · {r.profile} run",
                   notes=f"E7, the paper's protocol, {r.metrics['dataset']} digits, {r.profile} run. Tangent space T at x: the decoder Jacobian "
                         f"J_dec of an autoencoder at E(x), k = {k} directions (QR). d: DeepFool's minimal "
                         "perturbation that flips the classifier, searched anywhere; P_T d its part along T, "
                         "P_N d = d - P_T d its part perpendicular to T; d_on, d_off: the minimal perturbations "
                         f"searched only in T / only perpendicular to T. One digit (example {i} of {len(xs)}); "
                         "perturbations amplified to be seen, images clipped to [0, 1].")

        vmax = max(float(np.abs(d[p]).max()) for p in PARTS) or 1.0  # one colour scale for every perturbation
        header = self._header("x: a test digit, classified correctly")
        x_rgba = gray_rgba(x)
        top = [pixel_image(x_rgba, cx, ROWS_Y[0]) for cx in COLUMNS_X]  # the images x + part
        frames = [Rectangle(width=IMAGE_HEIGHT, height=IMAGE_HEIGHT, stroke_color=MUTED, stroke_width=1.5)
                  .move_to([cx, cy, 0]) for cy in ROWS_Y for cx in COLUMNS_X]  # row-major: 0-2 top, 3-5 bottom
        name_x = caption("x", top[0])
        note = self._note(i, label, vmax)
        self.play(FadeIn(Group(top[0], frames[0], name_x, header, note)), run_time=0.6)
        beat(self, 2.0, f"Example {i}, labelled {label}. {self._note_text(vmax)}")

        # x -> x + d, with d amplified below it
        zero = signed_rgba(np.zeros_like(x), 1.0)  # (H, W, 4) all white: no perturbation yet
        bottom = [pixel_image(zero, cx, ROWS_Y[1]) for cx in COLUMNS_X]  # the perturbations, amplified
        head1 = self._header("x + d: the adversarial image")
        self.play(FadeIn(Group(bottom[0], frames[3])), FadeOut(header), FadeIn(head1), run_time=0.5)
        self.play(morph(top[0], x_rgba, gray_rgba(x + d["d_free"]), self.step_seconds),
                  morph(bottom[0], zero, signed_rgba(d["d_free"], vmax), self.step_seconds),
                  FadeOut(name_x), FadeIn(caption("x + d", top[0])),
                  FadeIn(caption(f"‖d‖ = {norm['d_free']:.2f}", bottom[0])))
        beat(self, 2.0, f"d = DeepFool's minimal perturbation, searched anywhere: ‖d‖ = {norm['d_free']:.2f}.")

        # d = P_T d + P_N d, beside it
        head2 = self._header(f"d = P_T d + P_N d:  ‖P_T d‖²/‖d‖² = {share:.2f}  (chance: {k / n:.3f})")
        parts = (("d_tangent", "P_T d"), ("d_normal", "P_N d"))
        self.play(FadeIn(Group(top[1], top[2], bottom[1], bottom[2], *frames[1:3], *frames[4:])), FadeOut(head1),
                  FadeIn(head2), run_time=0.5)
        anims, caps = [], []
        for col, (part, name) in enumerate(parts, start=1):
            anims += [morph(top[col], x_rgba, gray_rgba(x + d[part]), self.step_seconds),
                      morph(bottom[col], zero, signed_rgba(d[part], vmax), self.step_seconds)]
            caps += [caption(f"x + {name}", top[col]), caption(f"‖{name}‖ = {norm[part]:.2f}", bottom[col])]
        self.play(*anims, FadeIn(VGroup(*caps)))
        beat(self, 3.0, f"d split into its part along T and its part perpendicular to T; the share of ‖d‖² along T "
                        f"is {share:.2f}, where a random direction would give k/n = {k / n:.3f}.")

        # d_on and d_off: the minimal perturbations inside T only / perpendicular to T only
        head3 = self._header("searched only in T (d_on) / only ⟂ T (d_off)")
        anims = []
        caps2 = []
        for col, (old, part) in enumerate((("d_tangent", "d_on"), ("d_normal", "d_off")), start=1):
            anims += [morph(top[col], gray_rgba(x + d[old]), gray_rgba(x + d[part]), self.step_seconds),
                      morph(bottom[col], signed_rgba(d[old], vmax), signed_rgba(d[part], vmax), self.step_seconds)]
            caps2 += [caption(f"x + {part}", top[col]),
                      caption(f"‖{part}‖ = {norm[part] / norm['d_free']:.1f} ‖d‖", bottom[col])]
        self.play(*anims, FadeOut(VGroup(*caps)), FadeIn(VGroup(*caps2)), FadeOut(head2), FadeIn(head3))
        beat(self, 3.0, f"For this digit: ‖d_on‖ = {norm['d_on']:.2f} = {norm['d_on'] / norm['d_free']:.1f} ‖d‖, "
                        f"‖d_off‖ = {norm['d_off']:.2f} = {norm['d_off'] / norm['d_free']:.1f} ‖d‖.")
        everything = Group(*self.mobjects)  # all on screen: the closing lines stand alone
        verdict = self._verdict(r.metrics, n, k)
        self.play(FadeOut(everything), run_time=0.4)
        self.play(FadeIn(verdict), run_time=0.6)
        beat(self, 4.0, "Over all attacked digits: the medians, beside what a random k-dimensional subspace gives. "
                        "The DMM predicts d_on much larger than d_free and d_off close to d_free.")

    @staticmethod
    def _header(s: str) -> Text:
        return text(s, LABEL).to_edge(UP, buff=0.2)

    @staticmethod
    def _note_text(vmax: float) -> str:
        return (f"Perturbations are amplified ×{1 / vmax:.1f}: full colour = ±{vmax:.2f} per pixel (pixels lie in "
                "[0, 1]), blue < 0 < red; the same amplification for every perturbation shown.")

    @staticmethod
    def _note(i: int, label: int, vmax: float) -> Text:
        """The bottom line: how much the perturbations are amplified (×1/vmax), the same all through."""
        return text(f"perturbations ×{1 / vmax:.1f} · blue < 0 < red", LABEL, MUTED).to_edge(DOWN, buff=0.1)

    @staticmethod
    def _verdict(metrics: dict, n: int, k: int) -> VGroup:
        """E7's medians over all attacked digits beside the random baseline √(n/k), read from the result."""
        m = metrics["ae"]
        base = metrics["baseline_d_on_over_d_free"]
        lines = [text(f"all {m['n_measured']} attacked digits (medians)", LABEL),
                 text(f"d_on / d_free = {m['d_on_over_d_free']:.2f}", LABEL),
                 text(f"a random {k}-dim subspace: √(n/k) = {base:.1f}", LABEL, MUTED),
                 text(f"d_off / d_free = {m['d_off_over_d_free']:.2f}", LABEL),
                 text("(the DMM predicts d_on ≫ d_free ≈ d_off)", LABEL, MUTED)]
        return VGroup(*lines).arrange(DOWN, buff=0.2)
