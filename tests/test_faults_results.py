"""Faults and bad inputs around results, output folders and the cache, each landing in its class.

Every case is marked `fault_class("clear_error")` or `fault_class("recovery")` and asserts through the
`fault` fixture's helper of the same name (the helper checks the mark, so a case cannot claim one
class and test another):

- clear_error: the call raises the expected exception, whose message names the argument or path and
  says what is accepted or what to do; for the CLI, a non-zero exit with that message and no traceback.
- recovery: the call succeeds and the state afterwards is correct (checked by the case).

Faults are injected for real where a test can: `kill -9` at each rename of a save (a subprocess kills
itself from a patched `os.replace`), a full disk as a file-size limit (RLIMIT_FSIZE), damaged files.
A read-only folder is chmod 555; as root (whom chmod does not stop) the writes into it are refused
by patching the few system calls a save makes. Runs use the smoke profile of E2/E3 (well under a
second) and small Results built directly.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import dmm_edu.experiments.base as base
from dmm_edu.cli import main
from dmm_edu.experiments import EXPERIMENTS
from dmm_edu.experiments.registry import canonical_id
from dmm_edu.results import (
    ARRAYS_FILE,
    FORMAT,
    METRICS_FILE,
    CorruptResultError,
    OutputFolderError,
    Result,
    load_result,
    recover,
    save_result,
)

ROOT = Path(__file__).resolve().parents[1]
ACCEPTED = ("expected", "choose", "accepted", "--force", "run it again", "delete it", "make one", "free some space")


# ---------------------------------------------------------------- the two classes
class Cli:
    """A `dmm-edu` command line to run in-process (CliRunner)."""

    def __init__(self, *args: str):
        self.args = [str(a) for a in args]


class Fault:
    """The helpers `clear_error` and `recovery`; each checks that the case is marked with its name."""

    def __init__(self, request):
        mark = request.node.get_closest_marker("fault_class")
        assert mark is not None, "every case of this file is marked fault_class(...)"
        self.marked = mark.args[0]

    def _is(self, name: str) -> None:
        assert self.marked == name, f"the case is marked {self.marked!r} but asserts {name!r}"

    def clear_error(self, call, exc_type: type[BaseException] = Exception, *names: str) -> str:
        """`call` fails with `exc_type` (for a Cli: exit 1 or 2, no traceback) and its message names every
        one of `names` and says what is accepted; the message."""
        self._is("clear_error")
        if isinstance(call, Cli):
            done = CliRunner().invoke(main, call.args)
            assert done.exit_code in (1, 2), (done.exit_code, done.output)
            assert done.exception is None or isinstance(done.exception, SystemExit), repr(done.exception)
            message = done.output
        else:
            with pytest.raises(exc_type) as info:
                call()
            message = str(info.value)
        assert "Traceback" not in message
        for name in names:
            assert name in message, (name, message)
        assert any(word in message.lower() for word in ACCEPTED), message
        return message

    def recovery(self, call, check=None):
        """`call` succeeds (for a Cli: exit 0); `check(value)` then asserts the state. The value."""
        self._is("recovery")
        if isinstance(call, Cli):
            done = CliRunner().invoke(main, call.args)
            assert done.exit_code == 0, done.output
            value = done
        else:
            value = call()
        if check is not None:
            check(value)
        return value


@pytest.fixture
def fault(request) -> Fault:
    return Fault(request)


clear_error = pytest.mark.fault_class("clear_error")
recovery = pytest.mark.fault_class("recovery")


# ---------------------------------------------------------------- shared pieces
def small_result(experiment: str = "E3", profile: str = "smoke", seed: int = 0, value: float = 0.5) -> Result:
    rng = np.random.default_rng(7)
    return Result(experiment, profile, seed, {"n": 5}, {"a": value, "nested": {"b": [1, 2]}},
                  {"x": rng.normal(size=(40, 30)), "y": np.arange(4)},
                  {"versions": {"numpy": np.__version__}, "code_hash": "c" * 64, "created": "then"})


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".old-" in p.name or ".part-" in p.name)


@pytest.fixture
def e3_calls(monkeypatch):
    """Counts the runs of E3's experiment code (so a case can assert that nothing ran, or ran once)."""
    from dmm_edu.experiments import e03_random_baseline

    calls = []
    real = e03_random_baseline.run
    monkeypatch.setattr(e03_random_baseline, "run", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.fixture(scope="module")
def e3_saved(tmp_path_factory) -> Path:
    """One E3 smoke result, saved; copy it before damaging it."""
    out = tmp_path_factory.mktemp("e3") / "E3-smoke"
    base.run_experiment("E3", "smoke", 0, out=out)
    return out


def copy_result(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in (METRICS_FILE, ARRAYS_FILE):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


@pytest.fixture
def read_only(monkeypatch):
    """Make folders read-only: chmod 555 and, as root, refuse creating, renaming or removing entries in them."""
    folders: list[Path] = []

    def inside(path) -> bool:
        parent = Path(os.path.abspath(os.fspath(path))).parent
        return any(parent == f for f in folders)

    def deny(path):
        raise PermissionError(13, "Permission denied", os.fspath(path))

    if os.geteuid() == 0:
        real_open, real_mkdir, real_replace, real_unlink = os.open, os.mkdir, os.replace, os.unlink
        real_builtin_open = builtins.open

        def fake_open(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and inside(path):
                deny(path)
            return real_open(path, flags, *args, **kwargs)

        def fake_mkdir(path, *args, **kwargs):
            if inside(path) and not os.path.isdir(path):
                deny(path)
            return real_mkdir(path, *args, **kwargs)

        def fake_replace(src, dst, *args, **kwargs):
            if inside(src) or inside(dst):
                deny(dst)
            return real_replace(src, dst, *args, **kwargs)

        def fake_unlink(path, *args, **kwargs):
            if inside(path):
                deny(path)
            return real_unlink(path, *args, **kwargs)

        def fake_builtin_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and any(m in mode for m in "wxa") and inside(file):
                deny(file)
            return real_builtin_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(os, "mkdir", fake_mkdir)
        monkeypatch.setattr(os, "replace", fake_replace)
        monkeypatch.setattr(os, "unlink", fake_unlink)
        monkeypatch.setattr(builtins, "open", fake_builtin_open)

    def make(folder: Path) -> Path:
        folder = Path(os.path.abspath(folder))
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o555)
        folders.append(folder)
        return folder

    yield make
    for folder in folders:
        folder.chmod(0o755)


def run_python(code: str, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ================================================================ 1. ids in any case
AVAILABLE = [spec.id for spec in EXPERIMENTS.values() if spec.available]


@recovery
@pytest.mark.parametrize("spelling", ["lower", "upper"])
@pytest.mark.parametrize("experiment", AVAILABLE)
def test_every_listed_id_is_accepted_in_any_case(fault, experiment, spelling):
    given = experiment.lower() if spelling == "lower" else experiment.upper()
    fault.recovery(lambda: canonical_id(given), lambda got: (got == experiment) or pytest.fail(got))


@recovery
@pytest.mark.parametrize("given", ["e8i", "E8I", "e9I"])
def test_cli_runs_image_ids_in_any_case_and_records_the_registered_id(fault, given, tmp_path, monkeypatch):
    """The command the book prints (`dmm-edu run E8i …`), in any case; the experiment's own work is
    stubbed (this file tests the runner, not the training)."""
    import importlib

    experiment = canonical_id(given)
    module = importlib.import_module(EXPERIMENTS[experiment].module)
    monkeypatch.setattr(module, "run", lambda config, rng, progress=None: ({"m": 1.0}, {"a": np.zeros(2)}))
    out = tmp_path / "r"

    def check(done):
        assert json.loads((out / METRICS_FILE).read_text())["experiment"] == experiment
        assert load_result(out).experiment == experiment

    fault.recovery(Cli("run", given, "--profile", "smoke", "--out", out), check)


@recovery
@pytest.mark.parametrize("given", ["e3", "E3"])
def test_run_experiment_records_the_registered_id(fault, given):
    fault.recovery(lambda: base.run_experiment(given, "smoke"), lambda r: (r.experiment == "E3") or pytest.fail())


@clear_error
@pytest.mark.parametrize("given", ["E99", "e 3", "", "E8ii"])
def test_an_unknown_id_lists_the_ids(fault, given):
    fault.clear_error(Cli("run", given, "--profile", "smoke"), Exception, "not an experiment", "E8i")


# ================================================================ 2. damaged results: one error, one recompute
def _truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _edit(key_path: tuple, value=None, delete=False):
    def edit(folder: Path) -> None:
        record = json.loads((folder / METRICS_FILE).read_text())
        node = record
        for key in key_path[:-1]:
            node = node[key]
        if delete:
            del node[key_path[-1]]
        else:
            node[key_path[-1]] = value
        (folder / METRICS_FILE).write_text(json.dumps(record))
    return edit


def _write(name: str, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


def _npy_instead(folder: Path) -> None:
    (folder / ARRAYS_FILE).unlink()
    with open(folder / ARRAYS_FILE, "wb") as fh:
        np.save(fh, np.arange(3))


def _pickled_array(folder: Path) -> None:
    with open(folder / ARRAYS_FILE, "wb") as fh:
        np.savez(fh, x=np.array([{"a": 1}], dtype=object))


def _metrics_a_folder(folder: Path) -> None:
    (folder / METRICS_FILE).unlink()
    (folder / METRICS_FILE).mkdir()


DAMAGE = {
    "arrays truncated to half": lambda f: _truncate(f / ARRAYS_FILE, 0.5),
    "arrays truncated to 0 bytes": lambda f: _truncate(f / ARRAYS_FILE, 0.0),
    "arrays missing its last byte": lambda f: _truncate(f / ARRAYS_FILE, 0.999),
    "arrays deleted": lambda f: (f / ARRAYS_FILE).unlink(),
    "arrays byte flipped": lambda f: _flip(f / ARRAYS_FILE),
    "arrays an .npy": _npy_instead,
    "arrays hold a pickled object": _pickled_array,
    "metrics deleted": lambda f: (f / METRICS_FILE).unlink(),
    "metrics truncated": lambda f: _truncate(f / METRICS_FILE, 0.5),
    "metrics empty": _write(METRICS_FILE, b""),
    "metrics a list": _write(METRICS_FILE, b"[1, 2]"),
    "metrics not utf-8": _write(METRICS_FILE, b"\xff\xfe{"),
    "metrics a folder": _metrics_a_folder,
    "content_hash removed": _edit(("content_hash",), delete=True),
    "metrics removed": _edit(("metrics",), delete=True),
    "config removed": _edit(("config",), delete=True),
    "provenance removed": _edit(("provenance",), delete=True),
    "seed a string": _edit(("seed",), "0"),
    "format older": _edit(("format",), "dmm_edu.result/1"),
    "format newer": _edit(("format",), "dmm_edu.result/99"),
    "format removed": _edit(("format",), delete=True),
    "code_hash edited": _edit(("provenance", "code_hash"), "0" * 64),
    "numpy version edited": _edit(("provenance", "versions", "numpy"), "0.0.1"),
    "a metric edited": _edit(("metrics", "n_vectors"), 7),
    "config edited": _edit(("config", "n_vectors"), 7),
}


@clear_error
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_result_is_one_clear_error(fault, damage, e3_saved, tmp_path):
    folder = copy_result(e3_saved, tmp_path / "r")
    DAMAGE[damage](folder)
    message = fault.clear_error(lambda: load_result(folder), CorruptResultError, str(folder))
    if damage == "format older":
        assert "older dmm_edu" in message and "dmm-edu run E3 --profile smoke --seed 0" in message


@recovery
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_run_cached_recomputes_a_damaged_entry(fault, damage, e3_saved, tmp_path, e3_calls):
    cache = tmp_path / "cache"
    first = base.run_cached("E3", "smoke", 0, cache=cache)
    (entry,) = cache.iterdir()
    (entry / "figures").mkdir()  # a file the cache did not write stays
    DAMAGE[damage](entry)

    def check(again):
        assert len(e3_calls) == 2  # recomputed, once
        assert again.content_hash() == first.content_hash()
        assert load_result(entry).content_hash() == first.content_hash()
        assert (entry / "figures").is_dir() and leftovers(cache) == []

    fault.recovery(lambda: base.run_cached("E3", "smoke", 0, cache=cache), check)


@clear_error
@pytest.mark.parametrize("damage", ["arrays truncated to half", "arrays deleted", "content_hash removed",
                                    "format older", "metrics not utf-8", "code_hash edited"])
def test_plot_on_a_damaged_result_says_which_folder_and_how_to_fix_it(fault, damage, e3_saved, tmp_path):
    pytest.importorskip("matplotlib")
    folder = copy_result(e3_saved, tmp_path / "r")
    DAMAGE[damage](folder)
    fault.clear_error(Cli("plot", folder), Exception, str(folder), "dmm-edu run")


@clear_error
def test_plots_api_on_a_damaged_result(fault, e3_saved, tmp_path):
    pytest.importorskip("matplotlib")
    from dmm_edu.plots import save_figures

    folder = copy_result(e3_saved, tmp_path / "r")
    DAMAGE["arrays truncated to half"](folder)
    fault.clear_error(lambda: save_figures(folder, tmp_path / "figs"), CorruptResultError, str(folder))


@clear_error
def test_loading_a_folder_without_a_result(fault, tmp_path):
    (tmp_path / "empty").mkdir()
    fault.clear_error(lambda: load_result(tmp_path / "empty"), FileNotFoundError, str(tmp_path / "empty"))


@recovery
def test_same_code_and_seed_give_the_same_hash_though_time_differs(fault):
    def check(pair):
        a, b = pair
        assert a.content_hash() == b.content_hash()
        b.provenance["code_hash"] = "edited"
        assert a.content_hash() != b.content_hash()  # provenance counts …
        b.provenance.update(code_hash=a.provenance["code_hash"], created="another day", duration_s=99.0)
        assert a.content_hash() == b.content_hash()  # … but not when or how long

    fault.recovery(lambda: (base.run_experiment("E3", "smoke", 1), base.run_experiment("E3", "smoke", 1)), check)


# ================================================================ 3. output folders, checked before any work
@clear_error
def test_out_is_a_file(fault, tmp_path, e3_calls):
    (tmp_path / "f").write_text("mine")
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=tmp_path / "f"), OutputFolderError, "out=", "is a file")
    assert e3_calls == [] and (tmp_path / "f").read_text() == "mine"


@clear_error
def test_out_below_a_file(fault, tmp_path, e3_calls):
    (tmp_path / "f").write_text("mine")
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=tmp_path / "f" / "sub"), OutputFolderError,
                      str(tmp_path / "f" / "sub"))
    assert e3_calls == []


