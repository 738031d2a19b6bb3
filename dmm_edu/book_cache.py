"""What a book build may reuse from the last one: its executed labs and its figures.

A warm rebuild (nothing changed) should cost seconds, not the minute it takes to start five
kernels and redraw two dozen figures. Both are pure functions of inputs that can be hashed:

- A lab (docs/labs/NAME.py, a jupytext script) is executed once into NAME.ipynb, kept in the
  dmm_edu cache folder (labs/, `notebook_path`) under a key made of the lab's text, the book's profile, the content hash
  of every result the book quotes (a lab may read any of them) and the whole dmm_edu source. Any
  of these changing executes it again; nothing else does. The notebook is written to a temporary
  file and renamed into place, so the cache never holds a half-written one. The labs still
  execute in a kernel at the book's profile (`dmm_edu.book.lab_profile`), several at once on a
  cold build, each kernel started with the thread policy's environment.
- The figures of an experiment are redrawn when its result's content hash, the plotting code
  (`code_hash("dmm_edu.plots")`) or the matplotlib version changed, or one of its files is missing:
  a stamp beside the figures (`.E1.stamp.json`, hidden: mkdocs does not publish it) records what
  they were drawn from, and is written only after every figure of the experiment was saved. Each
  figure is saved in the book's light and dark themes (`E1-cling.png`, `E1-cling.dark.png`), and
  the stamp records, per file, its width (in), its smallest text (pt) and its dpi: the book's
  figure hook (docs/hooks/figures.py) sizes each figure on the page from them.

Book page: "Reproducibility".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from dmm_edu.cache import cache_dir
from dmm_edu.results import Result, code_hash

LABS = "labs"  #: docs_dir/labs/*.py are the labs; the cache folder's labs/ holds their executed notebooks
KERNEL = "python3"  #: the kernel a lab executes in (this Python, via ipykernel)
STAMP = ".{experiment}.stamp.json"  #: beside the generated figures: what an experiment's figures were drawn from
ANSI = re.compile(r"\x1b\[[0-9;]*m")  #: colour codes in a cell's traceback: not for a log or an exception
NOTEBOOK_TOOLS = ("jupytext", "nbclient", "ipykernel", "nbconvert", "mkdocs-jupyter")  #: their versions are in the key
KEY_FORMAT = "dmm_edu.lab/1"  #: part of every lab key: a change to what the key covers changes every key


class LabError(RuntimeError):
    """A lab could not be executed (a cell raised, or the kernel died); the message names the lab."""


# ---------------------------------------------------------------------------------------- labs

def lab_sources(docs_dir: str | Path) -> list[Path]:
    """The book's labs: docs_dir/labs/*.py, sorted by name."""
    return sorted((Path(docs_dir) / LABS).glob("*.py"))


def lab_key(source: str | Path, profile: str, results: dict[str, Result], package_hash: str | None = None) -> str:
    """SHA-256 of what an executed lab shows: its text, the profile, the book's results, the dmm_edu code
    and the versions of the tools that execute and render it (`NOTEBOOK_TOOLS`).

    results: {experiment: Result}, all the book quotes (a lab may read any of them through `run_cached`).
    package_hash: `code_hash()` of the whole dmm_edu package, if already known (it reads every file).
    """
    h = hashlib.sha256()
    text = Path(source).read_bytes()
    h.update(f"{KEY_FORMAT}\0{KERNEL}\0{profile}\0{len(text)}\0".encode())
    h.update(text)
    for experiment in sorted(results):
        h.update(f"\0{experiment}={results[experiment].content_hash()}".encode())
    h.update(f"\0code={package_hash or code_hash()}".encode())
    for package in NOTEBOOK_TOOLS:
        h.update(f"\0{package}={_version(package)}".encode())
    return h.hexdigest()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "absent"


def notebook_path(source: str | Path, profile: str, key: str) -> Path:
    """Where the lab `source` executed under `key` is kept: cache/labs/NAME-PROFILE-KEY16/labs/NAME.ipynb.

    The file keeps the lab's name (it is what a reader downloads); the entry folder names the key and
    is laid out like docs/, so that mkdocs reads labs/NAME.ipynb from it as from the docs folder.
    """
    name = Path(source).stem
    return cache_dir() / LABS / f"{name}-{profile}-{key[:16]}" / LABS / f"{name}.ipynb"


def _entry(notebook: Path) -> Path:
    """The cache entry (folder) a notebook of `notebook_path` lies in."""
    return notebook.parent.parent


