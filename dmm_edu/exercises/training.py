"""Exercises of the training chapters: the off/on ratio of a boundary, the worst-case step of adversarial
training, and the target labels of a mislabeled set.

ch-dimpling.ex1: for a linear boundary w·x + b = 0, the ratio d_off/d_on of the minimal distances along the
normal space and within the tangent space: ‖P_T w‖/‖P_N w‖ (about √(k/(n−k)) for a random w).
ch-adv-training.ex1: the inner maximisation of adversarial training for a linear classifier, the L2 step
δ = −eps·y·w/‖w‖ that lowers the margin y·f(x) the most (by eps·‖w‖). ch-mislabeled.ex1: D_det's and
D_rand's new labels ỹ (the book's symbol; `t` in code), ỹ = (y + 1) mod C and ỹ uniform over ALL C
classes (excluding y would make ỹ anti-informative). The reference solutions are at the end of this module: read them after trying.
Book pages: "Dimpling in high dimension", "Adversarial training deepens dimples", "Training on mislabeled
adversarial examples".
"""

from __future__ import annotations

import numpy as np

from dmm_edu.exercises._core import Exercise, Feedback, as_array, as_scalar, call, close, orthonormal_frame


# ---------------------------------------------------------------- reference solutions
def off_on_ratio(w: np.ndarray, U: np.ndarray) -> float:
    """d_off / d_on for the linear boundary w·x + b = 0, w (n,), U (n, k) an orthonormal tangent frame.

    The shortest step within a subspace S has length |f(x)|/‖P_S w‖, so d_off/d_on = ‖P_T w‖/‖P_N w‖.
    """
    w_T = U @ (U.T @ w)  # (n,) P_T w
    return float(np.linalg.norm(w_T) / np.linalg.norm(w - w_T))  # ‖P_T w‖ / ‖P_N w‖


def worst_case_perturbation(w: np.ndarray, b: float, x: np.ndarray, y: int, eps: float) -> np.ndarray:
    """The δ (n,) with ‖δ‖₂ ≤ eps that minimises the margin y·(w·(x + δ) + b), y in {−1, +1}: −eps·y·w/‖w‖."""
    return -eps * y * w / np.linalg.norm(w)  # (n,) against the label, along the normal of the boundary


def new_targets(y: np.ndarray, n_classes: int, rule: str, rng: np.random.Generator) -> np.ndarray:
    """Target labels t (N,) for labels y (N,): "det": t = (y + 1) mod C; "rand": t uniform over all C classes."""
    if rule == "det":
        return (y + 1) % n_classes  # (N,) always wrong, a fixed permutation of the truth
    return rng.integers(0, n_classes, size=len(y))  # (N,) independent of y (t = y in 1/C of the cases)


# ---------------------------------------------------------------- ex1 (dimpling): d_off / d_on
RATIO_STARTER = '''def off_on_ratio(w, U):
    """d_off / d_on for the linear boundary w @ x + b == 0: w (n,), U (n, k) an orthonormal frame of
    the tangent space T. d_on: the shortest step inside span(U) to the boundary; d_off: the shortest
    step inside its orthogonal complement N."""
    raise NotImplementedError
'''


def test_off_on_ratio(fn, rng: np.random.Generator) -> str:
    for n, k in ((3, 2), (20, 4), (200, 10)):
        U = orthonormal_frame(n, k, rng)
        a = U @ rng.standard_normal(k)  # (n,) a tangent part
        v = rng.standard_normal(n)
        v -= U @ (U.T @ v)  # (n,) a normal part
        w = 1.0 * a / np.linalg.norm(a) + 2.5 * v / np.linalg.norm(v)  # (n,) ‖P_T w‖ = 1, ‖P_N w‖ = 2.5
        where = f"n = {n}, k = {k}"
        got = as_scalar(call(fn, w, U, where=f"with w: ({n},), U: ({n}, {k})"), "off_on_ratio(w, U)")
        expected = off_on_ratio(w, U)
        if close(got, expected):
            continue
        if close(got, 1 / expected):
            raise Feedback(f"{where}: you returned d_on / d_off, the inverse of what is asked")
        if close(got, np.linalg.norm(U.T @ w) / np.linalg.norm(w)):
            raise Feedback(f"{where}: you returned on(w) = ‖P_T w‖/‖w‖. d_off is the distance within N: which part "
                           "of w can a step inside N use?")
        if close(got, expected**2):
            raise Feedback(f"{where}: your value is the square of the ratio: distances scale with 1/‖P_S w‖, "
                           "not 1/‖P_S w‖²")
        raise Feedback(f"{where}: you returned {got:.4g}. Write d_S for a subspace S as |f(x)| / (the norm of the part "
                       "of w in S), then divide d_off by d_on: f(x) cancels")
    return ("right: d_off / d_on = ‖P_T w‖ / ‖P_N w‖; for a random w about √(k/(n−k)), the random-direction "
            "baseline of the ratio (a formula: an untrained network is measured near it, not at it).")


# ---------------------------------------------------------------- ex2 (adversarial training): the inner max
WORST_STARTER = '''def worst_case_perturbation(w, b, x, y, eps):
    """The perturbation delta (n,) with ||delta||_2 <= eps that makes the margin
    y * (w @ (x + delta) + b) as small as possible; y is -1 or +1."""
    raise NotImplementedError
'''


