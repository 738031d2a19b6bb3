"""What the benchmarks share: one thread, the numpy/torch network pair, and the results record.

Import this module before numpy anywhere else: it pins BLAS to one thread, which must happen
before numpy loads its BLAS library.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dmm_edu.numpy_nn import MLP  # noqa: E402
from dmm_edu.torch_nn.convert import from_numpy_mlp  # noqa: E402

torch.set_num_threads(1)


def make_pair(sizes, dtype, rng):
    """A numpy MLP and a torch nn.Sequential holding the same weights (dmm_edu.torch_nn.convert)."""
    net = MLP(sizes, "relu", c=1.41, rng=rng, dtype=dtype)
    return net, from_numpy_mlp(net)


def write_record(path: Path, record: dict) -> None:
    """Write a benchmark's results with the date, the machine and the versions."""
    record = {**record, "date": time.strftime("%Y-%m-%d"),
              "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "cpus": os.cpu_count()},
              "versions": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}")
