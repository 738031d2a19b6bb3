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
# # Lab: clinging on a chessboard
#
# This lab reruns the experiment behind the chapter "Clinging and dimpling on a toy" and draws the
# same figures. Run as a script or a notebook, it uses the `smoke` size: a 4×4 board and two seeds,
# seconds on a laptop. The copy on the book's website was executed while the book was built, at the
# `book` size (an 8×8 board, three seeds): the very run the chapter quotes, cached by the build. Set
# `PROFILE = "book"` below to get it (about a minute and a half on two cores the first time).
# Everything it calls is in the `dmm_edu` package; download it as a notebook (the button at the
# top right) and open it in Jupyter, or as a script (the .py link under the title) and run it
# with python or open it in Jupyter with jupytext.
#
# The data: an $m \times m$ grid of points on the plane $z = 0.5$ in $\mathbb{R}^3$ (for $m = 4$:
# $x_{ij} = (i/3, j/3, 0.5)$), with checkerboard labels. The manifold is the plane, so the tangent
# space is exact.

# %%
import numpy as np

from dmm_edu.book import lab_profile
from dmm_edu.data.toys import chessboard
from dmm_edu.experiments.base import config_for, run_cached

PROFILE = lab_profile()  # "smoke" when you run this file; the book's profile when the site is built
world = chessboard(config_for("E1", PROFILE).board)
print(f"experiments at the {PROFILE!r} profile")
print(world.description)
print("x:", world.x.shape, " labels:", np.bincount(world.y))  # x: (m², 3)

# %% [markdown]
# ## Train and measure
#
# `run_cached` trains the default recipe (one hidden layer of 400 ReLUs, plain full-batch gradient descent,
# lr 0.05) and the small-init contrast on paired seeds, and measures the boundary's height field
# $h$ over the board at fractions of $\tau$, the step where every training margin first exceeds 0.3.
# The result is cached: running this cell again is instant.

# %%
result = run_cached("E1", profile=PROFILE, seed=0)
board = result.metrics["board_B"]
for f, c, a in zip(result.metrics["fractions"], board["cling_median"], board["accuracy_median"]):
    print(f"{f:5.2f} tau  cling {c:.2f}   train accuracy {a:.2f}")

# %% [markdown]
# ## The figures
#
# The same functions draw the book's figures. Here: cling over training, for
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
# 1. Is the small board a fair stand-in for the 8×8 one? Run both profiles and compare the median
#    cling at $0.25\,\tau$, and read `result.metrics["board_B"]["cling_quarter_T_per_seed"]`.
# 2. On the `book` run, draw `plot(result, "margins")`: where is the nearest label flip, through the
#    sheet or within the plane?