@clear_error
def test_out_dot_in_a_folder_of_files(fault, tmp_path, monkeypatch, e3_calls):
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    fault.clear_error(Cli("run", "E3", "--profile", "smoke", "--out", "."), Exception, "--out", "'.'")
    assert e3_calls == [] and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@clear_error
def test_out_root_has_no_name(fault, e3_calls):
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out="/"), OutputFolderError, "out='/'")
    assert e3_calls == []


@clear_error
def test_out_in_a_read_only_folder(fault, tmp_path, read_only, e3_calls):
    ro = read_only(tmp_path / "ro")
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=ro / "r"), OutputFolderError, str(ro / "r"),
                      "cannot write")
    assert e3_calls == [] and list(ro.iterdir()) == []


@clear_error
def test_out_a_read_only_result_folder(fault, tmp_path, read_only, e3_saved, e3_calls):
    folder = copy_result(e3_saved, tmp_path / "r")
    read_only(folder)
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=folder), OutputFolderError, str(folder))
    assert e3_calls == [] and load_result(folder).experiment == "E3"


@clear_error
def test_cli_out_in_a_read_only_folder(fault, tmp_path, read_only, e3_calls):
    ro = read_only(tmp_path / "ro")
    fault.clear_error(Cli("run", "E3", "--profile", "smoke", "--out", ro / "r"), Exception, "--out", "cannot write")
    assert e3_calls == []


