"""E13 — adversarial spheres: the distance to the nearest error shrinks like 1/√d (Gilmer et al. 2018).

Two concentric spheres in R^d, radius 1 (class 0) and R (class 1); a one-hidden-layer ReLU network is
trained on points drawn uniformly from them. Concentration of measure makes a small distance to the
nearest error unavoidable: by the isoperimetric inequality on the sphere, among all error sets E of
measure μ the spherical cap {x₁ ≥ t} lies farthest from the rest of the sphere, so the distance from a
correctly classified point to E is stochastically below its distance to the cap. For the cap, x₁ of a
uniform point is ≈ N(0, 1/d) and the distance from x to the cap is ≈ t − x₁, t = Φ⁻¹(1−μ)/√d, so over
the correctly classified points (x₁ < t) the median distance is at most

    B(μ, d) ≈ [Φ⁻¹(1−μ) − Φ⁻¹((1−μ)/2)] / √d      (times the radius r on the sphere of radius r)

(`cap_median_distance` computes it with the exact law of x₁ and the chord, not the Gaussian limit).
The free minimal L2 perturbation (DeepFool) may also leave the sphere, so it can only be shorter.

At a fixed error rate μ, B shrinks like 1/√d, and so B(μ, 50)/B(μ, 500) = √10. A trained network's
error rate is not fixed, though: with a fixed training set it grows with d. This experiment holds
it (roughly) fixed by giving each d the same number of training samples per dimension
(`samples_per_dim`), reports the test error rate on each sphere beside every distance, and also
compares the measured ratio with B's ratio at the measured error rates. The ratio of two dimensions
alone is a weak test (a d^-0.3 law gives 10^0.3 ≈ 2.0, inside a ±40 % band around √10), so the
experiment also fits the exponent of the median distance against d over all of `dims` (least squares
of log distance on log d, per seed).

The free attack can also cross radially. If the boundary sat at the mid radius that route would be
(R−1)/2 long at every d (`radial_route`, 0.15 at R = 1.3), and it would cap the distance wherever B
is longer. These networks do not put it there: they misclassify about half of the outer sphere, so
along many radii the boundary lies at or beyond R, and the measured median at small d can exceed
(R−1)/2. The direction of the perturbation is reported as its radial share |δ·x̂|/‖δ‖ (x̂ the
sphere's normal), beside the median share of a uniformly random direction (`random_radial_share`:
the median of |x₁| on the unit sphere, exact from the law of x₁; ≈ Φ⁻¹(0.75)/√d ≈ 0.674/√d for
large d, not the RMS 1/√d).

Checks (every seed; distances are medians over the correctly classified inner-sphere test points):
the ratio of the median distance at d = 50 over d = 500 lies in [0.6, 1.4]·√10; that ratio over B's
ratio at the measured error rates lies in [0.6, 1.4]; the fitted exponent lies in [−0.65, −0.35].
Why: at matched error rates B's ratio is √10 and its exponent −1/2; the second check equals the
share of the bound reached at d = 50 over that at d = 500, which the bound does not constrain (it
caps each share, not their quotient): it checks that the shares are similar, an empirical band; the
exponent band is tight enough to exclude −0.3. Book page: "Critiques and open questions" (the
concentration account of C5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from dmm_edu._checks import check_float_range, check_positive_float, check_positive_int
from dmm_edu.attacks import deepfool
from dmm_edu.numpy_nn import MLP, make_optimizer, train


@dataclass(frozen=True)
class Config:
    dims: tuple[int, ...] = (20, 50, 100, 200, 500)  #: input dimensions d
    ratio_dims: tuple[int, int] = (50, 500)  #: (d_small, d_large) whose median distances are compared
    R: float = 1.3  #: radius of the outer sphere (class 1); the inner one has radius 1 (class 0)
    samples_per_dim: float = 4.0  #: training points per input dimension (n_train = round(samples_per_dim · d))
    n_test: int = 500  #: test points per sphere (error rates)
    n_attack: int = 150  #: correctly classified test points per sphere that DeepFool attacks
    hidden: int = 100  #: width of the one hidden ReLU layer
    c: float = 1.41  #: init scale, W ~ N(0, c²/fan_in)
    lr: float = 0.003  #: Adam learning rate
    steps: int = 400  #: Adam steps
    batch_size: int = 128  #: mini-batch size
    n_seeds: int = 3  #: independent repetitions (data, init, batches) at every d
    deepfool_steps: int = 50  #: DeepFool iteration cap
    overshoot: float = 0.02  #: DeepFool overshoot


CONFIGS = {
    "smoke": Config(dims=(20, 50, 500), n_test=200, n_attack=40, hidden=32, steps=150, n_seeds=2),
    "book": Config(),
    "full": Config(dims=(20, 50, 100, 200, 500, 1000), hidden=200, steps=1000, n_test=2000, n_attack=500, n_seeds=5),
}

RATIO_BAND = 0.4  #: the checks' relative half-width: a ratio within ±40 % of its prediction
EXPONENT_BAND = (-0.65, -0.35)  #: the check on the fitted exponent of distance ∝ d^a: around −1/2, excluding −0.3


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    if not config.dims or len(set(config.dims)) != len(config.dims):
        raise ValueError(f"dims={config.dims!r} is not accepted; expected a non-empty tuple of distinct dimensions")
    for i, d in enumerate(config.dims):
        check_positive_int(f"dims[{i}]", d, minimum=2)
    if len(config.ratio_dims) != 2 or not set(config.ratio_dims) <= set(config.dims) \
            or config.ratio_dims[0] >= config.ratio_dims[1]:
        raise ValueError(f"ratio_dims={config.ratio_dims!r} is not accepted; expected (d_small, d_large), "
                         f"d_small < d_large, both in dims={config.dims!r}")
    if not check_positive_float("R", config.R) > 1:
        raise ValueError(f"R={config.R!r} is not accepted; expected an outer radius > 1 (the inner sphere has radius 1)")
    check_positive_float("samples_per_dim", config.samples_per_dim)
    if round(config.samples_per_dim * min(config.dims)) < 4:
        raise ValueError(f"samples_per_dim={config.samples_per_dim!r} is not accepted; it gives fewer than 4 "
                         f"training points at d={min(config.dims)}")
    for name in ("n_test", "n_attack", "hidden", "steps", "batch_size", "n_seeds", "deepfool_steps"):
        check_positive_int(name, getattr(config, name))
    if config.n_attack > config.n_test:
        raise ValueError(f"n_attack={config.n_attack!r} is not accepted; expected at most n_test={config.n_test}")
    check_positive_float("c", config.c)
    check_positive_float("lr", config.lr)
    check_float_range("overshoot", config.overshoot, 0.0, 1.0)


# ------------------------------------------------------------------ the data and the bound

def sphere(m: int, d: int, r: float, rng: np.random.Generator) -> np.ndarray:
    """m points uniform on the sphere of radius r in R^d: x = r·g/‖g‖, g ~ N(0, I).   -> (m, d)."""
    g = rng.standard_normal((m, d))  # (m, d)
    return r * g / np.linalg.norm(g, axis=1, keepdims=True)


def spheres(m: int, d: int, R: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m points, half on the unit sphere (y = 0) and half on the sphere of radius R (y = 1), shuffled.
    -> x (m, d), y (m,)."""
    m0 = m // 2
    x = np.concatenate([sphere(m0, d, 1.0, rng), sphere(m - m0, d, R, rng)])  # (m, d)
    y = np.concatenate([np.zeros(m0, np.int64), np.ones(m - m0, np.int64)])  # (m,)
    order = rng.permutation(m)
    return x[order], y[order]


