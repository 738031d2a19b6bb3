"""The exact (Clopper–Pearson) confidence interval of a binomial rate: "k of n seeds" as a rate with its uncertainty.

A share of seeds, say 7 of 10, is a binomial count; with so few seeds the rate is uncertain, and
the interval says how much. Clopper–Pearson inverts the binomial test: the lower bound is the rate
at which k or more successes have probability (1 - level)/2, the upper bound the rate at which k or
fewer do. It is conservative (covers at least `level`), and exact for small n, which is why it is
used here rather than the normal approximation, which fails near 0 and 1 and at small n.

    clopper_pearson(7, 10)   # (0.348, 0.933)
"""

from __future__ import annotations

import math

from dmm_edu._checks import check_positive_int


def _tail_at_least(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def _bisect(f, target: float, increasing: bool) -> float:
    """The p in [0, 1] where the monotone f(p) crosses target (to 1e-12)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """(low, high): the exact two-sided `level` confidence interval of a rate observed as k successes in n.

    ValueError for n < 1, k outside 0..n, or a level outside (0, 1).
    """
    check_positive_int("n", n)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
        raise ValueError(f"k={k!r} is not accepted; expected an integer from 0 to n={n}")
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise ValueError(f"level={level!r} is not accepted; expected a number between 0 and 1, e.g. 0.95")
    alpha = (1 - level) / 2
    low = 0.0 if k == 0 else _bisect(lambda p: _tail_at_least(k, n, p), alpha, increasing=True)
    high = 1.0 if k == n else _bisect(lambda p: 1 - _tail_at_least(k + 1, n, p), alpha, increasing=False)
    return low, high