@clear_error
def test_out_holding_other_files(fault, tmp_path, e3_calls):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("mine")
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=tmp_path / "mine", force=True),
                      OutputFolderError, "not a dmm_edu result")
    assert e3_calls == [] and [p.name for p in (tmp_path / "mine").iterdir()] == ["thesis.tex"]


@clear_error
@pytest.mark.parametrize("theirs", [("E2", "smoke", 0), ("E3", "book", 0), ("E3", "smoke", 5)])
def test_out_holding_another_run_needs_force(fault, theirs, tmp_path, e3_calls):
    save_result(small_result(*theirs), tmp_path / "r")
    before = load_result(tmp_path / "r").content_hash()
    fault.clear_error(Cli("run", "E3", "--profile", "smoke", "--out", tmp_path / "r"), Exception, "--out",
                      f"result of {theirs[0]}", "--force")
    assert e3_calls == [] and load_result(tmp_path / "r").content_hash() == before


@clear_error
def test_out_holding_a_damaged_result_needs_force(fault, tmp_path, e3_saved, e3_calls):
    folder = copy_result(e3_saved, tmp_path / "r")
    DAMAGE["metrics truncated"](folder)
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=folder), OutputFolderError, str(folder), "--force")
    assert e3_calls == []


@clear_error
@pytest.mark.parametrize("target", ["missing", "file"])
def test_out_a_link_to_no_folder(fault, target, tmp_path, e3_calls):
    if target == "file":
        (tmp_path / "target").write_text("mine")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    fault.clear_error(lambda: base.run_experiment("E3", "smoke", out=tmp_path / "link"), OutputFolderError,
                      "symbolic link", str(tmp_path / "target"))
    assert e3_calls == [] and (tmp_path / "link").is_symlink()


