"""E2 figures: a tilted linear boundary classifies the same but lies closer to the data.

For w = e₁ + t·v (v normal to the line the data lie on) the minimal adversarial distance is
|x₁| / √(1 + t²) and its on-manifold fraction is on(w) = 1 / √(1 + t²). Drawn from an E2 result:
`margin_n{n}`, `on_n{n}` (measured by DeepFool at the tilts `tilts`), `margin_exact_n{n}`, and per n
the SGD half in `metrics[f"n{n}"]`. Book page: "Why perturbations are tiny and look like noise".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

MARKERS = ("o", "s", "^", "D", "v")


def dims(result) -> list[int]:
    """The ambient dimensions n of the result, in config order."""
    return [int(n) for n in result.config["dims"]]


def _dense_tilts(tilts: np.ndarray) -> np.ndarray:
    top = max(float(tilts.max()), 1.0)
    return np.concatenate([[0.0], np.geomspace(1e-2, top, 200)])  # (201,)


def tilting(result):
    """Median minimal distance and on-fraction vs tilt t, measured (markers) and closed form (lines)."""
    t = np.asarray(result.arrays["tilts"], dtype=float)  # (T,)
    td = _dense_tilts(t)
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=7.6)  # one above the other: column-wide
    ax_m, ax_on = axes[:, 0]
    for i, n in enumerate(dims(result)):
        col, mk = style.colour(i), MARKERS[i % len(MARKERS)]
        exact0 = float(result.arrays[f"margin_exact_n{n}"][0] * np.sqrt(1 + t[0] ** 2))  # median |x₁|
        ax_m.plot(td, exact0 / np.sqrt(1 + td ** 2), color=col, linewidth=1.2, alpha=0.8)
        ax_m.plot(t, result.arrays[f"margin_n{n}"], linestyle="none", marker=mk, markersize=8 - 1.5 * i,
                  color=col, markeredgecolor=palette.INK, label=f"n = {n}: DeepFool (median)")
        ax_on.plot(t, result.arrays[f"on_n{n}"], linestyle="none", marker=mk, markersize=8 - 1.5 * i, color=col,
                   markeredgecolor=palette.INK, label=f"n = {n}: on(δ) of the minimal δ (median)")
    ax_m.plot([], [], color=palette.REFERENCE, label="closed form median |x₁| / √(1 + t²)")
    ax_on.plot(td, 1 / np.sqrt(1 + td ** 2), color=palette.REFERENCE, linewidth=1.2,
               label="closed form 1 / √(1 + t²)")
    for ax in (ax_m, ax_on):
        ax.set_xscale("symlog", linthresh=0.1, linscale=0.5)
        ax.set_yscale("log")
        ax.set_xlabel("tilt t of w = e₁ + t·v (log scale; 0 = no tilt)")
        ax.legend(fontsize=9, loc="lower left")
    ax_m.set_ylabel("minimal adversarial distance ‖δ‖")
    ax_m.set_title("the margin shrinks as the boundary tilts")
    ax_on.set_ylabel("on(δ) = ‖P_T δ‖ / ‖δ‖")
    ax_on.set_title("and the shortest way across leaves the manifold")
    acc = min(result.metrics[f"n{n}"]["accuracy_min"] for n in dims(result))
    fig.suptitle(f"E2 · boundary tilting (train accuracy at every tilt ≥ {acc:.0%})", fontsize=11)
    return fig


def sgd(result):
    """Plain SGD never moves the normal part of w: ‖P_N w‖ before and after training vs the init scale c."""
    cs = np.asarray(result.config["init_scales"], dtype=float)  # (C,)
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=7.6)
    ax_w, ax_m = axes[:, 0]
    for i, n in enumerate(dims(result)):
        m = result.metrics[f"n{n}"]
        col, mk = style.colour(i), MARKERS[i % len(MARKERS)]
        ax_w.plot(cs, m["normal_norm_before"], color=col, marker=mk, markersize=9, markerfacecolor="none",
                  linestyle="none", label=f"n = {n}: at init")
        ax_w.plot(cs, m["normal_norm_after"], color=col, marker=mk, markersize=4, linestyle="-",
                  label=f"n = {n}: after SGD")
        ax_m.plot(cs, m["trained_margin"], color=col, marker=mk, label=f"n = {n}")
    for ax in (ax_w, ax_m):
        ax.set_xscale("log")
        ax.set_xlabel("init scale c")
        ax.legend(fontsize=9)
    ax_w.set_yscale("log")
    ax_w.set_ylabel("normal part of the weights ‖P_N w‖")
    ax_w.set_title("SGD leaves the normal part at its init")
    ax_m.set_ylabel("minimal distance after SGD\n(median)")
    ax_m.set_title("so a larger init gives a tilted, closer boundary")
    fig.suptitle("E2 · where the tilt comes from", fontsize=11)
    return fig


FIGURES = {"tilting": tilting, "sgd": sgd}
