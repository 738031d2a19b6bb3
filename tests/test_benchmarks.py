"""The benchmark scripts run at a tiny budget and write a well-formed record (timings are not tested)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("script,args", [("bench_mlp_step.py", ["--rounds", "1", "--steps", "1"]),
                                         ("bench_attacks.py", ["--rounds", "1", "--calls", "1"]),
                                         ("bench_jacobian.py", ["--rounds", "1", "--batch", "2", "--shapes", "mnist"])])
def test_benchmark_runs_and_records(script, args, tmp_path):
    out = tmp_path / "r.json"
    subprocess.run([sys.executable, str(BENCH / script), *args, "--out", str(out)], check=True,
                   capture_output=True, text=True, timeout=300)
    record = json.loads(out.read_text())
    assert record["versions"]["numpy"] and record["machine"]["cpus"] >= 1
    assert record["results"] and all(r["ratio_" + ("numpy_over_torch" if "mlp" in script else "ours_over_baseline")] > 0
                                     for r in record["results"])
