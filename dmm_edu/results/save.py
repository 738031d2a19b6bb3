"""Writing a result folder without losing anything: the output folder proven writable before the work,
the two result files swapped in by renames, and a crash at any point undone by the next save or load
(`recover`). Book page: "Reproducibility".
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from pathlib import Path

import numpy as np

from dmm_edu.results.load import _identity
from dmm_edu.results.record import (
    ARRAYS_FILE,
    FORMAT,
    METRICS_FILE,
    RESULT_FILES,
    OutputFolderError,
    Result,
    _jsonable,
)

def _resolve_out(out: str | Path, name: str, named: bool = True) -> Path:
    """`out` as an absolute path, symbolic links followed (a link to a folder is written through);
    `named`: refuse a path with no name of its own ("/"), which a result needs for its hidden siblings."""
    given = Path(out)
    path = Path(os.path.abspath(given))
    if named and path.name in ("", ".", ".."):
        raise OutputFolderError(f"{name}={str(given)!r} is not accepted; expected a folder with a name")
    if path.is_symlink():
        target = path.resolve()
        if not target.is_dir():
            raise OutputFolderError(f"{name}={str(given)!r} is a symbolic link to {str(target)!r}, which is "
                                    f"{'a file' if target.exists() else 'missing'}; expected a folder (create it, "
                                    "or remove the link)")
        return target
    return path


def _file_in_the_way(path: Path) -> str:
    """"; '/etc/passwd' is a file, ..." when an existing part of `path` is a file (why no folder can be made), else ""."""
    for part in (path, *path.parents):
        if os.path.lexists(part):
            return "" if part.is_dir() else f"; {str(part)!r} is a file, so no folder can be made under it"
    return ""


def _probe(folder: Path, name: str, given: str, hint: str = "") -> None:
    """Prove `folder` writable: create, write and remove a hidden file there; OutputFolderError if not."""
    probe = folder / f".dmm_edu-probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"dmm_edu")
        finally:
            os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass
        raise OutputFolderError(f"{name}={given!r}: cannot write in {str(folder)!r} ({exc.strerror or exc}); "
                                f"expected a folder you can write to{hint}") from exc


def prepare_folder(folder: str | Path, name: str = "folder", hint: str = "") -> Path:
    """Create `folder` (and its parents) and prove it writable; its absolute path. OutputFolderError
    (naming `name`, the value and what is accepted, then `hint`) for a file in the way or a folder that
    cannot be written."""
    given = str(folder)
    path = _resolve_out(folder, name, named=False)
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{name}={given!r} is a file; expected a folder{hint}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"{name}={given!r}: cannot create the folder ({exc.strerror or exc}"
                                f"{_file_in_the_way(path)}); expected a folder that can be created (no file in its "
                                f"path) and written{hint}") from exc
    _probe(path, name, given, hint)
    return path


def prepare_out_dir(out: str | Path, experiment: str | None = None, profile: str | None = None,
                    seed: int | None = None, force: bool = False, name: str = "out") -> Path:
    """Check that a result may be saved into `out` and prove it writable, before any work; the folder
    written into (absolute; a symbolic link's target).

    Accepted: a new folder (its parents are created), an empty one, or one holding a result of the
    same experiment, profile and seed (only its metrics.json and arrays.npz will be replaced). With
    `force`, also one holding another result or a damaged one. Never: a file, a folder of other
    files, a folder that cannot be written. Leftovers of an interrupted save are recovered first.
    OutputFolderError naming `name`, the value and what is accepted.
    """
    given = str(out)
    path = _resolve_out(out, name)
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{name}={given!r} is a file; expected a folder for the result")
    if path.parent.is_dir():
        try:
            recover(path)
        except OSError:
            pass  # an unwritable folder: the probe below says so
    kind, record = _identity(path)
    if kind == "foreign":
        raise OutputFolderError(f"{name}={given!r} exists and holds files that are not a dmm_edu result; choose "
                                "an empty or new folder (a result is never written among other files)")
    if kind == "damaged" and not force:
        raise OutputFolderError(f"{name}={given!r} holds a damaged dmm_edu result ({METRICS_FILE} unreadable); "
                                "pass --force (force=True) to replace it, or choose another folder")
    if kind == "result" and experiment is not None and not force:
        theirs = (record["experiment"], record["profile"], record["seed"])
        ours = (experiment, profile if profile is not None else theirs[1], seed if seed is not None else theirs[2])
        if (theirs[0].lower(), theirs[1], theirs[2]) != (ours[0].lower(), ours[1], ours[2]):
            raise OutputFolderError(
                f"{name}={given!r} holds the result of {theirs[0]} (profile {theirs[1]}, seed {theirs[2]}); this "
                f"run is {ours[0]} (profile {ours[1]}, seed {ours[2]}). Choose another folder, or pass --force "
                "(force=True) to replace it (only metrics.json and arrays.npz are replaced)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"{name}={given!r}: cannot create {str(path.parent)!r} ({exc.strerror or exc}"
                                f"{_file_in_the_way(path.parent)}); expected a path whose folders can be created "
                                "(no file in the way)") from exc
    _probe(path.parent, name, given)
    if path.is_dir():
        _probe(path, name, given)
    return path


# ---------------------------------------------------------------- interrupted saves
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:(?P<old>old)-(?P<pid>\d+)|part-(?:(?P<ppid>\d+)-[0-9a-f]+|[a-z0-9_]{8}))$")


def _alive(pid: int | None) -> bool:
    """True if another live process has this id (its save may still be running)."""
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _leftovers(out: Path) -> list[tuple[Path, str, int | None]]:
    """(path, "old" | "part", pid) of what interrupted saves to `out` left beside it (old ones first)."""
    try:
        names = os.listdir(out.parent)
    except OSError:
        return []
    found = []
    for entry in sorted(names):
        m = _LEFTOVER.match(entry)
        if m and m["name"] == out.name:
            pid = m["pid"] or m["ppid"]
            found.append((out.parent / entry, "old" if m["old"] else "part", int(pid) if pid else None))
    return sorted(found, key=lambda f: f[1] != "old")


def _move_back(old: Path, out: Path, replace_result_files: bool) -> None:
    """Move the entries of `old` into `out`, metrics.json last; with `replace_result_files` the earlier
    result's pair replaces whatever is in out, other entries only where out has none."""
    entries = sorted(os.listdir(old), key=lambda e: e == METRICS_FILE)
    for entry in entries:
        if entry in RESULT_FILES and not replace_result_files:
            continue
        if entry in RESULT_FILES or not os.path.lexists(out / entry):
            os.replace(old / entry, out / entry)


def recover(out: str | Path) -> list[str]:
    """Finish or undo what interrupted saves to `out` left beside it; what was done, one line each.

    A save moves the earlier result's files into `.{name}.old-PID` and writes the new ones in
    `.{name}.part-PID-…`. If `out` holds a metrics.json, a result is whole there (the old one, or
    the new one that landed): the aside copy is stale and removed (any file of the user's in it is
    moved back first). Otherwise the earlier result is moved back. A `.part-` folder never became the
    result and is removed. Leftovers of a save still running in another process are left alone.
    """
    out = Path(out)
    done = []
    for leftover, kind, pid in _leftovers(out):
        if _alive(pid) or not os.path.lexists(leftover):
            continue
        if kind == "old" and leftover.is_dir() and not leftover.is_symlink():
            if not os.path.lexists(out):  # an earlier dmm_edu moved the whole folder aside
                os.replace(leftover, out)
                done.append(f"restored {out} from {leftover.name}")
                continue
            if not out.is_dir():
                continue  # something else took the name since: leave the earlier result where it is
            whole = (out / METRICS_FILE).exists()
            _move_back(leftover, out, replace_result_files=not whole)
            done.append(f"{'removed' if whole else 'restored the earlier result from'} {leftover.name}")
        else:
            done.append(f"removed {leftover.name}")
        _remove(leftover)
    return done


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- saving
def _write_files(result: Result, folder: Path) -> None:
    """metrics.json and arrays.npz of `result` into the new folder `folder` (files follow the umask)."""
    arrays = {k: np.asarray(v) for k, v in result.arrays.items()}
    with open(folder / ARRAYS_FILE, "xb") as fh:
        np.savez_compressed(fh, **arrays)
    record = {"format": FORMAT, "experiment": result.experiment, "profile": result.profile,
              "seed": result.seed, "content_hash": result.content_hash(), "metrics": result.metrics,
              "config": result.config, "provenance": result.provenance}
    with open(folder / METRICS_FILE, "x") as fh:
        fh.write(json.dumps(record, indent=2, default=_jsonable) + "\n")


def save_result(result: Result, out: str | Path, force: bool = False) -> Path:
    """Write `result` to the folder `out`; the folder written (a symbolic link's target).

    `out` is checked as in `prepare_out_dir` (a foreign folder, another result without `force`, an
    unwritable place raise OutputFolderError and are left untouched). The result is written into a
    hidden sibling folder first; a new `out` is then put in place by one rename; into an earlier
    result only metrics.json and arrays.npz are swapped, so the other files there stay. A failed
    write (a full disk) raises OutputFolderError and leaves the earlier state; a crash at any point
    is undone by the next save or load (`recover`).

    metrics.json may hold NaN (a median over no successful attack, say): Python's json reads it.
    """
    out = prepare_out_dir(out, result.experiment, result.profile, result.seed, force=force)
    while True:
        part = out.with_name(f".{out.name}.part-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.mkdir(part)  # mode 0o777 less the umask (tempfile.mkdtemp would force 0o700)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputFolderError(f"out={str(out)!r}: cannot create {str(part)!r} ({exc.strerror or exc})") from exc
    try:
        _write_files(result, part)
        if not os.path.lexists(out):
            os.replace(part, out)  # one step: `out` appears whole or not at all
        else:
            _swap(part, out)
    except OSError as exc:
        _remove(part)
        raise OutputFolderError(f"out={str(out)!r}: could not save the result ({exc.strerror or exc}); nothing was "
                                "written under that name (an earlier result there is kept). Free some space or "
                                "choose another folder") from exc
    except BaseException:
        _remove(part)
        raise
    return out


def _swap(part: Path, out: Path) -> None:
    """Replace the result pair in the existing folder `out` by the one in `part`, then remove `part`.

    Steps (each a rename): metrics.json, then arrays.npz, of `out` into `.{name}.old-PID`; arrays.npz,
    then metrics.json, of `part` into `out`. So out/metrics.json exists exactly when a whole result is
    there, which is what `recover` relies on. A failure moves the earlier pair back.
    """
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if os.path.lexists(old):  # recover() could not clear it: it may hold an earlier result, so stop
        raise FileExistsError(17, "an interrupted save left the earlier result there; move its files back", str(old))
    os.mkdir(old)
    try:
        for name in RESULT_FILES:  # metrics.json first
            if os.path.lexists(out / name):
                os.replace(out / name, old / name)
        for name in reversed(RESULT_FILES):  # metrics.json last
            os.replace(part / name, out / name)
    except BaseException:
        try:
            _move_back(old, out, replace_result_files=True)
            _remove(old)
        except OSError:
            pass  # the next save or load restores it (recover)
        raise
    _remove(old)
    _remove(part)