def _x1_law(d: int, grid: int = 200_001) -> tuple[np.ndarray, np.ndarray]:
    """The CDF of x₁ for a uniform point on S^{d-1} (density ∝ (1 − s²)^{(d−3)/2} on [−1, 1]), on a grid,
    by the trapezoid rule.   -> s (grid,), F (grid,)."""
    s = np.linspace(-1.0, 1.0, grid)  # (grid,)
    log_p = 0.5 * (d - 3) * np.log(np.clip(1.0 - s**2, 1e-300, None))  # log density of x₁, unnormalised
    p = np.exp(log_p - log_p.max())
    F = np.concatenate([[0.0], np.cumsum((p[1:] + p[:-1]) / 2)])  # (grid,) trapezoid CDF
    return s, F / F[-1]


def random_radial_share(d: int, grid: int = 200_001) -> float:
    """The median of |u·e| for u uniform on the unit sphere of R^d and a fixed unit vector e: the median
    radial share |δ·x̂|/‖δ‖ of a uniformly random direction δ. By symmetry it is the 0.75 quantile of x₁
    (equivalently: cos² ~ Beta(1/2, (d−1)/2)), from the exact law of x₁; d = 2: cos(π/4).
    For large d ≈ Φ⁻¹(0.75)/√d (`random_radial_share_gauss`); the RMS is √(1/d), about 1.48 times more."""
    check_positive_int("d", d, minimum=2)
    if d == 2:  # density ∝ (1 − s²)^(−1/2), infinite at ±1: the grid does not fit; the angle is uniform
        return math.cos(math.pi / 4)
    s, F = _x1_law(d, grid)
    return float(np.interp(0.75, F, s))


