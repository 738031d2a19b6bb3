"""Time the numpy attacks (DeepFool, PGD-L2 with 20 steps) against the same algorithms in torch, as a ratio.

The baseline is a straightforward batched torch implementation of the same algorithm, written
below (`torch_deepfool`, `torch_pgd_l2`): the same steps in the same order, autograd for the
gradients, no per-sample Python loops. It needs nothing beyond the development environment. The
comparison with torchattacks itself (installed with --no-deps in a separate benchmark
environment) is bench_attacks_torch.py; see benchmarks/README.md. Each run checks that both give
the same x_adv in float64.

Same network (n-256-256-256-C with ReLU, c = 1.41, the default synthetic world's MLP), same
weights, same inputs; both single-threaded; after a warm-up each round times a block of calls of
each implementation back to back (the order alternates between rounds); the figure is the median
over rounds of the paired ratio ours/baseline (< 1: numpy is faster). Writes
benchmarks/results/attacks.json.

    python benchmarks/bench_attacks.py [--rounds 15] [--calls 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import make_pair, write_record  # isort: skip  (first: pins BLAS to one thread before numpy loads)

import numpy as np
import torch

from dmm_edu.attacks import deepfool, pgd

RESULTS = Path(__file__).parent / "results" / "attacks.json"
PGD_STEPS, PGD_EPS = 20, 1.0  # PGD-L2: 20 steps of alpha = 2.5 eps / steps (dmm_edu's default)
OVERSHOOT, DF_STEPS = 0.02, 50  # dmm_edu.attacks.deepfool defaults


# ------------------------------------------------------------ the torch baselines


def torch_deepfool(model, x0, steps=DF_STEPS, overshoot=OVERSHOOT):
    """Batched multi-class DeepFool (L2) in torch: the algorithm of dmm_edu.attacks.deepfool."""
    with torch.no_grad():
        k0 = model(x0).argmax(1)  # (N,) the classes to move away from
    r_tot = torch.zeros_like(x0)  # (N, n) accumulated step
    active = torch.ones(x0.shape[0], dtype=torch.bool)
    for _ in range(steps):
        idx = active.nonzero().squeeze(1)
        if idx.numel() == 0:
            break
        x_i = (x0[idx] + (1 + overshoot) * r_tot[idx]).requires_grad_(True)  # (N', n)
        z = model(x_i)  # (N', C)
        C = z.shape[1]
        J = torch.stack([torch.autograd.grad(z[:, j].sum(), x_i, retain_graph=j < C - 1)[0]
                         for j in range(C)], dim=1)  # (N', C, n)
        z = z.detach()
        crossed = z.argmax(1) != k0[idx]
        active[idx[crossed]] = False
        keep = ~crossed
        idx, z, J = idx[keep], z[keep], J[keep]
        if idx.numel() == 0:
            break
        rows = torch.arange(idx.numel())
        f = z - z[rows, k0[idx]][:, None]  # (N', C)
        w = J - J[rows, k0[idx]][:, None, :]  # (N', C, n)
        w_norm = w.norm(dim=2)  # (N', C)
        dist = f.abs() / w_norm
        dist[rows, k0[idx]] = torch.inf
        dist[~torch.isfinite(dist)] = torch.inf
        l = dist.argmin(1)
        reachable = torch.isfinite(dist[rows, l])
        step = ((f[rows, l].abs() + 1e-4) / w_norm[rows, l] ** 2)[:, None] * w[rows, l]  # (N', n)
        step[~reachable] = 0
        r_tot[idx] += step
        active[idx[~reachable]] = False
    return x0 + (1 + overshoot) * r_tot


def torch_pgd_l2(model, x0, y, eps=PGD_EPS, steps=PGD_STEPS):
    """Batched untargeted PGD-L2 from δ = 0 in torch: the algorithm of dmm_edu.attacks.pgd."""
    alpha = 2.5 * eps / steps
    delta = torch.zeros_like(x0)
    for _ in range(steps):
        d = delta.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(model(x0 + d), y, reduction="sum")
        (g,) = torch.autograd.grad(loss, d)
        g_norm = g.norm(dim=1, keepdim=True)
        delta = delta.detach() + alpha * g / torch.where(g_norm > 0, g_norm, 1)
        d_norm = delta.norm(dim=1, keepdim=True)
        delta = delta * torch.clamp(eps / torch.where(d_norm > 0, d_norm, 1), max=1.0)
    return x0 + delta


# ------------------------------------------------------------ timing


def timed(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        out = fn()
    return time.perf_counter() - t0, out


def bench(attack, sizes, batch, dtype, rounds, calls, seed=0):
    rng = np.random.default_rng(seed)
    net, model = make_pair(sizes, dtype, rng)
    model.requires_grad_(False)  # the baseline differentiates with respect to the input only
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)  # (B, n)
    y = net.predict(x)  # (B,) attack the model's own predictions
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if attack == "deepfool":
        ours = lambda: deepfool(net, x).x_adv  # noqa: E731
        base = lambda: torch_deepfool(model, xt)  # noqa: E731
    else:
        ours = lambda: pgd(net, x, y, PGD_EPS, steps=PGD_STEPS, norm="l2").x_adv  # noqa: E731
        base = lambda: torch_pgd_l2(model, xt, yt)  # noqa: E731
    _, a_out = timed(ours, 2)  # warm-up
    _, b_out = timed(base, 2)
    diff = float(np.max(np.abs(a_out - b_out.numpy())))
    ratios, t_a, t_b = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a, _ = timed(ours, calls)
            b, _ = timed(base, calls)
        else:
            b, _ = timed(base, calls)
            a, _ = timed(ours, calls)
        ratios.append(a / b)
        t_a.append(a / calls)
        t_b.append(b / calls)
    res = {
        "attack": attack, "sizes": sizes, "batch": batch, "dtype": np.dtype(dtype).name,
        "ours_ms": 1e3 * float(np.median(t_a)), "baseline_ms": 1e3 * float(np.median(t_b)),
        "ratio_ours_over_baseline": float(np.median(ratios)),
        "ratio_quartiles": [float(q) for q in np.percentile(ratios, [25, 75])],
        "max_abs_diff_x_adv": diff,
    }
    if attack == "deepfool":
        res["deepfool_iterations_max"] = int(deepfool(net, x).steps.max())
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    sizes = [200, 256, 256, 256, 4]
    cases = [(attack, batch, dtype) for attack in ("deepfool", "pgd_l2")
             for batch in (64, 512) for dtype in (np.float64, np.float32)]
    results = []
    for attack, batch, dtype in cases:
        res = bench(attack, sizes, batch, dtype, args.rounds, args.calls)
        results.append(res)
        print(f"{attack:9s} batch {batch:4d} {res['dtype']:8s} ours {res['ours_ms']:8.2f} ms"
              f"  torch {res['baseline_ms']:8.2f} ms  ratio {res['ratio_ours_over_baseline']:.2f}"
              f"  max|Δx_adv| {res['max_abs_diff_x_adv']:.1e}")
    record = {
        "benchmark": "numpy DeepFool and PGD-L2 (20 steps) vs the same algorithms in batched torch, single thread",
        "baseline": "hand-written batched torch (for torchattacks itself see bench_attacks_torch.py)",
        "rounds": args.rounds, "calls_per_round": args.calls,
        "pgd": {"eps": PGD_EPS, "steps": PGD_STEPS, "alpha": 2.5 * PGD_EPS / PGD_STEPS, "norm": "l2"},
        "deepfool": {"steps": DF_STEPS, "overshoot": OVERSHOOT},
        "results": results,
    }
    write_record(args.out, record)


if __name__ == "__main__":
    main()