def write_notebook(nb, path: str | Path) -> Path:
    """Write the notebook `nb` to `path` atomically: into a temporary file beside it, renamed into place.

    A failure part-way (disk full, a crash) leaves no file at `path` and no temporary file behind.
    """
    import nbformat

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(part, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path


def lab_env(profile: str) -> dict[str, str]:
    """The environment a lab's kernel runs in: the thread policy's, with the book's profile."""
    from dmm_edu.book import PROFILE_ENV
    from dmm_edu.threads import worker_env

    return dict(worker_env(), **{PROFILE_ENV: profile})


async def _execute(source: Path, out: Path, profile: str, gate: asyncio.Semaphore) -> Path:
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(source)
    # the cache entry's name (lab, profile, key) in the notebook: its bytes, and so mkdocs-jupyter's
    # cache of its page, change with the key even where the outputs come out the same
    nb.metadata["dmm_edu"] = {"executed_as": _entry(out).name}
    client = NotebookClient(nb, kernel_name=KERNEL, allow_errors=False,
                            resources={"metadata": {"path": str(source.parent)}})
    async with gate:
        with tempfile.TemporaryFile() as log:  # the kernel's own messages: shown only if it fails
            try:
                await client.async_execute(env=lab_env(profile), stderr=log)
            except Exception as err:  # a cell raised (its traceback is in the message), the kernel died or did not start
                log.seek(0)
                tail = "" if isinstance(err, CellExecutionError) else log.read().decode(errors="replace")[-2000:].strip()
                message = ANSI.sub("", f"{type(err).__name__}: {err}") + (f"\nkernel log:\n{tail}" if tail else "")
                raise LabError(f"lab {source.name} failed while executing at profile {profile!r}: {message}") from err
    return write_notebook(nb, out)


async def _execute_all(jobs: list[tuple[Path, Path]], profile: str, n_workers: int) -> list[Path]:
    gate = asyncio.Semaphore(n_workers)
    done = await asyncio.gather(*(_execute(source, out, profile, gate) for source, out in jobs),
                                return_exceptions=True)  # the labs that succeed are kept when one fails
    for outcome in done:
        if isinstance(outcome, BaseException):
            raise outcome
    return done


def execute_labs(jobs: Iterable[tuple[str | Path, str | Path]], profile: str) -> list[Path]:
    """Execute each lab `source` into the notebook `out`, for (source, out) in `jobs`; the notebooks.

    The kernels (one process each) run side by side, at most `dmm_edu.threads.workers(len(jobs))` at
    a time, each with `lab_env(profile)`. LabError if a lab fails; its notebook is then not written
    (the others that finished are kept).
    """
    from dmm_edu.threads import workers

    jobs = [(Path(s), Path(o)) for s, o in jobs]
    if not jobs:
        return []
    run = functools.partial(asyncio.run, _execute_all(jobs, profile, workers(len(jobs))))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()  # the usual case: no event loop in this thread
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # called from a running loop (e.g. in Jupyter)
        return pool.submit(run).result()


def prepare_labs(docs_dir: str | Path, profile: str, results: dict[str, Result],
                 progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """{lab name: executed notebook} for every lab of docs_dir, executing only those whose key changed.

    A lab's older notebooks at the same profile are removed once its new one is written (another
    profile's are kept: smoke and book builds do not evict each other).
    """
    package_hash = code_hash()
    notebooks, todo = {}, []
    for source in lab_sources(docs_dir):
        out = notebook_path(source, profile, lab_key(source, profile, results, package_hash))
        notebooks[source.stem] = out
        if not out.is_file():
            todo.append((source, out))
    if not todo:
        return notebooks
    if progress:
        progress(f"executing {len(todo)} lab(s) at profile {profile}: {', '.join(s.stem for s, _ in todo)}")
    execute_labs(todo, profile)
    for source, out in todo:
        for old in _entry(out).parent.glob(f"{source.stem}-{profile}-*"):
            if old != _entry(out) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    return notebooks


# ------------------------------------------------------------------------------------- figures

def figure_stamp(result: Result, plots_hash: str | None = None) -> dict:
    """What the figures of `result` are drawn from (the stamp's content, less the file names)."""
    from importlib.metadata import version

    return {"experiment": result.experiment, "content_hash": result.content_hash(),
            "plots_code": plots_hash or code_hash("dmm_edu.plots"), "matplotlib": version("matplotlib")}


def figures_current(result: Result, out_dir: str | Path, plots_hash: str | None = None) -> bool:
    """Whether the figures of `result` in `out_dir` were drawn from it by today's plotting code:
    its stamp matches and every figure it lists exists."""
    stamp = read_stamp(out_dir, result.experiment)
    if stamp is None:
        return False
    files = stamp.pop("files")
    stamp.pop("figures")
    return stamp == figure_stamp(result, plots_hash) and all((Path(out_dir) / f).is_file() for f in files)


def read_stamp(out_dir: str | Path, experiment: str) -> dict | None:
    """The stamp of `experiment`'s figures in `out_dir` ({..., "files": [...], "figures": {file name:
    {"width_in", "min_font_pt", "dpi"}}}), or None where there is none this code wrote."""
    try:
        stamp = json.loads((Path(out_dir) / STAMP.format(experiment=experiment)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or not isinstance(stamp.get("files"), list) \
            or not isinstance(stamp.get("figures"), dict):
        return None
    return stamp


def update_figures(results: dict[str, Result], out_dir: str | Path, experiments: Iterable[str]) -> list[str]:
    """Draw the figures of each of `experiments` into `out_dir` unless they are current; the ones drawn.

    Every figure is saved in `dmm_edu.plots.BOOK_THEMES` (light and dark). The stamp is removed
    before drawing and written (atomically) after the last figure: a build interrupted half-way
    redraws that experiment next time.
    """
    out_dir = Path(out_dir)
    plots_hash = code_hash("dmm_edu.plots")
    drawn = []
    for experiment in experiments:
        result = results[experiment]
        if figures_current(result, out_dir, plots_hash):
            continue
        stamp_path = out_dir / STAMP.format(experiment=experiment)
        stamp_path.unlink(missing_ok=True)
        from dmm_edu.plots import BOOK_THEMES, save_figures  # matplotlib: only when a figure is drawn

        records: dict = {}
        files = [p.name for p in save_figures(result, out_dir, themes=BOOK_THEMES, records=records)]
        part = stamp_path.with_name(stamp_path.name + ".part")
        stamp = dict(figure_stamp(result, plots_hash), files=files, figures=records)
        part.write_text(json.dumps(stamp, indent=1), encoding="utf-8")
        os.replace(part, stamp_path)
        drawn.append(experiment)
    return drawn
