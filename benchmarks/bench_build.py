"""The book build and the test suite: wall time, CPU-seconds and peak memory, idle or under load.

Not a comparison with another tool: the record the next change is compared with. Each measurement
runs the command as a user would, in a subprocess, and reads the CPU time and the peak resident
memory of that command alone (`os.wait4`: user + system time of it and every process it started;
the peak is that of the largest single process).

    python benchmarks/bench_build.py book          # cold build (empty cache), then a warm rebuild
    python benchmarks/bench_build.py tests         # the README's test command, after a book build
    python benchmarks/bench_build.py book --cache DIR   # only the warm rebuild, on a cache a build filled
    python benchmarks/bench_build.py book --load 2 # the same with two busy processes competing
    python benchmarks/bench_build.py book --threads 2   # DMM_EDU_THREADS=2 (one thread per core per process)

`--load N` starts N processes that keep one core each busy (numpy matrix products) for the whole
measurement: a machine doing other work, as readers' laptops and shared CI machines are.
Results are merged into `results/build.json` under a label naming what, load and threads (an
earlier measurement of the same kind under that label is replaced), each with its date, commit,
machine and versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "build.json"
LOAD = ("import numpy as np, os\n"
        "os.environ['OMP_NUM_THREADS'] = '1'\n"
        "a = np.random.default_rng(0).standard_normal((300, 300))\n"
        "while True:\n    a = np.tanh(a @ a) \n")


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run `cmd` to completion; its wall time, CPU-seconds and peak RSS, of this command alone: the
    resource usage `os.wait4` returns for it (its own and that of every process it started and waited
    for; the peak is that of the largest single one)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{out[-4000:]}")
    return {"wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "tail": out.strip().splitlines()[-1][:200] if out.strip() else ""}


def _commit() -> str | None:
    """The checkout's commit (with "+" where the working tree differs from it), or None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+" if dirty else "")


def start_load(n: int) -> list[subprocess.Popen]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return [subprocess.Popen([sys.executable, "-c", LOAD], env=env) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("book", "tests"))
    parser.add_argument("--load", type=int, default=0, help="busy processes competing for the cores (default 0)")
    parser.add_argument("--threads", type=int, default=None, help="DMM_EDU_THREADS for the measured commands")
    parser.add_argument("--cache", type=Path, default=None,
                        help="the dmm_edu cache a book build filled: tests use it (default: build one first, not "
                             "timed); book times only the warm rebuild on it")
    args = parser.parse_args()
    if args.load < 0 or (args.threads is not None and args.threads < 1):
        parser.error(f"--load={args.load} and --threads={args.threads}: expected --load >= 0 and --threads >= 1")

    work = Path(tempfile.mkdtemp(prefix="dmm-bench-build-"))
    env = dict(os.environ, DMM_EDU_CACHE=str(args.cache or work / "cache"), PYTHONUNBUFFERED="1")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)  # the policy decides, as on a reader's machine
    if args.threads is not None:
        env["DMM_EDU_THREADS"] = str(args.threads)
    build = [str(Path(sys.executable).parent / "dmm-edu"), "book", "build", "--site-dir", str(work / "site")]
    label = f"{args.what}, load {args.load}, threads {args.threads or 'default'}"
    records = {}
    if args.what == "tests" and args.cache is None:
        print("building the book first (not timed) ...", flush=True)
        measure(build, env, ROOT)
    load = start_load(args.load)
    try:
        if args.what == "book":
            if args.cache is None:
                print("cold build ...", flush=True)
                records["cold"] = measure(build, env, ROOT)
                print(records["cold"], flush=True)
            else:
                measure(build, env, ROOT)  # brings the given cache's labs and figures up to date (not timed)
            print("warm rebuild ...", flush=True)
            records["warm"] = measure(build, env, ROOT)
            print(records["warm"], flush=True)
        else:
            print("python -m pytest -q ...", flush=True)
            records["suite"] = measure([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], env, ROOT)
            print(records["suite"], flush=True)
    finally:
        for p in load:
            p.kill()
    record = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": {}}
    import numpy as np
    import torch

    # which cache the command met: one this script filled just before (a cold build's, or the build before
    # the tests, whose smallest-size runs the tests then compute), or the one --cache named
    cache = "given: " + str(args.cache) if args.cache else "fresh"
    about = {"date": time.strftime("%Y-%m-%d"), "commit": _commit(), "cache": cache,
             "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
             "versions": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__}}
    # each measurement keeps what it was measured with: a warm-only run leaves the last cold one as it was
    record["runs"][label] = {**record["runs"].get(label, {}), **{name: {**r, **about} for name, r in records.items()}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"wrote {RESULTS} [{label}]; the results cache: {env['DMM_EDU_CACHE']}")


if __name__ == "__main__":
    main()
