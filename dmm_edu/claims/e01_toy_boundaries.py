"""Claims of E1: clinging and dimpling on the 8×8 chessboard (the default recipe and its contrasts), the 2-D line toy.

The names keep "B" for the default recipe (default init; the experiment's metric keys say board_B). The
contrasts are read on the default recipe's clock, where they need not have met the margin rule: their
n_reached_T and accuracy claims say how far from fitted they were when their cling is compared. Only the
recipes every profile runs have claims (the smoke profile has no weight-decay contrast).

Each reads one metric of the E1 result (`dmm_edu.experiments.e01_toy_boundaries`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Clinging and dimpling on a toy".
"""

from __future__ import annotations

from dataclasses import replace

from dmm_edu.claims.core import Claim, claim

_QUARTER, _T, _INIT, _TENTH = ("fractions", 0.25), ("fractions", 1.0), ("fractions", 0.0), ("fractions", 0.1)

CLAIMS: list[Claim] = [
    claim("E1.B.n_seeds", ("board_B", "n_seeds"), "{:d}", "paired seeds per recipe"),
    claim("E1.B.n_reached_T", ("board_B", "n_reached_T"), "{:d}",
        "default-recipe seeds that reached tau (every margin > 0.3)"),
    claim("E1.B.T_median", ("board_B", "T_median"), "{:,.0f}", "median tau (steps) of the default recipe"),
    claim("E1.B.cling_init", ("board_B", "cling_median"), "{:.2f}", "default recipe: median cling at init",
        _INIT),
    claim("E1.B.cling_tenth_T", ("board_B", "cling_median"), "{:.2f}", "default recipe: median cling at 10% of tau",
        _TENTH),
    claim("E1.B.cling_quarter_T", ("board_B", "cling_median"), "{:.2f}", "default recipe: median cling at 25% of tau",
        _QUARTER),
    claim("E1.B.cling_T", ("board_B", "cling_median"), "{:.2f}", "default recipe: median cling at tau", _T),
    claim("E1.B.cling_missing_init", ("board_B", "cling_missing_median"), "{:.0%}",
        "default recipe: median share of the grid with no crossing within s_max of the plane at init",
        _INIT),
    claim("E1.B.cling_missing_tenth_T", ("board_B", "cling_missing_median"), "{:.0%}",
        "default recipe: median share of the grid with no crossing within s_max of the plane at 10% of tau", _TENTH),
    claim("E1.B.cling_missing_quarter_T", ("board_B", "cling_missing_median"), "{:.0%}",
        "default recipe: median share of the grid with no crossing within s_max of the plane at 25% of tau", _QUARTER),
    claim("E1.B.cling_missing_T", ("board_B", "cling_missing_median"), "{:.0%}",
        "default recipe: median share of the grid with no crossing within s_max of the plane at tau", _T),
    claim("E1.B.accuracy_quarter_T", ("board_B", "accuracy_median"), "{:.0%}",
        "default recipe: median train accuracy at 25% of tau", _QUARTER),
    claim("E1.B.normal_margin_T", ("board_B", "normal_margin_T_median"), "{:.2f}",
        "default recipe: median normal margin (dimple depth) at tau"),
    claim("E1.B.in_margin_T", ("board_B", "in_margin_T_median"), "{:.2f}",
        "default recipe: median in-manifold margin at tau"),
    claim("E1.B.normal_over_in_T", ("board_B", "normal_over_in_margin_T_median"), "{:.1f}",
        "default recipe: median ratio normal / in-manifold margin at tau"),
    claim("E1.B.normal_margin_late", ("board_B", "normal_margin_late_median"), "{:.2f}",
        "default recipe: median normal margin at 1.25 tau"),
    claim("E1.B.n_clinging_quarter_T", ("board_B", "n_cling_below_0.15_at_quarter_T"), "{:d}",
        "default recipe: seeds whose cling is below 0.15 at 25% of tau (a count: too few seeds for a rate)"),
    claim("E1.B.share.n_seeds", ("board_B", "share", "n_reached_T"), "{:d}",
        "default recipe: seeds behind the share of clinging seeds (the paired seeds and the extra ones, that reached tau)"),
    claim("E1.B.share.n_clinging", ("board_B", "share", "n_clinging"), "{:d}",
        "default recipe: of those, seeds whose cling is below 0.15 at 25% of tau"),
    claim("E1.B.share.share", ("board_B", "share", "share"), "{:.0%}", "default recipe: share of clinging seeds"),
    claim("E1.B.share.ci95_low", ("board_B", "share", "ci95_low"), "{:.0%}",
        "default recipe: lower end of the exact (Clopper-Pearson) 95% interval of that share"),
    claim("E1.B.share.ci95_high", ("board_B", "share", "ci95_high"), "{:.0%}",
        "default recipe: upper end of the exact (Clopper-Pearson) 95% interval of that share"),
    claim("E1.small_init.early_cling_min", ("board_small_init", "early_cling_min_median"), "{:.2f}",
        "small init: the lowest median cling over the early steps (1, 2, 5, 10, ...)"),
    claim("E1.small_init.early_cling_min_step", ("board_small_init", "early_cling_min_step"), "{:,d}",
        "small init: the early step at which its median cling is lowest"),
    claim("E1.small_init.cling_quarter_T", ("board_small_init", "cling_median"), "{:.2f}",
        "small init: median cling at 25% of the default recipe's tau", _QUARTER),
    claim("E1.small_init.cling_missing_quarter_T", ("board_small_init", "cling_missing_median"), "{:.0%}",
        "small init: median share of the grid with no crossing within s_max at 25% of the default recipe's tau",
        _QUARTER),
    claim("E1.small_init.n_reached_T", ("board_small_init", "n_reached_T"), "{:d}",
        "small init: seeds that met the margin rule"),
    claim("E1.small_init.accuracy_hundredth_T", ("board_small_init", "accuracy_median"), "{:.0%}",
        "small init: median train accuracy at 1% of the default recipe's tau", ("fractions", 0.01)),
    claim("E1.small_init.accuracy_T", ("board_small_init", "accuracy_median"), "{:.0%}",
        "small init: median train accuracy at the default recipe's tau", _T),
    claim("E1.line.T_median", ("line_B", "T_median"), "{:,.0f}",
        "the paper's 2-D line toy, default recipe: median tau (steps), its own clock"),
    claim("E1.line.cling_quarter_T", ("line_B", "cling_median"), "{:.2f}",
        "the paper's 2-D line toy, default recipe: median cling at 25% of tau", _QUARTER),
]

#: medians whose per-seed values the result keeps beside them ("cling_median" -> "cling_per_seed"): the book
#: prints their range over the paired seeds
_WITH_SEEDS = ("T_median", "cling_median", "cling_missing_median", "accuracy_median", "normal_margin_T_median",
               "in_margin_T_median", "normal_over_in_margin_T_median", "normal_margin_late_median")
CLAIMS = [replace(c, per_seed=(*c.metric[:-1], c.metric[-1].removesuffix("_median") + "_per_seed"))
          if c.metric[-1] in _WITH_SEEDS else c for c in CLAIMS]
