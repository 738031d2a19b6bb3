# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab: clinging on a small chessboard
#
# This lab reruns the experiment behind the chapter "Clinging and dimpling on a toy" at its
# `smoke` size (a 4×4 board, two seeds, seconds on a laptop) and draws the same figures.
# Everything it calls is in the `dmm_edu` package; download this file (the button at the top
# right) and open it in Jupyter with jupytext, or run it as a script.
#
# The data: 16 points $x_i = (i/3, j/3, 0.5)$ on the plane $z = 0.5$ in $\mathbb{R}^3$, with
# checkerboard labels. The manifold is the plane, so the tangent space is exact.

# %%
import numpy as np

from dmm_edu.data.toys import chessboard

world = chessboard(4)
print(world.description)
print("x:", world.x.shape, " labels:", np.bincount(world.y))  # x: (16, 3)

# %% [markdown]
# ## Train and measure
#
# `run_cached` trains recipe B (one hidden layer of 400 ReLUs, plain full-batch gradient descent,
# lr 0.05) and the small-init contrast on paired seeds, and measures the boundary's height field
# $h$ over the board at fractions of $T$, the step where every training margin first exceeds 0.3.
# The result is cached: running this cell again is instant.

# %%
from dmm_edu.experiments.base import run_cached

result = run_cached("E1", profile="smoke", seed=0)
board = result.metrics["board_B"]
for f, c, a in zip(result.metrics["fractions"], board["cling_median"], board["accuracy_median"]):
    print(f"{f:5.2f} T   cling {c:.2f}   train accuracy {a:.2f}")

# %% [markdown]
# ## The figures
#
# The same functions draw the book's figures from the `book` run. Here: cling over training, for
# each seed (thin) and the median (bold). A cling near 0 means the boundary lies on the plane.

# %%
# %matplotlib inline
from dmm_edu.plots import plot

plot(result, "cling")

# %%
plot(result, "snapshots")

# %% [markdown]
# ## Try it
#
# 1. Is the small board a fair stand-in for the 8×8 one? Compare the median cling at $0.25\,T$
#    above with the chapter's number, and read `result.metrics["board_B"]["cling_quarter_T_per_seed"]`.
# 2. Run the `book` profile (`run_cached("E1", profile="book")`, about a minute and a half on two
#    cores) and draw `plot(result, "margins")`: where is the nearest label flip, through the sheet or
#    within the plane?
