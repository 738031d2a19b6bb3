"""The torchattacks benchmark runs at a tiny budget and writes a well-formed record, or, where
torchattacks is not installed (the development environment), says how to install it and exits 2.
Timings are not tested."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch
BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_attacks_torch.py"


def test_bench_attacks_torch_runs_or_explains_the_install(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--rounds", "1", "--calls", "1", "--batch", "64",
                           "--df-batch", "32", "--df-rounds", "1", "--cnn-batch", "16", "--cnn-rounds", "1",
                           "--cnn-gate-batch", "4", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    if importlib.util.find_spec("torchattacks") is None:
        assert proc.returncode == 2, proc.stderr
        assert "pip install --no-deps torchattacks==3.5.1" in proc.stderr and not out.exists()
        return
    assert proc.returncode == 0, proc.stderr
    record = json.loads(out.read_text())
    cases = {r["case"] for r in record["results"]}
    assert cases == {"torch_pgd_linf", "torch_pgd_class_linf", "numpy_pgd_linf", "torch_pgd_l2", "torch_pgd_class_l2",
                     "numpy_pgd_l2", "torch_pgd_cnn_linf", "torch_pgd_class_cnn_linf", "torch_deepfool"}
    cnn = [r for r in record["results"] if "_cnn_" in r["case"]]
    assert all(r["batch"] == 16 and r["steps"] == 20 for r in cnn)
    assert all(r["ratio_ours_over_torchattacks"] > 0 and isinstance(r["meets_goal"], bool) for r in record["results"])
