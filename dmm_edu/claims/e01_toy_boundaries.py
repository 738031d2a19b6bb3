"""Claims of E1: clinging and dimpling on the 8×8 chessboard (recipe B and its contrasts), the 2-D line toy.

Each reads one metric of the E1 result (`dmm_edu.experiments.e01_toy_boundaries`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Clinging and dimpling on a toy".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

_QUARTER, _T, _INIT, _TENTH = ("fractions", 0.25), ("fractions", 1.0), ("fractions", 0.0), ("fractions", 0.1)

CLAIMS: list[Claim] = [
    claim("E1.B.n_seeds", ("board_B", "n_seeds"), "{:d}", "paired seeds per recipe"),
    claim("E1.B.n_reached_T", ("board_B", "n_reached_T"), "{:d}", "recipe-B seeds that reached T (every margin > 0.3)"),
    claim("E1.B.T_median", ("board_B", "T_median"), "{:,.0f}", "median T (steps) of recipe B"),
    claim("E1.B.cling_init", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at init", _INIT),
    claim("E1.B.cling_tenth_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at 10% of T", _TENTH),
    claim("E1.B.cling_quarter_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at 25% of T",
        _QUARTER),
    claim("E1.B.cling_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at T", _T),
    claim("E1.B.accuracy_quarter_T", ("board_B", "accuracy_median"), "{:.0%}",
        "recipe B: median train accuracy at 25% of T", _QUARTER),
    claim("E1.B.share_clinging_quarter_T", ("board_B", "share_cling_below_0.15_at_quarter_T"), "{:.0%}",
        "recipe B: share of seeds with cling < 0.15 at 25% of T"),
    claim("E1.B.normal_margin_T", ("board_B", "normal_margin_T_median"), "{:.2f}",
        "recipe B: median normal margin (dimple depth) at T"),
    claim("E1.B.in_margin_T", ("board_B", "in_margin_T_median"), "{:.2f}", "recipe B: median in-manifold margin at T"),
    claim("E1.B.normal_over_in_T", ("board_B", "normal_over_in_margin_T_median"), "{:.1f}",
        "recipe B: median ratio normal / in-manifold margin at T"),
    claim("E1.small_init.cling_quarter_T", ("board_small_init", "cling_median"), "{:.2f}",
        "small init: median cling at 25% of recipe B's T", _QUARTER),
    claim("E1.small_init.n_reached_T", ("board_small_init", "n_reached_T"), "{:d}",
        "small init: seeds that met the margin rule"),
    claim("E1.line.cling_quarter_T", ("line_B", "cling_median"), "{:.2f}",
        "the paper's 2-D line toy, recipe B: median cling at 25% of T", _QUARTER),
]