def random_radial_share_gauss(d: int) -> float:
    """The large-d limit of `random_radial_share`: Φ⁻¹(0.75)/√d ≈ 0.6745/√d."""
    return NormalDist().inv_cdf(0.75) / math.sqrt(d)


def fit_exponent(dims, distances) -> float:
    """The slope a of the least-squares line log distance = a·log d + b (distance ∝ d^a); NaN with fewer
    than two finite points."""
    x, y = np.log(np.asarray(dims, float)), np.log(np.asarray(distances, float))
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return math.nan
    return float(np.polyfit(x[ok], y[ok], 1)[0])


def cap_median_distance(mu: float, d: int, r: float = 1.0, grid: int = 200_001) -> float:
    """B(μ, d): the median L2 (chord) distance from a uniform point outside a cap of measure μ to the cap,
    on the sphere of radius r in R^d: by isoperimetry, the largest such median over all sets of measure μ.

    x₁ of a uniform point on S^{d-1} has density ∝ (1 − s²)^{(d−3)/2} on [−1, 1] (integrated on a grid);
    the cap is {x₁ ≥ t}, F(t) = 1 − μ; the median outside it sits at s = F⁻¹((1 − μ)/2); the angle between
    them is θ = arccos s − arccos t and the chord r·2 sin(θ/2). For large d this is
    ≈ r [Φ⁻¹(1−μ) − Φ⁻¹((1−μ)/2)] / √d (`cap_median_distance_gauss`). μ = 0: +inf (no error to reach).
    """
    mu = check_float_range("mu", mu, 0.0, 1.0)
    if mu == 0.0:
        return math.inf
    if mu == 1.0:
        return 0.0
    s, F = _x1_law(d, grid)
    t = np.interp(1.0 - mu, F, s)  # the cap's edge: P(x₁ >= t) = μ
    s_med = np.interp((1.0 - mu) / 2, F, s)  # median x₁ among the points outside the cap
    theta = math.acos(s_med) - math.acos(t)  # the angle from that point to the cap
    return r * 2.0 * math.sin(theta / 2)  # the chord


def cap_median_distance_gauss(mu: float, d: int, r: float = 1.0) -> float:
    """The large-d limit of `cap_median_distance`: r [Φ⁻¹(1−μ) − Φ⁻¹((1−μ)/2)] / √d."""
    phi_inv = NormalDist().inv_cdf
    return r * (phi_inv(1.0 - mu) - phi_inv((1.0 - mu) / 2)) / math.sqrt(d)