def test_worst_case_perturbation(fn, rng: np.random.Generator) -> str:
    for n, y, eps in ((2, 1, 0.3), (50, -1, 1.0), (784, 1, 2.0)):
        w = rng.standard_normal(n)
        w *= rng.uniform(2.0, 4.0) / np.linalg.norm(w)  # (n,) ‖w‖ in [2, 4]
        b, x = float(rng.normal()), rng.standard_normal(n)
        where = f"n = {n}, y = {y:+d}, eps = {eps}"
        delta = as_array(call(fn, w, b, x, y, eps, where=f"with w: ({n},), b, x: ({n},), y = {y:+d}, eps = {eps}"),
                         (n,), "worst_case_perturbation(w, b, x, y, eps)")
        norm = float(np.linalg.norm(delta))
        margin, best = y * (w @ x + b), y * (w @ x + b) - eps * np.linalg.norm(w)  # the lowest reachable margin
        new = y * (w @ (x + delta) + b)
        if norm > eps * (1 + 1e-6):
            if close(delta, -eps * y * w) or close(delta, eps * y * w):
                raise Feedback(f"{where}: ‖δ‖ = {norm:.4g} exceeds eps: you scaled w by eps without dividing by ‖w‖")
            if close(np.abs(delta), eps):
                raise Feedback(f"{where}: every coordinate of δ is ±eps: that is the L∞ step (FGSM's sign). Its "
                               f"L2 norm is eps·√n = {norm:.4g}, far outside the L2 ball")
            raise Feedback(f"{where}: ‖δ‖ = {norm:.4g} exceeds eps = {eps}: the step must stay in the L2 ball")
        if close(new, margin + eps * np.linalg.norm(w)):
            raise Feedback(f"{where}: your δ raises the margin y·f(x) by eps·‖w‖: check its sign (and the role of y)")
        if not close(new, best):
            raise Feedback(f"{where}: your δ lowers the margin from {margin:.4g} to {new:.4g}; a step of length eps "
                           f"can lower it to {best:.4g}. Which direction changes w·δ the most per unit length?")
    return "right: δ = −eps·y·w/‖w‖ lowers the margin by eps·‖w‖, so AT on a linear model penalises ‖w‖."


# ---------------------------------------------------------------- ex3 (mislabeled): the target labels
TARGETS_STARTER = '''def new_targets(y, n_classes, rule, rng):
    """New (target) labels t (N,), the book's ỹ, for labels y (N,) (ints in 0..n_classes-1).
    rule "det": t = (y + 1) mod C; rule "rand": t drawn uniformly over the C classes, using the generator rng."""
    raise NotImplementedError
'''


def test_new_targets(fn, rng: np.random.Generator) -> str:
    C, N = 10, 20000
    y = rng.integers(0, C, size=N)  # (N,)
    det = as_array(call(fn, y.copy(), C, "det", np.random.default_rng(1), where=f"with y: ({N},), C = {C}, 'det'"),
                   (N,), "new_targets(y, C, 'det', rng)")
    if not np.array_equal(det, (y + 1) % C):
        raise Feedback("rule 'det': t should be y + 1, wrapping round to 0 after the last class (mod C)")
    seed = int(rng.integers(2**31))
    t = as_array(call(fn, y.copy(), C, "rand", np.random.default_rng(seed), where=f"with y: ({N},), C = {C}, 'rand'"),
                 (N,), "new_targets(y, C, 'rand', rng)")
    again = np.asarray(call(fn, y.copy(), C, "rand", np.random.default_rng(seed), where="a second time, same seed"))
    if not np.array_equal(t, again):
        raise Feedback("rule 'rand': two calls with identically seeded generators gave different labels: draw "
                       "from the `rng` argument, not from np.random")
    if np.any(t != np.round(t)) or t.min() < 0 or t.max() >= C:
        raise Feedback(f"rule 'rand': labels must be integers in 0..{C - 1}")
    if np.array_equal(t, (y + 1) % C):
        raise Feedback("rule 'rand' returned the 'det' labels: draw t at random")
    # t independent of y: P(t = y) = 1/C (sd 0.002 at N = 20000), and every class about 1/C of the time
    same = float(np.mean(t == y))
    if same < 0.5 / C:
        raise Feedback(f"rule 'rand': t equals y for {same:.1%} of the points, not about 1/C = {1 / C:.0%}: you "
                       "excluded the true class. Then 'not y' carries information about y, the labels become "
                       "anti-informative, and N2 could learn from the labels alone")
    shares = np.bincount(t.astype(int), minlength=C) / N  # (C,)
    by_class = [np.mean(t[y == c] == (c + 1) % C) for c in range(C)]
    if np.abs(shares - 1 / C).max() > 0.02 or max(by_class) > 1 / C + 0.03:
        raise Feedback("rule 'rand': the labels are not uniform over the classes, or depend on y; draw each t "
                       "uniformly from all C classes, ignoring y")
    return "right: D_det's labels are a fixed permutation of the truth, D_rand's carry no information about y."


EXERCISES = [
    Exercise("ch-dimpling.ex1", "the off/on ratio of a linear boundary", "off_on_ratio(w, U) -> float",
             RATIO_STARTER, off_on_ratio, test_off_on_ratio),
    Exercise("ch-adv-training.ex1", "the worst-case L2 step against a linear classifier",
             "worst_case_perturbation(w, b, x, y, eps) -> delta", WORST_STARTER, worst_case_perturbation,
             test_worst_case_perturbation),
    Exercise("ch-mislabeled.ex1", "the target labels of D_det and D_rand", "new_targets(y, n_classes, rule, rng) -> t",
             TARGETS_STARTER, new_targets, test_new_targets),
]
