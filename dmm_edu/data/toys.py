"""The paper's small toys: five points on a line in 2-D and a chessboard on a plane in 3-D.

Shamir et al. (2021) draw the dimpled-manifold picture on a 2-D toy (points on the line y = 0.5
with alternating labels); their follow-up, and the book's clinging/dimpling chapter, use an m x m
chessboard on the plane z = 0.5 in R^3. Both manifolds are flat, so the tangent is exact.
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_array, check_finite_float, check_positive_float, check_positive_int
from dmm_edu.data.world import World
from dmm_edu.manifold.projectors import SubspaceProjector


def line_toy(n_points: int = 5, spacing: float = 0.25, start: float = 0.05, height: float = 0.5) -> World:
    """The paper's 2-D toy: n_points on the line y = height at x = start + i * spacing, labels i mod 2.

    Defaults give the paper's points x = 0.05, 0.30, 0.55, 0.80, 1.05 with labels 0, 1, 0, 1, 0.
    n = 2, k = 1; tangent: the horizontal direction, U = [[1], [0]].
    Oracle: project onto the line (keep the first coordinate) and take the label of the nearest
    training point along it (Voronoi cells on the line; ties go to the left point).
    """
    n_points = check_positive_int("n_points", n_points, minimum=2)
    spacing = check_positive_float("spacing", spacing)
    start, height = check_finite_float("start", start), check_finite_float("height", height)

    t = start + spacing * np.arange(n_points)  # (P,): positions along the line
    x = np.stack([t, np.full(n_points, height)], axis=1)  # (P, 2): (t_i, height)
    y = np.arange(n_points) % 2  # (P,): 0, 1, 0, 1, ...

    def coords(p):
        return check_array("x", p, shape=(None, 2))[:, :1]  # (M, 1): coordinate along the line

    def oracle(p):
        s = coords(p)  # (M, 1)
        nearest = np.argmin(np.abs(s - t[None, :]), axis=1)  # (M,): Voronoi cell on the line
        return y[nearest]

    return World(
        name="line-toy", x=x, y=y, x_test=np.zeros((0, 2)), y_test=np.zeros(0, dtype=np.int64), n_classes=2, k=1,
        projector=SubspaceProjector([[1.0], [0.0]]), oracle=oracle, coords=coords,
        description=f"the paper's 2-D toy: {n_points} points on the line y = {height} with alternating labels",
    )


def chessboard(m: int = 5, height: float = 0.5) -> World:
    """The 3-D chessboard: an m x m grid of points (i, j) / (m - 1) on the plane z = height.

    Label convention: label = 1 if (i + j) is even, else 0; so the corner
    (0, 0) has label 1 and an 8 x 8 board is balanced 32/32 (5 x 5: 13 ones, 12 zeros).
    Points are ordered with j fastest: row r = i * m + j is (i / (m-1), j / (m-1), height).
    n = 3, k = 2; tangent: the xy-plane. Oracle: drop z, round (x, y) to the nearest grid point
    (clipped to the board) and return its label.
    """
    m = check_positive_int("m", m, minimum=2)
    height = check_finite_float("height", height)

    i, j = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")  # (m, m) each
    i, j = i.ravel(), j.ravel()  # (m*m,)
    x = np.stack([i / (m - 1), j / (m - 1), np.full(m * m, height)], axis=1)  # (m*m, 3)
    y = ((i + j) % 2 == 0).astype(np.int64)  # (m*m,): label = [(i + j) even]

    def coords(p):
        return check_array("x", p, shape=(None, 3))[:, :2]  # (M, 2): drop z

    def oracle(p):
        g = np.clip(np.rint(coords(p) * (m - 1)), 0, m - 1).astype(np.int64)  # (M, 2): nearest grid cell
        return ((g[:, 0] + g[:, 1]) % 2 == 0).astype(np.int64)  # (M,)

    return World(
        name="chessboard", x=x, y=y, x_test=np.zeros((0, 3)), y_test=np.zeros(0, dtype=np.int64), n_classes=2, k=2,
        projector=SubspaceProjector([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), oracle=oracle, coords=coords,
        description=f"a {m} x {m} chessboard on the plane z = {height} in R^3, label 1 where i + j is even",
    )
