"""Exercises of "Why perturbations are tiny and look like noise": minimal steps and their two parts.

ch-tiny.ex1: the minimal L2 perturbation that puts x on the boundary of a linear classifier (the
closed form behind boundary tilting and DeepFool's step). ch-tiny.ex2: split a perturbation into
its tangent part P_T δ and its normal part P_N δ (the two images of claim C6).
"""

from __future__ import annotations

import numpy as np

from dmm_edu.exercises import solutions
from dmm_edu.exercises._core import Exercise, Feedback, as_array, call, close, orthonormal_frame

# ---------------------------------------------------------------- ex1: minimal step to a linear boundary
MINIMAL_STARTER = '''def minimal_linear_perturbation(w, b, x):
    """The smallest delta (n,) such that w @ (x + delta) + b == 0."""
    raise NotImplementedError
'''


def test_minimal_linear_perturbation(fn, rng: np.random.Generator) -> str:
    for n in (2, 10, 100):
        w = rng.standard_normal(n)
        w *= rng.uniform(2.0, 4.0) / np.linalg.norm(w)  # (n,) ‖w‖ in [2, 4], far from 1
        b = float(rng.normal())
        x = rng.standard_normal(n)
        f = float(w @ x + b)
        if abs(f) < 0.5:  # keep f(x) away from 0 and from ±1 so the mistakes tell apart
            x = x + (1.5 - f) * w / (w @ w)
            f = float(w @ x + b)
        where = f"n = {n}, f(x) = {f:.3g}, ‖w‖ = {np.linalg.norm(w):.3g}"
        delta = as_array(call(fn, w, b, x, where=f"with w: ({n},), b, x: ({n},)"), (n,),
                         "minimal_linear_perturbation(w, b, x)")
        best = solutions.minimal_linear_perturbation(w, b, x)  # (n,)
        r = float(w @ (x + delta) + b)  # the logit after the step: 0 on the boundary
        cos = abs(delta @ w) / (np.linalg.norm(delta) * np.linalg.norm(w) + 1e-300)  # 1 if δ ∥ w
        if close(r, 2 * f, rtol=1e-6, atol=1e-8):
            raise Feedback(f"{where}: after your step the logit is {r:.4g}, twice f(x): your δ has the right length "
                           "but points away from the boundary; check its sign")
        if close(r, 0.0, atol=1e-7 * max(1.0, abs(f))):
            if np.linalg.norm(delta) > np.linalg.norm(best) * (1 + 1e-6):
                raise Feedback(f"{where}: x + δ is on the boundary, but δ is longer than it needs to be: the "
                               "shortest way to a hyperplane is perpendicular to it")
            continue
        if cos > 1 - 1e-9:
            ratio = np.linalg.norm(delta) / np.linalg.norm(best)
            for factor, hint in ((np.linalg.norm(w), "‖w‖"), (1 / np.linalg.norm(w), "1/‖w‖"), (1 / abs(f), "1/|f(x)|"),
                                 (abs(f), "|f(x)|")):
                if close(ratio, factor, rtol=1e-6):
                    raise Feedback(f"{where}: δ is perpendicular to the boundary, as it should be, but its length is "
                                   f"off by a factor {hint} = {factor:.3g}: count how often you divide by ‖w‖ and "
                                   "where f(x) enters")
            raise Feedback(f"{where}: δ is perpendicular to the boundary but after the step the logit is {r:.4g}, "
                           "not 0: its length is wrong")
        raise Feedback(f"{where}: after your step the logit is {r:.4g}; it should be 0 (on the boundary), and the "
                       "shortest such step is perpendicular to the boundary, i.e. parallel to w")
    return "your step lands exactly on the boundary and is the shortest one: length |f(x)|/‖w‖, along w."


# ---------------------------------------------------------------- ex2: tangent and normal parts
SPLIT_STARTER = '''def split_tangent_normal(delta, U):
    """(P_T delta, P_N delta): the parts of the perturbation delta (n,) along span(U) and perpendicular
    to it; U: (n, k) orthonormal."""
    raise NotImplementedError
'''


def test_split_tangent_normal(fn, rng: np.random.Generator) -> str:
    for n, k in ((5, 2), (40, 6), (784, 16)):
        U = orthonormal_frame(n, k, rng)
        d = rng.standard_normal(n) * 2.5  # (n,)
        where = f"n = {n}, k = {k}"
        out = call(fn, d, U, where=f"with delta: ({n},), U: ({n}, {k})")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Feedback(f"split_tangent_normal(delta, U) should return a pair (tangent part, normal part); "
                           f"got {type(out).__name__}")
        if np.shape(out[0]) == (k,):
            raise Feedback(f"{where}: your tangent part has shape ({k},): those are coordinates in the frame U; "
                           "map them back into R^n")
        d_T = as_array(out[0], (n,), "the tangent part")
        d_N = as_array(out[1], (n,), "the normal part")
        true_T = U @ (U.T @ d)  # (n,)
        if close(d_T, d - true_T) and close(d_N, true_T):
            raise Feedback(f"{where}: you returned the two parts in the other order: the tangent part comes first")
        if not close(d_T + d_N, d):
            raise Feedback(f"{where}: the two parts do not add up to δ (off by {np.linalg.norm(d_T + d_N - d):.3g}): "
                           "every perturbation is exactly its tangent part plus its normal part")
        if np.linalg.norm(d_T - U @ (U.T @ d_T)) > 1e-8 * max(1.0, np.linalg.norm(d)):
            raise Feedback(f"{where}: your tangent part has a component outside span(U): project with U Uᵀ "
                           "(not Uᵀ U, and not with a frame that is not orthonormal)")
        if np.linalg.norm(U.T @ d_N) > 1e-8 * max(1.0, np.linalg.norm(d)):
            raise Feedback(f"{where}: your normal part is not perpendicular to span(U)")
        if not close(d_T, true_T):
            raise Feedback(f"{where}: your tangent part lies in span(U) but is not the orthogonal projection of δ")
    return "the parts add up to δ, the first lies in the tangent space and the second is perpendicular to it."


EXERCISES = [
    Exercise("ch-tiny.ex1", "the minimal step to a linear boundary", "minimal_linear_perturbation(w, b, x) -> delta",
             MINIMAL_STARTER, solutions.minimal_linear_perturbation, test_minimal_linear_perturbation),
    Exercise("ch-tiny.ex2", "tangent and normal parts of a perturbation", "split_tangent_normal(delta, U) -> (delta_T, delta_N)",
             SPLIT_STARTER, solutions.split_tangent_normal, test_split_tangent_normal),
]
