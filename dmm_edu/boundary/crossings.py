"""Where a line crosses the decision boundary: every sign change of the score along it.

For lines x(s) = x0_i + s u_i, s in [s_min, s_max], the boundary is crossed where the score
s(x(s)) changes sign. We evaluate the score on a grid of G values of s for all lines at once,
find every grid cell whose ends have different signs, and shrink each such bracket by bisection
until it is shorter than `tol`. This is the measuring tape for the height field, the margins and
the boundary-manifold angles. Book page: "Clinging and dimpling on a toy".

Limits (the price of a grid): two crossings inside one grid cell cancel and are missed, and a
boundary that only touches the line (s = 0 without a sign change) is not a crossing. Refine
`n_grid` when the boundary wiggles faster than (s_max - s_min) / (n_grid - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_finite_float, check_positive_float, check_positive_int
from dmm_edu.boundary.score import BATCH_SIZE, as_score, evaluate

MAX_BISECTIONS = 200  # enough for any float64 bracket


@dataclass(frozen=True)
class Crossings:
    """All boundary crossings along N lines, padded.

    s: (N, R) float, the crossing positions of line i in s[i, :count[i]], increasing; NaN after.
        R = max(count) (R = 0 when no line crosses). Each is within tol / 2 of a sign change.
    count: (N,) int, the number of crossings found on each line.
    """

    s: np.ndarray
    count: np.ndarray

    def as_list(self) -> list[np.ndarray]:
        """The ragged view: one array (count[i],) per line."""
        return [row[:c] for row, c in zip(self.s, self.count)]


def check_lines(x0, u) -> tuple[np.ndarray, np.ndarray]:
    """x0: (N, n), u: (n,) or (N, n) with nonzero rows -> (x0, u broadcast to (N, n))."""
    x0 = check_array("x0", x0, ndim=2).astype(np.float64)  # (N, n)
    N, n = x0.shape
    u = check_array("u", u).astype(np.float64)
    if u.shape not in ((n,), (N, n)):
        raise ValueError(f"u must have shape ({n},) or ({N}, {n}) to match x0: {x0.shape}; got array of shape {u.shape}")
    u = np.broadcast_to(u, (N, n))  # (N, n)
    zero = np.linalg.norm(u, axis=1) == 0  # (N,)
    if np.any(zero):
        raise ValueError(f"u has {int(zero.sum())} zero row(s); a line needs a nonzero direction")
    return x0, u


def check_interval(s_min, s_max) -> tuple[float, float]:
    s_min, s_max = check_finite_float("s_min", s_min), check_finite_float("s_max", s_max)
    if not s_min < s_max:
        raise ValueError(f"s_min={s_min} and s_max={s_max} are not accepted; expected s_min < s_max")
    return s_min, s_max


def crossings_along_lines(score, x0, u, s_min: float, s_max: float, *, n_grid: int = 129,
                          tol: float = 1e-8, batch_size: int = BATCH_SIZE) -> Crossings:
    """Every s in [s_min, s_max] where score(x0_i + s u_i) changes sign.

    Args:
        score: a callable X (M, n) -> (M,), or a binary model (see `score_function`).
        x0: (N, n) base points.  u: (n,) one direction for all lines, or (N, n) one per line.
            s is measured in units of ‖u_i‖: pass unit vectors to get distances.
        s_min, s_max: the searched interval, s_min < s_max.
        n_grid: G >= 2 grid values of s; crossings closer together than the grid step can be missed.
        tol: the bisection stops when every bracket is shorter than tol.
        batch_size: at most this many points per call of `score` (see `score.BATCH_SIZE`).
    Returns: `Crossings` (padded (N, R) positions with NaN, and counts (N,)).
    """
    score = as_score(score)
    x0, u = check_lines(x0, u)  # (N, n), (N, n)
    s_min, s_max = check_interval(s_min, s_max)
    G = check_positive_int("n_grid", n_grid, minimum=2)
    tol = check_positive_float("tol", tol)
    batch_size = check_positive_int("batch_size", batch_size)
    N, n = x0.shape

    # 1. the score on the grid: all lines in one batch of N*G points, built in chunks of lines
    s_grid = np.linspace(s_min, s_max, G)  # (G,)
    pos = np.empty((N, G), dtype=bool)  # (N, G): s(x0 + s u) > 0
    step = max(1, batch_size // G)  # lines per chunk
    for a in range(0, N, step):
        X = x0[a : a + step, None, :] + s_grid[None, :, None] * u[a : a + step, None, :]  # (L, G, n): x0 + s u
        L = X.shape[0]
        pos[a : a + L] = evaluate(score, X.reshape(L * G, n), batch_size).reshape(L, G) > 0

    # 2. brackets: grid cells whose two ends lie on different sides of the boundary
    line, cell = np.nonzero(pos[:, 1:] != pos[:, :-1])  # (B,), (B,): sorted by line, then by s
    lo, hi = s_grid[cell], s_grid[cell + 1]  # (B,), (B,)
    pos_lo = pos[line, cell]  # (B,): the side at lo, kept by lo throughout

    # 3. bisection: halve every bracket, keeping one end on each side
    width = (s_max - s_min) / (G - 1)
    n_iter = min(MAX_BISECTIONS, max(0, int(np.ceil(np.log2(width / tol)))))
    for _ in range(n_iter if line.size else 0):
        mid = 0.5 * (lo + hi)  # (B,)
        pos_mid = evaluate(score, x0[line] + mid[:, None] * u[line], batch_size) > 0  # (B,)
        same = pos_mid == pos_lo  # (B,): the sign change is in [mid, hi]
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    root = 0.5 * (lo + hi)  # (B,): |root - crossing| <= tol / 2

    # 4. pad to (N, R)
    count = np.bincount(line, minlength=N).astype(np.int64)  # (N,)
    R = int(count.max()) if N else 0
    s_out = np.full((N, R), np.nan)  # (N, R)
    start = np.cumsum(count) - count  # (N,): index of each line's first bracket
    s_out[line, np.arange(line.size) - start[line]] = root
    return Crossings(s=s_out, count=count)


def nearest_crossing(score, x0, u, s_min: float, s_max: float, *, n_grid: int = 129, tol: float = 1e-8,
                     batch_size: int = BATCH_SIZE) -> np.ndarray:
    """The signed s of the crossing with the smallest |s| on each line; NaN where none in range.

    Arguments as in `crossings_along_lines`; use a symmetric interval [-s_max, s_max] to look both
    ways. Ties (+a and -a) go to the negative one. Returns (N,) float.
    """
    c = crossings_along_lines(score, x0, u, s_min, s_max, n_grid=n_grid, tol=tol, batch_size=batch_size)
    N = c.count.shape[0]
    out = np.full(N, np.nan)  # (N,)
    has = c.count > 0  # (N,)
    if np.any(has):
        s = c.s[has]  # (N_has, R)
        k = np.nanargmin(np.abs(s), axis=1)  # (N_has,): smallest |s|, first on ties
        out[has] = s[np.arange(s.shape[0]), k]
    return out