@clear_error
def test_cache_is_a_file(fault, tmp_path, e3_calls):
    (tmp_path / "cache").write_text("mine")
    fault.clear_error(lambda: base.run_cached("E3", "smoke", cache=tmp_path / "cache"), OutputFolderError,
                      "cache=", "is a file")
    assert e3_calls == [] and (tmp_path / "cache").read_text() == "mine"


@clear_error
def test_cache_below_a_file(fault, tmp_path, e3_calls):
    (tmp_path / "f").write_text("mine")
    fault.clear_error(lambda: base.run_cached("E3", "smoke", cache=tmp_path / "f" / "cache"), OutputFolderError,
                      "cache=", "cannot create")
    assert e3_calls == []


@clear_error
def test_cache_not_writable(fault, tmp_path, read_only, e3_calls):
    ro = read_only(tmp_path / "cache")
    fault.clear_error(lambda: base.run_cached("E3", "smoke", cache=ro), OutputFolderError, "cache=", "cannot write")
    assert e3_calls == []


@clear_error
def test_default_cache_from_the_environment_is_a_file(fault, tmp_path, monkeypatch, e3_calls):
    (tmp_path / "c").write_text("mine")
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "c"))
    fault.clear_error(lambda: base.run_cached("E3", "smoke"), OutputFolderError, "DMM_EDU_CACHE", str(tmp_path / "c"))
    assert e3_calls == []


@clear_error
def test_plot_out_below_a_file(fault, tmp_path, e3_saved):
    pytest.importorskip("matplotlib")
    (tmp_path / "f").write_text("mine")
    fault.clear_error(Cli("plot", e3_saved, "--out", tmp_path / "f" / "figs"), Exception, "--out", "cannot create")


