"""E3 and E4 figures: how on-manifold is a direction, against the random baseline √(k/n)?

E3: histograms of on(d) = ‖P_T d‖/‖d‖ for random directions per (n, k), with the gradient of an
untrained network beside them (`on_random_n{n}_k{k}`, `on_grad_untrained_n{n}_k{k}`).
E4: on(∇ℓ) at test points after training from each init scale c (`on_grad_c{c}`; NaN where the
gradient vanished is left out). Book page: "Data manifolds and tangent spaces".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

N_BINS = 40  #: histogram bins per panel


def histogram_bins(*samples: np.ndarray) -> np.ndarray:
    """N_BINS + 1 edges over the range the samples span (padded a little, clipped to [0, 1])."""
    v = np.concatenate([np.ravel(a) for a in samples])
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    pad = 0.1 * max(hi - lo, 0.02)
    return np.linspace(max(0.0, lo - pad), min(1.0, hi + pad), N_BINS + 1)


def e3_dims(result) -> list[tuple[int, int]]:
    return [(int(n), int(k)) for n, k in result.metrics["dims"]]


def random_directions(result):
    """One panel per (n, k), two a row: on(random) and on(∇ of an untrained net) as densities, and √(k/n)."""
    dims = e3_dims(result)
    ncols = min(2, len(dims))  # two panels a row keep their text legible in the book's column
    nrows = -(-len(dims) // ncols)
    fig, axes = style.new_figure(nrows, ncols, width=style.COLUMN_WIDTH_IN, height=3.0 * nrows + 1.2)
    for ax in axes.ravel()[len(dims):]:
        fig.delaxes(ax)
    for ax, (n, k) in zip(axes.ravel(), dims):
        tag = f"n{n}_k{k}"
        on_random, on_grad = result.arrays[f"on_random_{tag}"], result.arrays[f"on_grad_untrained_{tag}"]
        bins = histogram_bins(on_random, on_grad)
        ax.hist(on_random, bins=bins, density=True, color=palette.RANDOM, alpha=0.65,
                label=f"random directions v ({on_random.size})")
        ax.hist(on_grad[np.isfinite(on_grad)], bins=bins, density=True, histtype="step", linewidth=2,
                color=palette.GRADIENT, label=f"∇ℓ of an untrained network ({on_grad.size} points)")
        root = float(result.metrics[tag]["baseline"])  # √(k/n), as E3 saved it
        style.baseline_vline(ax, root)
        ax.set_title(f"n = {n}, k = {k}:  √(k/n) = {root:.3f}", fontsize=10)
        ax.set_xlabel(style.ON_LABEL)
        ax.set_xlim(bins[0], bins[-1])
        ax.set_ylabel("density")
        ax.set_ylim(0, 1.1 * ax.get_ylim()[1])
    handles, labels = axes[0, 0].get_legend_handles_labels()  # one legend for every panel, below them
    counts = {(result.arrays[f"on_random_n{n}_k{k}"].size, result.arrays[f"on_grad_untrained_n{n}_k{k}"].size)
              for n, k in dims}
    if len(counts) > 1:  # the counts differ per panel: a shared legend cannot give them
        labels = [lb.split(" (")[0] for lb in labels]
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    fig.suptitle("E3 · on(v) of random directions and of an untrained gradient", fontsize=11)
    return fig


def e4_scales(result) -> list[float]:
    return [float(c) for c in result.config["init_scales"]]


def gradient_on_fraction_figure(result):
    """on(∇ℓ) at test points after training, one box per init scale c; dots: every point; ×: at init."""
    cs = e4_scales(result)
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    fig, axes = style.new_figure(1, 1, width=style.COLUMN_WIDTH_IN, height=4.8)
    ax = axes[0, 0]
    jitter = np.random.default_rng(0)  # only spreads the dots sideways; fixed so the figure is reproducible
    data = []
    for i, c in enumerate(cs):
        on = result.arrays[f"on_grad_c{c:g}"]
        on = on[np.isfinite(on)]  # NaN where ∇ = 0
        data.append(on)
        ax.scatter(i + jitter.uniform(-0.18, 0.18, on.size), on, s=6, color=style.colour(i), alpha=0.35,
                   linewidths=0, zorder=2)
        init = result.metrics[f"c{c:g}"]["on_grad_init"]
        ax.plot([i], [init], marker="x", markersize=10, color=palette.INK, linestyle="none", zorder=4,
                label="median at init (before training)" if i == 0 else None)
    ax.boxplot(data, positions=range(len(cs)), widths=0.5, showfliers=False, zorder=3,
               medianprops={"color": palette.INK, "linewidth": 2}, boxprops={"linewidth": 1.2})
    style.baseline_hline(ax, float(result.metrics["baseline_on"]))  # √(k/n), as E4 saved it
    ax.set_xticks(range(len(cs)), [style.c_label(c) for c in cs])
    ax.set_xlabel("init scale c of the network")
    ax.set_ylabel("on(∇ℓ) = ‖P_T ∇ℓ‖ / ‖∇ℓ‖ at test points")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=9, loc="best")
    ax.set_title(f"E4 · on(∇ℓ) after training (n = {n}, k = {k})", fontsize=11)
    return fig


E3_FIGURES = {"random": random_directions}
E4_FIGURES = {"gradients": gradient_on_fraction_figure}
