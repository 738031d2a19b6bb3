"""Building the book: run the experiments it quotes, draw its figures, render the site offline.

The book (an mkdocs-material site in docs/) shows nothing typed by hand: its numbers come from
`dmm_edu.claims` (measured ones from results, published ones from `dmm_edu.published`), its figures
from `dmm_edu.plots`; results are made once by `run_cached` and reused while the code is unchanged.
The mkdocs hooks (docs/hooks/) call the functions here; `dmm-edu book build` runs the experiments
first (with progress), then `mkdocs build --strict` in the same process, so that the hooks reuse the
results it loaded (`config_results`). A warm rebuild redoes only what changed: figures are redrawn
when their result or the plotting code changed, labs executed when their text, the results or the
code changed (`dmm_edu.book_cache`). The profile comes from $DMM_EDU_BOOK_PROFILE ("book" by default;
"smoke" for fast test builds). Book pages: "Reproducibility", "Predictions and checks".
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from dmm_edu import claims
from dmm_edu._checks import check_choice
from dmm_edu.book_pages import (  # noqa: F401  (the appendices' writers: the hooks and tests reach them as book.*)
    predictions_markdown,
    reproduce_command,
    reproducibility_markdown,
    runs_of,
)
from dmm_edu.experiments.registry import EXPERIMENTS
from dmm_edu.experiments.variants import overrides, parse_key
from dmm_edu.results import OutputFolderError, Result, prepare_folder

PROFILE_ENV = "DMM_EDU_BOOK_PROFILE"
VIDEOS_ENV = "DMM_EDU_BOOK_VIDEOS"  # read by docs/hooks/videos.py
PROFILES = ("smoke", "book")  #: "full" is for readers with time; the site is built from these
FIGURE_EXPERIMENTS = ("E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E8i", "E9", "E9i", "E10", "E11", "E12")  #: experiments whose figures the chapters show (docs/figures/generated/)
FIGURES_DIR = "figures/generated"  #: under docs_dir; gitignored, redrawn when a result or the plotting code changed
RESULTS_KEY = "dmm_edu_results"  #: where an mkdocs config carries the results of its build (`config_results`)
SITE_MARKER = ".dmm-edu-site"  #: written into every site folder `build` writes (hidden: mkdocs keeps it)
MKDOCS_SITE = ("index.html", "sitemap.xml", "search/search_index.json")  #: files every mkdocs site has


class BookBuildError(RuntimeError):
    """`mkdocs build --strict` failed; the message ends with its output."""


def book_profile() -> str:
    """The profile the book is built from: $DMM_EDU_BOOK_PROFILE, else "book"."""
    return check_choice(PROFILE_ENV, os.environ.get(PROFILE_ENV, "book"), PROFILES)


def lab_profile() -> str:
    """The profile a lab runs its experiments at: the book's while the site is being built
    ($DMM_EDU_BOOK_PROFILE, so the executed labs show the runs the chapters quote), else "smoke"
    (seconds: a reader running a downloaded lab)."""
    return check_choice(PROFILE_ENV, os.environ.get(PROFILE_ENV, "smoke"), PROFILES)


def book_experiments() -> dict[str, int]:
    """{run key: seed} of every run the book shows: the claims' experiments and the figures', and the
    variants the claims quote ("E6:cnn": `dmm_edu.experiments.variants`), each after its experiment."""
    needed = claims.experiments_for()
    for experiment in FIGURE_EXPERIMENTS:
        needed.setdefault(experiment, 0)
    order = list(EXPERIMENTS)  # the catalogue's order: E1 … E8, E8i, E9, …
    return dict(sorted(needed.items(), key=lambda kv: (order.index(parse_key(kv[0])[0]), kv[0])))


class BookResults(dict):
    """{run key: Result} of the first seed of each of the book's runs (what the figures, labs and
    interactive figures read; a run key is an experiment id, or a variant "E6:cnn"), with `runs`:
    {run key: {seed: Result}} of every seed the claims quote (`claims.seeds_for`: three at the `book`
    profile, one where a run repeats its seeds inside)."""

    def __init__(self, first: dict[str, Result], runs: dict[str, dict[int, Result]]):
        super().__init__(first)
        self.runs = runs


def book_runs(profile: str | None = None) -> dict[str, tuple[int, ...]]:
    """{run key: seeds} of every run the book makes at `profile` (default `book_profile()`)."""
    profile = check_choice("profile", profile or book_profile(), PROFILES)
    return {e: tuple(dict.fromkeys((seed, *claims.seeds_for(parse_key(e)[0], profile))))
            for e, seed in book_experiments().items()}


def book_results(profile: str | None = None, progress: Callable[[str], None] | None = None,
                 on_result: Callable[[str, Result], None] | None = None) -> BookResults:
    """The book's results at `profile` (default `book_profile()`), via `run_cached`: a `BookResults`.

    Cached runs are loaded here; the missing ones (every seed of `book_runs`) run in parallel
    processes within the thread policy (`dmm_edu.threads.pool`: one torch/BLAS thread per process,
    as many processes as cores), the longest first, so that the first build on two cores takes about
    as long as its longest chain of runs rather than their sum. Later builds read the cache until a
    dmm_edu source file changes. on_result(experiment, result): called in this process as the first
    seed's result of each experiment becomes available (the book build draws its figures there,
    while the other runs go on).
    """
    from concurrent.futures import as_completed

    from dmm_edu import threads
    from dmm_edu.experiments.base import load_cached, run_cached
    from dmm_edu.results.code import hashes_held

    profile = check_choice("profile", profile or book_profile(), PROFILES)
    seeds = book_runs(profile)

    def args(key: str, seed: int) -> tuple[tuple, dict]:  # run_cached's arguments for a run key
        return (parse_key(key)[0], profile, seed), overrides(key, profile)

    def load(key: str, seed: int) -> Result | None:
        a, kw = args(key, seed)
        return load_cached(*a, **kw)

    with hashes_held():  # one code hash per experiment, not per run
        runs: dict[str, dict[int, Result | None]] = {e: {s: load(e, s) for s in ss} for e, ss in seeds.items()}
    missing = sorted(((e, s) for e, by in runs.items() for s, r in by.items() if r is None),
                     key=lambda es: (-_expected_cost(es[0]), es[1]))

    def done(experiment: str, seed: int, result: Result) -> None:
        runs[experiment][seed] = result
        if on_result and seed == seeds[experiment][0]:
            on_result(experiment, result)

    executor = threads.pool(len(missing)) if missing else None
    futures = {}
    if executor is not None:
        futures = {executor.submit(run_cached, *args(e, s)[0], **args(e, s)[1]): (e, s) for e, s in missing}
        if progress:
            progress(f"running {len(missing)} runs of {', '.join(dict.fromkeys(e for e, _ in missing))} "
                     f"(profile {profile}) in {threads.workers(len(missing))} processes ...")
    try:
        for experiment, by in runs.items():
            cached = by[seeds[experiment][0]]
            if cached is not None and on_result:
                on_result(experiment, cached)
        if executor is None:
            for experiment, seed in missing:
                if progress:
                    progress(f"{experiment} (profile {profile}, seed {seed}) ...")
                a, kw = args(experiment, seed)
                done(experiment, seed, run_cached(*a, **kw))
        else:
            for future in as_completed(futures):
                experiment, seed = futures[future]
                result = future.result()
                if progress:
                    progress(f"{experiment} seed {seed} done ({result.provenance.get('duration_s', '?')} s)")
                done(experiment, seed, result)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    return BookResults({e: by[seeds[e][0]] for e, by in runs.items()}, runs)


#: the book's runs, longest first (one thread, `book` profile; measured): the pool starts these first
EXPECTED_COST = ("E1", "E9i:cnn", "E7:cnn", "E7:cnn-fashion", "E10", "E14", "E6:cnn", "E6:cnn-fashion", "E11", "E7",
                 "E12", "E9", "E7:fashion", "E8", "E9i", "E8i", "E6", "E5", "E13", "E4", "E6:fashion")


def _expected_cost(key: str) -> int:
    key = key if key in EXPECTED_COST else parse_key(key)[0]  # a variant not listed: as its experiment
    return len(EXPECTED_COST) - EXPECTED_COST.index(key) if key in EXPECTED_COST else 0


def draw_figures(results: dict[str, Result], docs_dir: str | Path) -> list[str]:
    """Draw the figures of FIGURE_EXPERIMENTS into docs_dir/figures/generated/ as `{id}-{name}.png`,
    those of each experiment only if its result or the plotting code changed since they were last
    drawn (`dmm_edu.book_cache.update_figures`); the experiments drawn."""
    from dmm_edu.book_cache import update_figures

    return update_figures(results, Path(docs_dir) / FIGURES_DIR, FIGURE_EXPERIMENTS)


def config_results(config) -> dict[str, Result]:
    """The results the mkdocs build of `config` quotes, loaded once per build and kept in the config.

    `build` puts the results it loaded there before mkdocs runs (in this process), so the hooks do
    not load them again; an mkdocs build started by hand (`mkdocs build`, `mkdocs serve`) loads them
    at its first hook that asks (`book_results()`, at $DMM_EDU_BOOK_PROFILE). Each build has its own
    config, so a rebuild under `mkdocs serve` never quotes the previous build's results.
    """
    if config.get(RESULTS_KEY) is None:
        config[RESULTS_KEY] = book_results()
    return config[RESULTS_KEY]


def prepare_site_dir(site_dir: str | Path) -> Path:
    """Check `site_dir` before a build (which empties it) and mark it as a site; its absolute path.

    Accepted: a new or empty folder, a site folder an earlier build wrote (it holds SITE_MARKER), or
    a folder holding an mkdocs site (every file of MKDOCS_SITE). Anything else raises
    OutputFolderError and is left untouched: `mkdocs build` would delete the files in it. The folder
    is created and proven writable before any experiment runs.
    """
    path = Path(site_dir)
    if path.is_dir() and any(path.iterdir()) and not (path / SITE_MARKER).is_file() \
            and not all((path / f).is_file() for f in MKDOCS_SITE):
        raise OutputFolderError(f"site_dir={str(site_dir)!r} holds files and is not a site that dmm-edu built (no "
                                f"{SITE_MARKER}); building would delete them. Choose an empty or new folder")
    path = prepare_folder(path, "site_dir")
    (path / SITE_MARKER).write_text("a site built by `dmm-edu book build`; the next build replaces this folder's "
                                    "content\n")
    return path


def build(profile: str = "book", site_dir: str | Path = "site", config_file: str | Path = "mkdocs.yml",
          progress: Callable[[str], None] | None = print, quiet: bool = False, videos: str | None = None) -> Path:
    """Run the book's experiments at `profile`, then `mkdocs build --strict` (in this process); the site folder.

    site_dir: checked first (`prepare_site_dir`): a folder of other files is refused, never emptied.

    quiet: capture mkdocs' output (it appears in the BookBuildError if the build fails). Any failure
        of the mkdocs build (a warning in strict mode, a hook's error, a lab that fails) is a BookBuildError.
    videos: a manim quality ("low", "medium", "high", "4k") to render the lecture animations the
        chapters embed (slow; needs manim); None shows their posters or static figures instead.
    """
    profile = check_choice("profile", profile, PROFILES)
    if videos is not None:
        from dmm_edu.animate import QUALITIES

        videos = check_choice("videos", videos, QUALITIES)
    config_file = Path(config_file).resolve()
    if not config_file.is_file():
        raise FileNotFoundError(f"config_file={str(config_file)!r} does not exist; run from the repository root "
                                "or pass the book's mkdocs.yml")
    site_dir = prepare_site_dir(site_dir)  # before any work: a folder of someone's files is refused
    os.environ[PROFILE_ENV] = profile  # book_results in this process reads it too, and the labs' kernels
    figures = _docs_dir(config_file) / FIGURES_DIR

    def draw(experiment: str, result: Result) -> None:  # while the other runs go on
        if experiment in FIGURE_EXPERIMENTS:
            from dmm_edu.book_cache import update_figures

            update_figures({experiment: result}, figures, [experiment])

    results = book_results(profile, progress=progress, on_result=draw)  # the hooks reuse them
    if progress:
        progress(f"mkdocs build --strict -> {site_dir}")
    env = {"NO_MKDOCS_2_WARNING": "1", **({VIDEOS_ENV: videos} if videos is not None else {})}
    with _environment(env), _chdir(config_file.parent), _mkdocs_output(quiet) as output:
        try:
            _mkdocs_build(config_file, site_dir, results)
        except Exception as err:  # noqa: BLE001  (mkdocs' own errors, and any a hook or plugin raised)
            text = output.getvalue() if output is not None else ""
            text += f"{type(err).__name__}: {err}"
            raise BookBuildError(f"mkdocs build --strict failed:\n{text[-6000:]}") from err
    return site_dir


def _docs_dir(config_file: Path) -> Path:
    """The docs folder `config_file` names (its `docs_dir:` line; mkdocs' default "docs")."""
    import re

    m = re.search(r"^docs_dir:\s*['\"]?([^'\"\s#]+)", config_file.read_text(encoding="utf-8"), re.MULTILINE)
    return config_file.parent / (m.group(1) if m else "docs")


def _mkdocs_build(config_file: Path, site_dir: Path, results: dict[str, Result]) -> None:
    """`mkdocs build --strict`, in this process: the hooks find `results` in the config (`config_results`)
    instead of loading them again, and nothing pays for a second interpreter's imports."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=True)
    config[RESULTS_KEY] = results
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """Set environment variables for a block (the mkdocs hooks read them), restoring them afterwards."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _chdir(folder: Path):
    """Run a block in `folder` (mkdocs resolves some configured paths from the working directory)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _mkdocs_output(quiet: bool):
    """mkdocs' log (INFO and up) on stderr, as its command line shows it; with `quiet`, that log and
    anything printed go to a buffer instead (yielded, for the error message; else None)."""
    logger = logging.getLogger("mkdocs")
    buffer = io.StringIO() if quiet else None
    handler = logging.StreamHandler(buffer if quiet else sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))
    level, logger.level = logger.level, logging.INFO
    logger.addHandler(handler)
    try:
        if quiet:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                yield buffer
        else:
            yield None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def make_server(site_dir: str | Path = "site", port: int = 8000, host: str = "127.0.0.1"):
    """A threading HTTP server for a built site folder (port 0: the OS picks one); not started."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(f"site_dir={str(site_dir)!r} holds no built site (index.html); build it first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(site_dir: str | Path = "site", port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve a built site folder over HTTP until interrupted (a plain static server, no rebuilds)."""
    with make_server(site_dir, port, host) as httpd:
        print(f"Serving {site_dir} at http://{host}:{httpd.server_address[1]}/ (Ctrl-C stops)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