# ---------------------------------------------------------------- a full disk
FULL_DISK = """
    import json, os, resource, signal, sys
    import numpy as np
    from dmm_edu.results import Result, OutputFolderError, save_result
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    rng = np.random.default_rng(0)
    result = Result("E3", "smoke", 0, {{}}, {{"a": 2.0}}, {{"x": rng.normal(size=(400, 400))}}, {{}})
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
    try:
        save_result(result, sys.argv[1] if len(sys.argv) > 1 else {out!r})
        print(json.dumps({{"ok": True}}))
    except OutputFolderError as exc:
        print(json.dumps({{"ok": False, "type": type(exc).__name__, "message": str(exc)}}))
"""


def _full_disk(out: Path, limit: int = 20_000) -> dict:
    done = run_python(FULL_DISK.format(limit=limit, out=str(out)))
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reraise(report: dict):
    assert not report["ok"], "the save should have failed"
    raise OutputFolderError(report["message"])


@clear_error
def test_full_disk_on_a_new_folder_leaves_nothing(fault, tmp_path):
    report = _full_disk(tmp_path / "r")
    fault.clear_error(lambda: _reraise(report), OutputFolderError, str(tmp_path / "r"), "File too large")
    assert list(tmp_path.iterdir()) == []


@clear_error
def test_full_disk_on_an_earlier_result_keeps_it(fault, tmp_path):
    save_result(small_result(value=1.0), tmp_path / "r")
    before = load_result(tmp_path / "r").content_hash()
    report = _full_disk(tmp_path / "r")
    fault.clear_error(lambda: _reraise(report), OutputFolderError, "earlier result there is kept")
    assert load_result(tmp_path / "r").content_hash() == before and leftovers(tmp_path) == []


