"""E6 and E7 figures: minimal perturbations of real images split into their on- and off-manifold parts.

`grid`: one row per attacked image, columns x, d_free (DeepFool's minimal perturbation), x + P_T d
(its tangent part added), x + P_N d (its normal part added), d_on and d_off (the minimal perturbations
restricted to the tangent and the normal space). Perturbations are drawn on a diverging scale shared
along each row (white = 0), so their sizes compare; images with a part added are clipped to [0, 1]
for display only. `norms`: median distances per tangent estimate, the ratios d_on/d_free and
d_off/d_free against √(n/k) (what a random k-dimensional subspace gives), and on(d_free) against
√(k/n). E7 adds `ladder`: PGD success rates against eps per space. Arrays: `{tangent}_ex_*`,
`{tangent}_on_delta`, metrics `{tangent}` (see the experiments). Book page: "On- vs off-manifold
perturbations" (the real-image section).
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

COLUMNS = (("ex_x", "x"), ("ex_d_free", "d_free"), ("ex_d_tangent", "x + P_T d"), ("ex_d_normal", "x + P_N d"),
           ("ex_d_on", "d_on (in T)"), ("ex_d_off", "d_off (in N)"))
ADDED = ("ex_d_tangent", "ex_d_normal")  # shown as x + part, clipped to the image box
SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": "d_free (anywhere)", "d_on": "d_on (in the tangent space)",
                "d_off": "d_off (in the normal space)"}
TANGENT_LABELS = {"pca": "global PCA", "local_pca": "local PCA", "random_frame": "random k-frame (control)",
                  "ae": "autoencoder J_dec (DeepFool)", "pgd": "autoencoder J_dec (PGD)"}


def _as_image(a: np.ndarray) -> np.ndarray:
    """(C, H, W) -> what imshow takes: (H, W) for one channel, (H, W, 3) for colour."""
    return a[0] if a.shape[0] == 1 else np.transpose(a, (1, 2, 0))


def _show_signed(ax, d: np.ndarray, vmax: float):
    """A perturbation (C, H, W) on the diverging scale [-vmax, vmax]; colour images by channel mean."""
    ax.imshow(d.mean(axis=0), cmap=style.DIVERGING_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")


def image_grid(result, tangent: str):
    """Rows: attacked images; columns: x, d_free, x + P_T d, x + P_N d, d_on, d_off (tangent = metrics key)."""
    a = {key: result.arrays[f"{tangent}_{key}"] for key, _ in COLUMNS}  # each (E, C, H, W)
    labels = result.arrays["labels"][result.arrays[f"{tangent}_ex_index"]]  # (E,)
    E = len(a["ex_x"])
    fig, axes = style.new_figure(max(E, 1), len(COLUMNS), width=1.45 * len(COLUMNS) + 0.6, height=1.5 * max(E, 1) + 0.9)
    for i in range(E):
        vmax = max(float(np.abs(a[key][i]).max()) for key, _ in COLUMNS[1:]) or 1.0  # one scale per row
        for j, (key, title) in enumerate(COLUMNS):
            ax = axes[i, j]
            if key == "ex_x" or key in ADDED:
                img = a["ex_x"][i] + (a[key][i] if key in ADDED else 0.0)  # (C, H, W)
                ax.imshow(_as_image(np.clip(img, 0.0, 1.0)), cmap=style.IMAGE_CMAP, vmin=0.0, vmax=1.0,
                          interpolation="nearest")
            else:
                _show_signed(ax, a[key][i], vmax)
            if key != "ex_x":
                part = a[key][i]
                ax.set_xlabel(f"‖·‖ = {np.linalg.norm(part):.2f}", fontsize=7, labelpad=1)
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=9)
        axes[i, 0].set_ylabel(f"label {int(labels[i])}", fontsize=8)
    m = result.metrics[tangent]
    fig.suptitle(f"{result.experiment} · {TANGENT_LABELS.get(tangent, tangent)}, k = {m['k']}: on(d_free) median "
                 f"{m['on_delta']:.2f} vs random √(k/n) = {m['baseline_on']:.2f}", fontsize=10)
    return fig


def norms(result, tangents: tuple[str, ...]):
    """Median distances per tangent; d_on/d_free and d_off/d_free against √(n/k); on(d_free) against √(k/n)."""
    metrics = {t: result.metrics[t] for t in tangents}
    n, k = int(result.metrics["n"]), int(result.metrics["k"])
    fig, axes = style.new_figure(1, 3, width=15, height=4.6)
    ax_d, ax_r, ax_on = axes[0]
    x = np.arange(len(tangents))  # (T,)
    names = [TANGENT_LABELS.get(t, t).replace(" (", "\n(") for t in tangents]
    width = 0.26
    for j, s in enumerate(SPACES):
        bars = ax_d.bar(x + (j - 1) * width, [metrics[t][s] for t in tangents], width, color=palette.SPACES[s],
                        edgecolor=palette.INK, linewidth=0.6, label=SPACE_LABELS[s])
        ax_d.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax_d.set_xticks(x, names, fontsize=8)
    ax_d.set_ylabel("median minimal L2 distance")
    ax_d.set_title("the shortest way across, in three spaces")
    ax_d.legend(fontsize=8, loc="upper left")
    ax_d.set_ylim(0, 1.3 * max(max(metrics[t][s] for s in SPACES) for t in tangents))

    for j, key in enumerate(("d_on_over_d_free", "d_off_over_d_free")):
        bars = ax_r.bar(x + (j - 0.5) * 0.36, [metrics[t][key] for t in tangents], 0.36,
                        color=(palette.ON, palette.OFF)[j], edgecolor=palette.INK, linewidth=0.6,
                        label=key.replace("_over_", " / "))
        ax_r.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    root = float(result.metrics["baseline_d_on_over_d_free"])  # √(n/k), as the experiment saved it
    style.baseline_hline(ax_r, root, label=f"{style.BASELINE_LABEL_INVERSE} = {root:.2f}")
    ax_r.axhline(1.0, **style.REFERENCE_STYLE, label="1: as short as the free attack")
    ax_r.set_xticks(x, names, fontsize=8)
    ax_r.set_ylabel("ratio of medians")
    ax_r.set_ylim(0, 1.25 * max(root, max(metrics[t]["d_on_over_d_free"] for t in tangents)))
    ax_r.set_title("how much longer the restricted ways are")
    ax_r.legend(fontsize=8, loc="upper left")

    on = [result.arrays[f"{t}_on_delta"] for t in tangents]
    on = [v[np.isfinite(v)] for v in on]
    ax_on.boxplot(on, positions=x, widths=0.5, showfliers=False)
    for i, v in enumerate(on):
        ax_on.plot(np.full(v.size, x[i]) + np.linspace(-0.15, 0.15, v.size), v, ".", color=style.colour(i),
                   markersize=3, alpha=0.6, label=f"on(d_free), {TANGENT_LABELS.get(tangents[i], tangents[i])}")
    on_base = float(result.metrics["baseline_on"])  # √(k/n)
    style.baseline_hline(ax_on, on_base, label=f"{style.BASELINE_LABEL} = {on_base:.2f}")
    ax_on.set_xticks(x, names, fontsize=8)
    ax_on.set_ylim(0, 1.05)
    ax_on.set_ylabel(style.ON_LABEL + " of d_free")
    ax_on.legend(handles=[ax_on.get_lines()[-1]], fontsize=8, loc="upper right")  # the baseline
    ax_on.set_title("how much of the free perturbation lies along T")
    fig.suptitle(f"{result.experiment} · {result.metrics['dataset']}: n = {n}, k = {k}; clean test accuracy "
                 f"{result.metrics['clean_test_accuracy']:.3f}")
    return fig


def ladder(result):
    """E7: PGD-L2 success rate against eps in each space (free, tangent, normal)."""
    lad = result.metrics["pgd_ladder"]
    fig, axes = style.new_figure(1, 1, width=5.5, height=4.2)
    ax = axes[0, 0]
    for space in ("free", "on", "off"):
        ax.plot(lad["eps"], lad[f"success_{space}"], "o-", color=palette.SPACES[f"d_{space}"],
                label=SPACE_LABELS[f"d_{space}"])
    ax.set_xscale("log")
    ax.set_xlabel("eps (L2 budget of PGD)")
    ax.set_ylabel("success rate")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"E7 · PGD-L2 in each space, k = {result.metrics['k']}")
    return fig


E6_FIGURES = {"grid": lambda r: image_grid(r, "pca"), "grid_local": lambda r: image_grid(r, "local_pca"),
              "norms": lambda r: norms(r, ("pca", "local_pca", "random_frame"))}
E7_FIGURES = {"grid": lambda r: image_grid(r, "ae"), "norms": lambda r: norms(r, ("ae", "pgd", "random_frame")),
              "ladder": ladder}
