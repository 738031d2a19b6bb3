"""Time one training step of the numpy MLP against torch on the CPU, as a ratio.

Same architecture (the default synthetic world's MLP, n-256-256-256-C with ReLU), same weights,
same batch, plain SGD, softmax cross-entropy. Both run single-threaded; each round times a block of
steps of each framework back to back (the order alternates between rounds), after a warm-up; the
figure is the median over rounds of the paired ratio numpy/torch. Writes
benchmarks/results/mlp_step.json.

    python benchmarks/bench_mlp_step.py [--rounds 15] [--steps 50]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import make_pair, write_record  # isort: skip  (first: pins BLAS to one thread before numpy loads)

import numpy as np
import torch

from dmm_edu.numpy_nn import SGD

RESULTS = Path(__file__).parent / "results" / "mlp_step.json"


def numpy_steps(net, opt, x, y, steps):
    loss = "binary_logistic" if net.n_outputs == 1 else "cross_entropy"
    t0 = time.perf_counter()
    for _ in range(steps):
        net.loss_and_grads(x, y, loss)
        opt.step()
    return time.perf_counter() - t0


def torch_steps(model, opt, x, y, steps):
    if model[-1].out_features == 1:  # one logit: binary cross-entropy on it, labels as floats
        loss_fn, y = torch.nn.BCEWithLogitsLoss(), y.to(model[-1].weight.dtype)[:, None]
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return time.perf_counter() - t0


def bench(sizes, batch, dtype, rounds, steps, seed=0):
    rng = np.random.default_rng(seed)
    net, model = make_pair(sizes, dtype, rng)
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)  # (B, n)
    y = rng.integers(0, max(sizes[-1], 2), size=batch)  # (B,)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt_np = SGD(net.params, net.grads, lr=1e-3)
    opt_t = torch.optim.SGD(model.parameters(), lr=1e-3)
    numpy_steps(net, opt_np, x, y, steps)  # warm-up
    torch_steps(model, opt_t, xt, yt, steps)
    ratios, t_np, t_t = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a = numpy_steps(net, opt_np, x, y, steps)
            b = torch_steps(model, opt_t, xt, yt, steps)
        else:
            b = torch_steps(model, opt_t, xt, yt, steps)
            a = numpy_steps(net, opt_np, x, y, steps)
        ratios.append(a / b)
        t_np.append(a / steps)
        t_t.append(b / steps)
    return {
        "sizes": sizes, "batch": batch, "dtype": np.dtype(dtype).name,
        "numpy_step_ms": 1e3 * float(np.median(t_np)), "torch_step_ms": 1e3 * float(np.median(t_t)),
        "ratio_numpy_over_torch": float(np.median(ratios)),
        "ratio_quartiles": [float(q) for q in np.percentile(ratios, [25, 75])],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cases = [([200, 256, 256, 256, 4], 64, np.float32), ([200, 256, 256, 256, 4], 64, np.float64),
             ([3, 400, 1], 64, np.float64), ([200, 256, 256, 256, 4], 1000, np.float32)]
    results = []
    for sizes, batch, dtype in cases:
        res = bench(sizes, batch, dtype, args.rounds, args.steps)
        results.append(res)
        print(f"{'-'.join(map(str, sizes)):22s} batch {batch:5d} {res['dtype']:8s} numpy {res['numpy_step_ms']:.3f} ms"
              f"  torch {res['torch_step_ms']:.3f} ms  ratio {res['ratio_numpy_over_torch']:.2f}")
    record = {
        "benchmark": "one SGD training step, numpy MLP vs torch, single thread",
        "rounds": args.rounds, "steps_per_round": args.steps,
        "results": results,
    }
    write_record(args.out, record)


if __name__ == "__main__":
    main()
