"""Time the decoder Jacobian by forward mode (vmap(jacfwd)) against n per-pixel backward passes, as a ratio.

dmm_edu.manifold.autoencoder computes J_dec = dD/dz (n, k) at each z = E(x) by forward-mode
differentiation: k Jacobian-vector products, vmapped over the batch. The baseline is what one
writes without torch.func: one torch.autograd.grad per output pixel (n = C*H*W backward passes,
each for the whole batch: the samples are independent, so the gradient of sum_i D(z_i)_a is row a
of every J_dec[i]). A second baseline, reverse mode vectorised by vmap(jacrev), is recorded for
reference. Before timing, each case checks that the Jacobians agree (max |J - J_fwd| / max |J_fwd|
< 1e-5). Single thread; warm-up; each round times every method back to back, in an order that
rotates between rounds; the figure is the median over rounds of the paired ratio ours/baseline
(< 1: forward mode is faster). Writes benchmarks/results/jacobian.json.

    python benchmarks/bench_jacobian.py [--rounds 7] [--batch 8] [--shapes both]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

from common import write_record  # isort: skip  (first: pins BLAS and torch to one thread)

import numpy as np
import torch
from torch.func import jacrev, vmap

from dmm_edu.manifold.autoencoder import decoder_jacobian
from dmm_edu.torch_nn import ConvAutoencoder

RESULTS = Path(__file__).parent / "results" / "jacobian.json"
GATE = 1e-5  # max |J - J_fwd| / max |J_fwd| before any timing

warnings.filterwarnings("ignore", message="`torch.jit.script` is deprecated")  # torch forward-AD internals


def forward_mode(decode, z):
    """Ours: vmap(jacfwd), k JVPs per batch -> (N, n, k)."""
    return decoder_jacobian(decode, z, batch_size=z.shape[0])


def per_pixel_backward(decode, z):
    """Baseline: one backward pass per output pixel a, J[:, a, :] = d(sum_i D(z_i)_a)/dz -> (N, n, k)."""
    z = z.detach().requires_grad_(True)
    out = decode(z).reshape(z.shape[0], -1)  # (N, n)
    rows = [torch.autograd.grad(out[:, a].sum(), z, retain_graph=True)[0] for a in range(out.shape[1])]  # n x (N, k)
    return torch.stack(rows, dim=1)  # (N, n, k)


def reverse_mode_vmap(decode, z):
    """Reference: vmap(jacrev), n VJPs vectorised -> (N, n, k)."""
    return vmap(jacrev(lambda z_i: decode(z_i[None]).reshape(-1)))(z.detach())


METHODS = {"forward_vmap_jacfwd": forward_mode, "per_pixel_backward": per_pixel_backward,
           "reverse_vmap_jacrev": reverse_mode_vmap}


def timed(fn, decode, z):
    t0 = time.perf_counter()
    fn(decode, z)
    return time.perf_counter() - t0


def bench(in_shape, k, batch, rounds, seed=0):
    g = torch.Generator().manual_seed(seed)
    ae = ConvAutoencoder(in_shape, k=k, generator=g).eval()
    z = ae.encode(torch.rand(batch, *in_shape, generator=g)).detach()  # (N, k) codes of random images
    J_fwd = forward_mode(ae.decode, z)  # (N, n, k)
    errors = {}
    for name, fn in METHODS.items():  # correctness gate (also the warm-up)
        J = fn(ae.decode, z).detach()
        errors[name] = float((J - J_fwd).abs().max() / J_fwd.abs().max())
        if errors[name] >= GATE:
            raise SystemExit(f"{name} disagrees with forward mode: relative error {errors[name]:.2e} >= {GATE}")
    names = list(METHODS)
    times = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]  # rotate who goes first
        for name in order:
            times[name].append(timed(METHODS[name], ae.decode, z))
    ours = np.array(times["forward_vmap_jacfwd"])
    res = {"in_shape": list(in_shape), "k": k, "batch": batch, "n": math.prod(in_shape), "dtype": "float32",
           "max_relative_error": errors}
    for name in names:
        res[f"{name}_ms"] = 1e3 * float(np.median(times[name]))
    ratios = ours / np.array(times["per_pixel_backward"])  # (rounds,) paired ratios ours/baseline
    res["ratio_ours_over_baseline"] = float(np.median(ratios))
    res["ratio_quartiles"] = [float(q) for q in np.percentile(ratios, [25, 75])]
    res["ratio_ours_over_reverse_vmap"] = float(np.median(ours / np.array(times["reverse_vmap_jacrev"])))
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--shapes", choices=["mnist", "cifar", "both"], default="both",
                        help="image shapes: mnist (1, 28, 28), cifar (3, 32, 32), or both")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    shapes = {"mnist": [(1, 28, 28)], "cifar": [(3, 32, 32)], "both": [(1, 28, 28), (3, 32, 32)]}[args.shapes]
    results = []
    for in_shape in shapes:
        k = 16
        res = bench(in_shape, k, args.batch, args.rounds)
        results.append(res)
        print(f"{str(in_shape):12s} k {k:3d} batch {args.batch:3d}  forward {res['forward_vmap_jacfwd_ms']:8.2f} ms"
              f"  per-pixel backward {res['per_pixel_backward_ms']:9.2f} ms"
              f"  vmap(jacrev) {res['reverse_vmap_jacrev_ms']:8.2f} ms"
              f"  ratio ours/baseline {res['ratio_ours_over_baseline']:.3f}"
              f" (forward mode {1 / res['ratio_ours_over_baseline']:.0f}x faster)")
    record = {
        "benchmark": "decoder Jacobian of ConvAutoencoder: forward mode vmap(jacfwd) vs n per-pixel backward passes, "
                     "single thread",
        "rounds": args.rounds, "correctness_gate": GATE,
        "results": results,
    }
    write_record(args.out, record)


if __name__ == "__main__":
    main()