# ------------------------------------------------------------------ one network

def run_one(d: int, config: Config, rng: np.random.Generator) -> dict:
    """Train one network at dimension d and measure it: test error rate on each sphere, and the DeepFool
    distance from correctly classified test points of each sphere to the nearest error."""
    n_train = round(config.samples_per_dim * d)
    x, y = spheres(n_train, d, config.R, rng)  # (n_train, d), (n_train,)
    net = MLP([d, config.hidden, 1], c=config.c, rng=rng)  # one logit f; class 1 (outer) where f > 0
    opt = make_optimizer("adam", net, lr=config.lr)
    train(net, opt, x, y, loss="binary_logistic", steps=config.steps, batch_size=config.batch_size, rng=rng)
    out = {"train_error": float(np.mean(net.predict(x) != y))}
    for name, label, r in (("inner", 0, 1.0), ("outer", 1, config.R)):
        x_test = sphere(config.n_test, d, r, rng)  # (n_test, d)
        correct = net.predict(x_test) == label  # (n_test,)
        mu = float(1.0 - correct.mean())  # μ: the error rate on this sphere
        x_att = x_test[correct][:config.n_attack]  # (≤ n_attack, d) correctly classified points
        dist, radial = np.full(0, np.nan), np.full(0, np.nan)
        if len(x_att):
            res = deepfool(net, x_att, np.full(len(x_att), label), steps=config.deepfool_steps,
                           overshoot=config.overshoot)
            dist = res.norm[res.success]  # ‖δ‖₂ to the nearest error DeepFool found
            delta, x_hat = res.delta[res.success], x_att[res.success] / r  # (m, d), unit normals of the sphere
            radial = np.abs(np.sum(delta * x_hat, axis=1)) / dist  # (m,) |δ·x̂|/‖δ‖: the share across the sphere
        bound = cap_median_distance(mu, d, r)  # B(μ, d): the largest median any error set of measure μ allows
        median = float(np.median(dist)) if dist.size else math.nan
        out[name] = {"error": mu, "distance": median, "bound": bound,
                     "share_of_bound": median / bound if math.isfinite(bound) else math.nan,
                     "radial_share": float(np.median(radial)) if radial.size else math.nan,
                     "n_attacked": int(len(x_att)), "success": float(res.success.mean()) if len(x_att) else math.nan,
                     "distances": dist}
    return out


