"""E1 for the browser: the boundary's height field over the chessboard, frame by frame over training.

For each chessboard recipe and seed of the E1 result: the steps of its scrub frames (every early
step, every fraction of τ and evenly spaced steps between, `e01_toy_boundaries.Config.scrub_frames`),
the height field at each (NaN where no crossing lies within ±s_max), the cling, the share of the
grid with no crossing and the train accuracy there, and the clock that "fraction of τ" is read on
(the paired default-recipe run's τ). Script: docs/assets/interactive/clinging.js.
"""

from __future__ import annotations

from dmm_edu import palette
from dmm_edu.interactive import Figure, grid, numbers
from dmm_edu.results import Result

RECIPE_NAMES = {"B": "default recipe", "small_init": "small init", "weight_decay": "weight decay"}
HEIGHT_SCALE = 1e-4  #: heights travel to 1e-4 (the cap s_max is 1): far below what a pixel shows


def build(results: dict[str, Result]) -> dict:
    r = results["E1"]
    a, m = r.arrays, r.metrics
    s_max = float(r.config["s_max"])
    recipes = []
    for tag in m["groups"]:
        world, _, recipe = tag.partition("_")
        if world != "board" or f"{tag}_s0_scrub_steps" not in a:
            continue
        seeds = []
        for i in range(m[tag]["n_seeds"]):
            p = f"{tag}_s{i}_"
            seeds.append({"seed_index": i, "seed": m["seeds"][i], "T": m[tag]["T"][i],
                          "clock": m[tag]["clock"][i],
                          "steps": [int(s) for s in a[p + "scrub_steps"]],
                          "cling": numbers(a[p + "scrub_cling"]), "missing": numbers(a[p + "scrub_missing"]),
                          "accuracy": numbers(a[p + "scrub_accuracy"]),
                          "frames": grid(a[p + "scrub_frames"], HEIGHT_SCALE)})
        recipes.append({"key": recipe, "label": RECIPE_NAMES.get(recipe, recipe), "seeds": seeds})
    if not recipes:
        raise KeyError("E1 result has no scrub frames (board_B_s0_scrub_steps): rerun E1 with this code")
    return {"recipes": recipes, "axis": numbers(a["board_grid_axis"]), "points": [numbers(t) for t in a["board_t"]],
            "labels": [int(y) for y in a["board_y"]], "s_max": s_max,
            "colours": {"below": palette.BELOW, "above": palette.ABOVE, "classes": list(palette.CLASSES[:2]),
                        "missing": palette.MISSING, "cling": palette.BLUE, "accuracy": palette.ORANGE}}


FIGURES = (Figure("E1-scrub", ("E1",), build,
                  "the boundary's height over the chessboard at every saved step of training, "
                  "for each recipe and seed", "E1-snapshots"),)