@clear_error
def test_disk_full_while_writing_in_process(fault, tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", no_space)
    fault.clear_error(lambda: save_result(small_result(), tmp_path / "r"), OutputFolderError, "No space left",
                      str(tmp_path / "r"))
    assert list(tmp_path.iterdir()) == []


@clear_error
def test_disk_full_while_the_cache_replaces_a_damaged_entry(fault, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    base.run_cached("E3", "smoke", 0, cache=cache)
    (entry,) = cache.iterdir()
    DAMAGE["arrays truncated to half"](entry)
    damaged = (entry / ARRAYS_FILE).read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", no_space)
    fault.clear_error(lambda: base.run_cached("E3", "smoke", 0, cache=cache), OutputFolderError, str(entry))
    assert (entry / ARRAYS_FILE).read_bytes() == damaged and leftovers(cache) == []


# ---------------------------------------------------------------- config overrides, before any work
def _recipe(**kw):
    from dmm_edu.experiments._subspace import Recipe

    return Recipe(**kw)


OVERRIDES = [
    ("E5", {"slice_resolution": -5}, "slice_resolution=-5"),
    ("E5", {"slice_extent": float("nan")}, "slice_extent=nan"),
    ("E3", {"n_vectors": 0}, "n_vectors=0"),
    ("E3", {"n_vectors": "many"}, "n_vectors='many'"),
    ("E3", {"c": True}, "c=True"),
    ("E3", {"dims": [(200, 300)]}, "dims[0]"),
    ("E3", {"widht": 3}, "widht"),
    ("E2", {"tilts": (-1.0,)}, "tilts[0]=-1.0"),
    ("E2", {"dims": "2,100"}, "dims='2,100'"),
    ("E2", {"lr": None}, "lr=None"),
    ("E1", {"recipes": ("Z",)}, "recipes[0]='Z'"),
    ("E1", {"workers": 0}, "workers=0"),
    ("E1", {"late_factor": 2.0}, "late_factor=2.0"),
    ("E4", {"recipe": _recipe(k=500)}, "recipe.k=500"),
    ("E4", {"recipe": {"n": 10}}, "recipe="),
    ("E4", {"recipe": _recipe(hidden=(64, 0))}, "recipe.hidden[1]=0"),
    ("E8", {"epochs": (5, 1)}, "epochs=(5, 1)"),
    ("E9", {"eps": 0.0}, "eps=0.0"),
    ("E11", {"variants": (("rand", "sideways"),)}, "variants[0][1]='sideways'"),
]


@clear_error
@pytest.mark.parametrize("experiment, overrides, named", OVERRIDES, ids=[o[2] for o in OVERRIDES])
def test_a_bad_override_names_the_field_before_any_work(fault, experiment, overrides, named, tmp_path, monkeypatch):
    import importlib

    module = importlib.import_module(EXPERIMENTS[experiment].module)
    monkeypatch.setattr(module, "run", lambda *a, **k: pytest.fail("the experiment ran"))
    fault.clear_error(lambda: base.run_cached(experiment, "smoke", cache=tmp_path / "c", **overrides), ValueError, named)
    assert not (tmp_path / "c").exists()  # nothing was made either


@clear_error
@pytest.mark.parametrize("kwargs, named", [({"seed": -1}, "seed=-1"), ({"seed": "1"}, "seed='1'"),
                                           ({"profile": "huge"}, "profile='huge'")])
def test_bad_seed_or_profile(fault, kwargs, named, tmp_path, e3_calls):
    fault.clear_error(lambda: base.run_cached("E3", **{"profile": "smoke", **kwargs}, cache=tmp_path), ValueError, named)
    assert e3_calls == []


@recovery
def test_an_override_list_becomes_the_tuple_the_field_holds(fault, e3_calls):
    fault.recovery(lambda: base.config_for("E3", "smoke", dims=[[200, 10]]),
                   lambda config: (config.dims == ((200, 10),)) or pytest.fail(repr(config.dims)))


@recovery
@pytest.mark.parametrize("experiment", AVAILABLE)
def test_every_profile_passes_its_experiments_checks(fault, experiment):
    fault.recovery(lambda: [base.config_for(experiment, p) for p in base.PROFILES],
                   lambda configs: (len(configs) == 3) or pytest.fail())


# ================================================================ 4. folders the program did not make
@recovery
def test_rerun_keeps_the_users_files_and_figures(fault, tmp_path, e3_saved):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r"
    CliRunner().invoke(main, ["run", "E3", "--profile", "smoke", "--seed", "1", "--out", str(out)])
    assert CliRunner().invoke(main, ["plot", str(out)]).exit_code == 0
    figures = sorted(p.name for p in (out / "figures").iterdir())
    (out / "notes.txt").write_text("mine")
    before = load_result(out).content_hash()

    def check(done):
        assert sorted(p.name for p in (out / "figures").iterdir()) == figures and figures
        assert (out / "notes.txt").read_text() == "mine"
        assert load_result(out).content_hash() == before  # the same run again: the same result
        assert leftovers(tmp_path) == []

    fault.recovery(Cli("run", "E3", "--profile", "smoke", "--seed", "1", "--out", out), check)


@recovery
def test_a_new_result_replaces_only_the_two_files(fault, tmp_path):
    out = tmp_path / "r"
    save_result(small_result(value=1.0), out)
    (out / "figures").mkdir()
    (out / "figures" / "E3-x.png").write_bytes(b"png")
    new = small_result(value=2.0)

    def check(_):
        assert load_result(out).metrics["a"] == 2.0
        assert (out / "figures" / "E3-x.png").read_bytes() == b"png"
        assert sorted(p.name for p in out.iterdir()) == sorted([ARRAYS_FILE, METRICS_FILE, "figures"])

    fault.recovery(lambda: save_result(new, out), check)


@recovery
def test_force_replaces_another_experiments_result_and_keeps_user_files(fault, tmp_path):
    out = tmp_path / "r"
    save_result(small_result("E2"), out)
    (out / "notes.txt").write_text("mine")

    def check(_):
        assert load_result(out).experiment == "E3" and (out / "notes.txt").read_text() == "mine"

    fault.recovery(Cli("run", "E3", "--profile", "smoke", "--out", out, "--force"), check)


@recovery
def test_force_replaces_a_damaged_result(fault, tmp_path, e3_saved):
    folder = copy_result(e3_saved, tmp_path / "r")
    DAMAGE["metrics truncated"](folder)
    fault.recovery(lambda: base.run_experiment("E3", "smoke", out=folder, force=True),
                   lambda r: (load_result(folder).content_hash() == r.content_hash()) or pytest.fail())


@recovery
def test_out_a_link_to_a_folder_is_written_through(fault, tmp_path):
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")

    def check(_):
        assert (tmp_path / "link").is_symlink()
        assert load_result(tmp_path / "target").experiment == "E3"
        assert leftovers(tmp_path) == []

    fault.recovery(lambda: base.run_experiment("E3", "smoke", out=tmp_path / "link"), check)


@recovery
def test_a_planted_link_in_out_is_replaced_not_followed(fault, tmp_path, e3_saved):
    outside = tmp_path / "outside.npz"
    outside.write_bytes((e3_saved / ARRAYS_FILE).read_bytes())
    folder = copy_result(e3_saved, tmp_path / "r")
    (folder / ARRAYS_FILE).unlink()
    (folder / ARRAYS_FILE).symlink_to(outside)
    before = outside.read_bytes()

    def check(_):
        assert outside.read_bytes() == before and not (folder / ARRAYS_FILE).is_symlink()
        load_result(folder)

    fault.recovery(lambda: base.run_experiment("E3", "smoke", 0, out=folder), check)


@recovery
def test_an_empty_folder_takes_a_result(fault, tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    fault.recovery(Cli("run", "E3", "--profile", "smoke", "--out", "."),
                   lambda _: (load_result(tmp_path / "here").experiment == "E3") or pytest.fail())


@recovery
@pytest.mark.parametrize("umask, folder_mode, file_mode", [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600),
                                                           (0o002, 0o775, 0o664)])
def test_result_folders_follow_the_umask(fault, umask, folder_mode, file_mode, tmp_path):
    previous = os.umask(umask)
    try:
        def check(out):
            assert out.stat().st_mode & 0o777 == folder_mode
            assert (out / METRICS_FILE).stat().st_mode & 0o777 == file_mode
            assert (out / ARRAYS_FILE).stat().st_mode & 0o777 == file_mode

        fault.recovery(lambda: save_result(small_result(), tmp_path / "r"), check)
    finally:
        os.umask(previous)


@recovery
@pytest.mark.parametrize("umask, file_mode", [(0o022, 0o644), (0o077, 0o600)])
def test_checkpoints_follow_the_umask(fault, umask, file_mode, tmp_path):
    torch = pytest.importorskip("torch")
    from dmm_edu.torch_nn.checkpoint import save_checkpoint
    from dmm_edu.torch_nn.models import MLP

    model = MLP((1, 2, 2), (3,), 2, generator=torch.Generator().manual_seed(0))
    previous = os.umask(umask)
    try:
        fault.recovery(lambda: save_checkpoint(tmp_path / "m.pt", model),
                       lambda path: (path.stat().st_mode & 0o777 == file_mode) or pytest.fail(oct(path.stat().st_mode)))
    finally:
        os.umask(previous)


# ---------------------------------------------------------------- the site folder
def _no_experiments(monkeypatch):
    import dmm_edu.book as book

    monkeypatch.setattr(book, "book_results", lambda *a, **k: pytest.fail("experiments ran"))
    return book


@clear_error
def test_site_dir_of_other_files_is_refused_and_kept(fault, tmp_path, monkeypatch):
    book = _no_experiments(monkeypatch)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("mine")
    fault.clear_error(lambda: book.build("smoke", tmp_path / "mine", ROOT / "mkdocs.yml", progress=None),
                      OutputFolderError, "site_dir=", str(tmp_path / "mine"))
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["thesis.tex"]


@clear_error
def test_cli_site_dir_of_other_files(fault, tmp_path, monkeypatch):
    _no_experiments(monkeypatch)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("mine")
    fault.clear_error(Cli("book", "build", "--profile", "smoke", "--site-dir", tmp_path / "mine", "--config-file",
                          ROOT / "mkdocs.yml"), Exception, "--site-dir", "not a site")
    assert (tmp_path / "mine" / "a.txt").read_text() == "mine"


@clear_error
def test_site_dir_is_a_file(fault, tmp_path, monkeypatch):
    book = _no_experiments(monkeypatch)
    (tmp_path / "f").write_text("mine")
    fault.clear_error(lambda: book.build("smoke", tmp_path / "f", ROOT / "mkdocs.yml", progress=None),
                      OutputFolderError, "site_dir=", "is a file")


@clear_error
def test_site_dir_not_writable(fault, tmp_path, monkeypatch, read_only):
    book = _no_experiments(monkeypatch)
    ro = read_only(tmp_path / "ro")
    fault.clear_error(lambda: book.build("smoke", ro / "site", ROOT / "mkdocs.yml", progress=None),
                      OutputFolderError, "site_dir=", "cannot")


@recovery
@pytest.mark.parametrize("state", ["new", "empty", "marked", "an mkdocs site"])
def test_site_dir_that_may_be_replaced(fault, state, tmp_path):
    from dmm_edu.book import MKDOCS_SITE, SITE_MARKER, prepare_site_dir

    site = tmp_path / "site"
    if state != "new":
        site.mkdir()
    if state == "marked":
        (site / SITE_MARKER).write_text("")
        (site / "index.html").write_text("old")
    if state == "an mkdocs site":
        for rel in MKDOCS_SITE:
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_text("old")
    fault.recovery(lambda: prepare_site_dir(site), lambda path: ((path / SITE_MARKER).is_file()) or pytest.fail())


# ================================================================ 5. kill -9 at each step of a save
KILL = """
    import os, shutil, signal, sys
    import numpy as np
    import dmm_edu.results as results
    out, step = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(1)
    new = results.Result("E3", "smoke", 0, {{"n": 5}}, {{"a": 2.0}}, {{"x": rng.normal(size=(20, 20))}},
                         {{"code_hash": "n" * 64}})
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    if step == "write":
        np.savez_compressed = die
    elif step == "cleanup":
        real_rmtree = shutil.rmtree
        shutil.rmtree = lambda path, *a, **k: die() if ".old-" in str(path) else real_rmtree(path, *a, **k)
    else:
        real_replace, calls = os.replace, []
        def replace(src, dst):
            calls.append(1)
            if len(calls) == int(step):
                die()
            return real_replace(src, dst)
        os.replace = replace
    results.save_result(new, out)
"""
# the renames of a save into an earlier result: 1 metrics.json aside, 2 arrays.npz aside, 3 the new
# arrays.npz in, 4 the new metrics.json in. Killed before step 4 the earlier result must come back.
STEPS = {"write": "old", "1": "old", "2": "old", "3": "old", "4": "old", "cleanup": "new"}


def _kill_during_save(out: Path, step: str) -> None:
    done = run_python(KILL.format(), str(out), step)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr[-2000:])


@recovery
@pytest.mark.parametrize("then", ["load", "save", "run_cached"])
@pytest.mark.parametrize("step", list(STEPS))
def test_kill_at_each_step_of_a_save_is_undone(fault, step, then, tmp_path, e3_calls):
    cache = tmp_path / "cache"
    if then == "run_cached":
        earlier = base.run_cached("E3", "smoke", 0, cache=cache)
        (out,) = cache.iterdir()
    else:
        out = tmp_path / "r"
        save_result(small_result(value=1.0), out)
        earlier = load_result(out)
    (out / "figures").mkdir()
    (out / "figures" / "f.png").write_bytes(b"png")
    calls_before = len(e3_calls)
    _kill_during_save(out, step)
    assert leftovers(out.parent), "the kill left the save half done"

    def later():
        if then == "load":
            return load_result(out)
        if then == "save":
            save_result(small_result(value=3.0), out)
            return load_result(out)
        return base.run_cached("E3", "smoke", 0, cache=cache)

    def check(result):
        if then == "save":
            assert result.metrics["a"] == 3.0
        elif STEPS[step] == "old":
            assert result.content_hash() == earlier.content_hash()  # the earlier result is back
        else:
            assert result.metrics["a"] == 2.0  # the new one had landed whole
        if then == "run_cached" and STEPS[step] == "old":
            assert len(e3_calls) == calls_before  # restored, not recomputed
        assert (out / "figures" / "f.png").read_bytes() == b"png"
        assert leftovers(out.parent) == []

    fault.recovery(later, check)


@recovery
@pytest.mark.parametrize("then", ["load", "save"])
def test_kill_while_saving_a_new_folder_leaves_no_result(fault, then, tmp_path):
    out = tmp_path / "r"
    _kill_during_save(out, "1")
    assert not out.exists() and leftovers(tmp_path)

    def later():
        if then == "load":
            with pytest.raises(FileNotFoundError):
                load_result(out)
            return None
        return save_result(small_result(), out)

    fault.recovery(later, lambda _: (leftovers(tmp_path) == []) or pytest.fail(str(leftovers(tmp_path))))


@recovery
def test_an_older_dmm_edus_leftover_folder_is_restored(fault, tmp_path):
    """An older dmm_edu moved the whole folder to `.{name}.old-PID` and was killed before the new one landed."""
    save_result(small_result(value=1.0), tmp_path / "r")
    (tmp_path / "r" / "notes.txt").write_text("mine")
    aside = tmp_path / f".r.old-{dead_pid()}"
    os.replace(tmp_path / "r", aside)

    def check(result):
        assert result.metrics["a"] == 1.0 and (tmp_path / "r" / "notes.txt").read_text() == "mine"
        assert leftovers(tmp_path) == []

    fault.recovery(lambda: load_result(tmp_path / "r"), check)


@recovery
def test_an_older_dmm_edus_leftover_next_to_the_new_result_gives_back_user_files(fault, tmp_path):
    save_result(small_result(value=1.0), tmp_path / "r")
    aside = tmp_path / f".r.old-{dead_pid()}"
    aside.mkdir()
    (aside / METRICS_FILE).write_text("{}")
    (aside / "figures").mkdir()
    (aside / "figures" / "f.png").write_bytes(b"png")

    def check(_):
        assert (tmp_path / "r" / "figures" / "f.png").read_bytes() == b"png" and leftovers(tmp_path) == []
        assert load_result(tmp_path / "r").metrics["a"] == 1.0

    fault.recovery(lambda: recover(tmp_path / "r"), check)


@recovery
def test_a_running_saves_leftovers_are_left_alone(fault, tmp_path):
    save_result(small_result(value=1.0), tmp_path / "r")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        aside = tmp_path / f".r.old-{sleeper.pid}"
        aside.mkdir()
        part = tmp_path / f".r.part-{sleeper.pid}-abcd1234"
        part.mkdir()
        fault.recovery(lambda: load_result(tmp_path / "r"),
                       lambda _: (aside.is_dir() and part.is_dir()) or pytest.fail("a live save's folder was touched"))
    finally:
        sleeper.kill()
        sleeper.wait()


@recovery
def test_a_result_saved_by_format_2_loads(fault, tmp_path):
    """The record carries the current format and loads back whole (the counterpart of `format older`)."""
    save_result(small_result(), tmp_path / "r")
    fault.recovery(lambda: json.loads((tmp_path / "r" / METRICS_FILE).read_text()),
                   lambda record: (record["format"] == FORMAT and dataclasses.is_dataclass(load_result(tmp_path / "r")))
                   or pytest.fail())