def _spread(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {"median": float(np.median(v)), "min": float(np.min(v)), "max": float(np.max(v))}


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    """Metrics: per d ("d50", …): n_train, and for each sphere the test error rate, the median distance
    to the nearest error, the bound B(μ, d), the share of it reached and the median radial share
    |δ·x̂|/‖δ‖ of the perturbation (the sphere's normal is x̂), each as median/min/max over seeds (plus
    the per-seed lists), and radial_share_over_random_inner (the median over seeds over a random
    direction's median share); at the top: R, radial_route = (R−1)/2, random_radial_share per d (the
    median share of a uniformly random direction, exact), the ratio of median inner-sphere distances
    d_small / d_large, B's ratio at the measured error rates and their quotient, and the fitted
    exponent a of distance ∝ d^a over all dims, each per seed and summarised; `checks`."""
    check_config(config)
    seed_rngs = [np.random.default_rng(s) for s in rng.integers(0, 2**63, size=config.n_seeds)]  # one per seed
    per_d: dict[int, list[dict]] = {d: [] for d in config.dims}
    arrays: dict = {}
    for i, seed_rng in enumerate(seed_rngs):
        for d in config.dims:
            one = run_one(d, config, seed_rng)
            per_d[d].append(one)
            for sphere_name in ("inner", "outer"):
                arrays[f"distances_d{d}_{sphere_name}_seed{i}"] = one[sphere_name].pop("distances")
            if progress:
                progress(f"seed {i}, d={d}: error inner {one['inner']['error']:.1%}, outer {one['outer']['error']:.1%}; "
                         f"median distance inner {one['inner']['distance']:.4f} "
                         f"(bound {one['inner']['bound']:.4f}), outer {one['outer']['distance']:.4f}")
    random_share = {d: random_radial_share(d) for d in config.dims}
    metrics: dict = {"dims": list(config.dims), "ratio_dims": list(config.ratio_dims), "R": config.R,
                     "radial_route": (config.R - 1.0) / 2,  # inner sphere to a boundary at the mid radius
                     "random_radial_share": {f"d{d}": v for d, v in random_share.items()}}
    for d, runs in per_d.items():
        m: dict = {"n_train": round(config.samples_per_dim * d),
                   "train_error": _spread([r["train_error"] for r in runs])["max"]}
        for sphere_name in ("inner", "outer"):
            for key in ("error", "distance", "bound", "share_of_bound", "radial_share"):
                values = [r[sphere_name][key] for r in runs]
                s = _spread(values)
                m[f"{key}_{sphere_name}"] = s["median"]
                m[f"{key}_{sphere_name}_min"], m[f"{key}_{sphere_name}_max"] = s["min"], s["max"]
                m[f"{key}_{sphere_name}_seeds"] = values
            m[f"success_{sphere_name}"] = min(r[sphere_name]["success"] for r in runs)
            m[f"radial_share_over_random_{sphere_name}"] = m[f"radial_share_{sphere_name}"] / random_share[d]
        metrics[f"d{d}"] = m
    small, large = config.ratio_dims
    ratio = [a["inner"]["distance"] / b["inner"]["distance"] for a, b in zip(per_d[small], per_d[large])]
    predicted = [a["inner"]["bound"] / b["inner"]["bound"] for a, b in zip(per_d[small], per_d[large])]
    over = [r / p for r, p in zip(ratio, predicted)]
    exponent = [fit_exponent(config.dims, [per_d[d][i]["inner"]["distance"] for d in config.dims])
                for i in range(config.n_seeds)]  # per seed: distance ∝ d^a over all dims
    sqrt_ratio = math.sqrt(large / small)  # √(d_large / d_small) = √10 for (50, 500)
    for name, values in (("ratio", ratio), ("predicted_ratio", predicted), ("ratio_over_predicted", over),
                         ("exponent", exponent)):
        s = _spread(values)
        metrics[name], metrics[f"{name}_min"], metrics[f"{name}_max"] = s["median"], s["min"], s["max"]
        metrics[f"{name}_seeds"] = values
    metrics["sqrt_dim_ratio"] = sqrt_ratio
    metrics["ratio_over_sqrt"] = metrics["ratio"] / sqrt_ratio
    metrics["ratio_over_sqrt_min"] = metrics["ratio_min"] / sqrt_ratio
    metrics["ratio_over_sqrt_max"] = metrics["ratio_max"] / sqrt_ratio
    lo, hi = 1 - RATIO_BAND, 1 + RATIO_BAND
    metrics["checks"] = {  # every seed, recorded whether or not they hold
        "ratio_within_40pct_of_sqrt_dim_ratio": bool(all(lo * sqrt_ratio <= r <= hi * sqrt_ratio for r in ratio)),
        "ratio_within_40pct_of_bound_ratio": bool(all(lo <= q <= hi for q in over)),
        "exponent_within_band_around_minus_half": bool(all(EXPONENT_BAND[0] <= a <= EXPONENT_BAND[1] for a in exponent)),
    }
    if progress:
        progress(f"median inner distance d={small} / d={large}: {metrics['ratio']:.2f} "
                 f"(seeds {metrics['ratio_min']:.2f}-{metrics['ratio_max']:.2f}); sqrt({large}/{small}) = {sqrt_ratio:.2f}; "
                 f"bound ratio at the measured error rates {metrics['predicted_ratio']:.2f}; fitted exponent "
                 f"{metrics['exponent']:.3f} (seeds {', '.join(f'{a:.3f}' for a in exponent)}); checks {metrics['checks']}")
    return metrics, arrays
