"""The book's first adversarial example (chapter 1 opens with it): a digit, its minimal perturbation, the flip.

Three panels from the E6 result: the digit x with the class and probability the network gives it;
δ, the DeepFool perturbation found inside the pixel box [0, 1], drawn `amplification` times larger
on the diverging scale (white = 0; the colour bar is labelled in δ's own units, so the reader sees
both the picture and the true size); and x + δ, drawn as it is (it is a valid image: no clipping),
with the probabilities of the new class and of the old one (a minimal perturbation stops just
across the boundary, so they are nearly equal). The title states ‖δ‖ against ‖x‖. Everything
comes from `metrics["opening"]` and the arrays `opening_x`, `opening_delta`
(`dmm_edu.experiments.e06_on_off_images.opening_example`); the experiment picks the digit (median ρ)
and the factor (a round number), so the chapter's caption can quote the same values.
"""

from __future__ import annotations

import numpy as np

from dmm_edu.plots import style

FONT = 10  #: the figure's text size (pt); at least style.MIN_FONT_PT
WIDTH_IN, HEIGHT_IN = 6.4, 2.6  #: at most style.COLUMN_WIDTH_IN wide


def _as_image(a: np.ndarray) -> np.ndarray:
    """(C, H, W) -> what imshow takes: (H, W) for one channel, (H, W, 3) for colour."""
    return a[0] if a.shape[0] == 1 else np.transpose(a, (1, 2, 0))


def opening(result):
    """x | δ × amplification | x + δ, with the classes, probabilities and norms of `metrics["opening"]`."""
    m = result.metrics["opening"]
    x, delta = result.arrays["opening_x"], result.arrays["opening_delta"]  # (C, H, W) each
    amp = float(m["amplification"])
    fig, axes = style.new_figure(1, 3, width=WIDTH_IN, height=HEIGHT_IN)
    ax_x, ax_d, ax_adv = axes[0]
    ax_x.imshow(_as_image(x), cmap=style.IMAGE_CMAP, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax_x.set_title(f"x: network says {m['label']}\n(probability {m['p_label']:.0%})", fontsize=FONT)
    shown = ax_d.imshow((amp * delta).mean(axis=0), cmap=style.DIVERGING_CMAP, vmin=-1.0, vmax=1.0,
                        interpolation="nearest")
    ax_d.set_title(f"δ, amplified ×{amp:g}\n‖δ‖ = {m['delta_norm']:.2f}", fontsize=FONT)
    bar = fig.colorbar(shown, ax=ax_d, fraction=0.046, pad=0.03, ticks=[-1.0, 0.0, 1.0])
    bar.ax.set_yticklabels([f"−{1 / amp:g}", "0", f"+{1 / amp:g}"], fontsize=FONT)
    bar.set_label("δ per pixel", fontsize=FONT)
    ax_adv.imshow(_as_image(x + delta), cmap=style.IMAGE_CMAP, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax_adv.set_title(f"x + δ: network says {m['adv_label']}\n({m['adv_label']}: {m['p_adv_label']:.1%}, "
                     f"{m['label']}: {m['p_label_at_adv']:.1%})", fontsize=FONT)
    for ax in (ax_x, ax_d, ax_adv):
        ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle(f"{result.experiment} · ‖δ‖ = {m['delta_norm']:.2f} against ‖x‖ = {m['x_norm']:.1f} "
                 f"({m['rho']:.0%} of it) turns {m['label']} into {m['adv_label']}", fontsize=FONT)
    return fig


FIGURE = opening  #: registered as E6's figure "opening" (dmm_edu/plots/__init__.py)
