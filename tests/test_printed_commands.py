"""Every command the README, the book and the CLI help print is run by this test.

The commands are collected from the sources, never listed by hand:

- README.md and docs/**/*.md: the fenced shell blocks (the "Reproduce this page" boxes included)
  and the inline code spans that start with `dmm-edu`;
- the generated appendix: `book.reproduce_command` for every run the book shows, and the
  `dmm-edu sweep` that remakes all its seeds;
- the videos hook: the command it prints under a figure whose animation is not rendered;
- `dmm-edu ... --help` of every command: its code spans and example lines;
- what dmm_edu itself prints or renders into the API pages: the string literals of dmm_edu/**/*.py.

Two tiers. `test_every_printed_command_parses` (fast) hands each printed `dmm-edu` command, as
printed, to the click command tree: a wrong flag, subcommand, choice or type fails there.
`test_printed_command_runs` (slow) runs each command in a subprocess, in a workspace that holds a
copy of mkdocs.yml and docs/ (like a checkout; with the figures the session's smoke site drew,
test_book.build_smoke_site), with DMM_EDU_CACHE in the session's temporary folder, whose results/ is
the run-wide results cache (tests/conftest.py): a run another test made is read, not repeated, and a
render, deck, lab or figure the session made is reused (each is keyed by everything it depends on).
Where the point of a command is that it parses and runs, not the size of what it computes, the run
uses smaller settings (the parse tier has checked the printed text itself):

- `--profile book` and `--profile full` become `--profile smoke`; a command whose --profile
  defaults to "book" (run, animate, book build, book serve) gets `--profile smoke`;
- a render quality (`--quality`, `--videos`, manim's -qm/-qh/-qk) becomes the lowest one;
- a variant's `--set` options as the book prints them (`dmm-edu run E7 --set model=cnn --set epochs=5
  --set n_attack=100`: a CNN at the book's size), or its changes alone (`--set model=cnn`), become the
  variant's smoke options (`dmm_edu.experiments.variants`: fewer attacked images and attack steps),
  the run the claims tests make;
- `dmm-edu sweep --seeds A:B` runs seeds A and A+1 (several seeds and their summary, the sweep's point);
- `book serve` gets `--port 0` (8000 may be taken) and `--no-build`, after the printed `book build`
  has made the site (the build is that command's test); it is stopped once it has served index.html;
- a command that names a result folder (`plot DIR`, `--result DIR`, $DMM_EDU_ANIM_RESULT) first runs
  the printed command that writes that folder;
- an ALL-CAPS placeholder in a help text (EXPERIMENT, DIR, NAME) gets a value that works offline;
- two printed forms of one run (a default spelled out, say) run once.

Only these are not run (they are still parsed): `data prefetch` of a set that must be downloaded
(the network), installs (pip, apt-get, a virtual environment) and `python -m pytest` (this suite).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import types
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from smoke_runs import run_cache
from test_book import copy_smoke_figures

from dmm_edu.cli import main
from dmm_edu.experiments.variants import VARIANTS, run_key, set_options

ROOT = Path(__file__).resolve().parent.parent
SHELL_LANGS = {"bash", "sh", "shell", "console"}  # a block without a language: only its `dmm-edu` lines
PLACEHOLDERS = {"EXPERIMENT": "E1", "DIR": "results/e1-placeholder", "RESULT": "results/e1-placeholder",
                "NAME": "mnist-bundled", "SCENE": "clinging_3d"}
OFFLINE_SETS = ("mnist-bundled", "fashion-mnist-bundled")
INSTALLS = ("pip", "pip3", "sudo", "apt-get", "apt", "conda")
TIMEOUT_S = 900


@dataclass
class Printed:
    """One printed command line: its words, and where it is printed."""

    text: str
    sources: list[str] = field(default_factory=list)

    @property
    def env_and_argv(self) -> tuple[dict[str, str], list[str]]:
        words = shlex.split(self.text)
        env = {}
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            key, value = words.pop(0).split("=", 1)
            env[key] = value
        return env, words

    @property
    def argv(self) -> list[str]:
        return self.env_and_argv[1]

    @property
    def kind(self) -> str:
        argv = self.argv
        if not argv:
            return "empty"
        if argv[0] == "dmm-edu":
            return "dmm-edu"
        if argv[0] == "manim":
            return "manim"
        if argv[0] in INSTALLS or argv[:3] in (["python3", "-m", "venv"], ["python", "-m", "venv"]) or \
                argv[0] in (".", "source"):
            return "install"
        if argv[:3] in (["python", "-m", "pytest"], ["python3", "-m", "pytest"]):
            return "pytest"
        return "other"


# ---------------------------------------------------------------- collecting


def _commands_of_block(body: str) -> list[str]:
    """The command lines of a shell block: prompts and comments dropped, && chains split."""
    lines = []
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"\s+#.*$", "", line)  # a trailing comment
        lines += [part.strip() for part in line.split("&&") if part.strip()]
    return lines


def _from_markdown(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    found = []
    fence = re.compile(r"^([ \t]*)```(\w*)[^\n]*\n(.*?)^\1```", re.S | re.M)
    for m in fence.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(2) in SHELL_LANGS:
            found += [(cmd, f"{rel}:{line}") for cmd in _commands_of_block(m.group(3))]
        elif m.group(2) == "":
            found += [(cmd, f"{rel}:{line}") for cmd in _commands_of_block(m.group(3)) if cmd.startswith("dmm-edu")]
    outside = fence.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for m in re.finditer(r"`(dmm-edu(?:\s[^`]*)?)`", outside):
        found.append((" ".join(m.group(1).split()), f"{rel}:{outside.count(chr(10), 0, m.start()) + 1} (inline)"))
    return found


def _from_appendix() -> list[tuple[str, str]]:
    from dmm_edu import book

    from dmm_edu.book_pages import sweep_command
    from dmm_edu.experiments.variants import parse_key

    found = [(cmd, "appendix/reproducibility (book.reproduce_command)")
             for key, seed in book.book_experiments().items()  # an experiment, or a variant ("E6:cnn")
             for cmd in _commands_of_block(book.reproduce_command(
                 types.SimpleNamespace(experiment=parse_key(key)[0], profile="book", seed=seed), key))]
    sweeps = [sweep_command(e, "book", list(seeds)) for e, seeds in book.book_runs("book").items()]
    return found + [(cmd, "appendix/reproducibility (book_pages.sweep_command)") for cmd in sweeps if cmd]


def _from_videos_hook(tmp: Path) -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("dmm_videos_hook", ROOT / "docs" / "hooks" / "videos.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    found = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        for name in re.findall(r"""\{\{\s*video\(\s*["']([^"']+)["']\s*\)\s*\}\}""", path.read_text(encoding="utf-8")):
            page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri=path.relative_to(ROOT / "docs").as_posix()),
                                         url="x/")
            markup = hook._markup(name, page, {"docs_dir": str(tmp)})  # no video rendered: the figure and its note
            found += [(m, f"docs/hooks/videos.py for {name!r}") for m in re.findall(r"`(dmm-edu [^`]*)`", markup)]
    return found


def _from_help() -> list[tuple[str, str]]:
    found = []

    def walk(cmd: click.Command, path: list[str]) -> None:
        ctx = click.Context(cmd, info_name=" ".join(path))
        text = cmd.get_help(ctx)
        where = f"`{' '.join(path)} --help`"
        found.extend((" ".join(m.split()), where) for m in re.findall(r"`(dmm-edu(?:\s[^`]*)?)`", text))  # wrapped
        for line in text.splitlines():  # example lines: "  dmm-edu run E1 ..." or "  $ dmm-edu ..."
            m = re.match(r"\s*(?:\$ )?(dmm-edu(?: .*)?)$", line)
            if m and not line.lstrip().startswith("Usage:"):
                found.append((re.sub(r"\s+#.*$", "", m.group(1)).strip(), where))
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(main, ["dmm-edu"])
    return found


def _from_package() -> list[tuple[str, str]]:
    """Code spans in the literal strings of dmm_edu (messages, docstrings the API pages render).
    f-strings are skipped: a span with a value filled in at run time is not a fixed command."""
    found = []
    for path in sorted((ROOT / "dmm_edu").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                for m in re.findall(r"`(dmm-edu(?:\s[^`{}]*)?)`", node.value):
                    found.append((" ".join(m.split()), f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"))
    return found


def collect(tmp: Path) -> list[Printed]:
    """Every printed command line, once, in the order first seen, with every place that prints it."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        found += _from_markdown(path)
    found += _from_appendix() + _from_videos_hook(tmp) + _from_help() + _from_package()
    commands: dict[str, Printed] = {}
    for text, where in found:
        commands.setdefault(text, Printed(text)).sources.append(where)
    return list(commands.values())


_COLLECTED: list[Printed] | None = None


def collected() -> list[Printed]:
    global _COLLECTED
    if _COLLECTED is None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            _COLLECTED = collect(Path(tmp))
    return _COLLECTED


def dmm_commands() -> list[Printed]:
    return [c for c in collected() if c.kind == "dmm-edu"]


# ---------------------------------------------------------------- parsing


def fill_placeholders(argv: list[str]) -> list[str]:
    """ALL-CAPS placeholders of a help text (EXPERIMENT, DIR, NAME...) replaced by values that work offline."""
    out = []
    for word in argv:
        if re.fullmatch(r"[A-Z][A-Z_]+(\.\.\.)?", word) and not re.fullmatch(r"E\d+I?", word):
            key = word.rstrip(".")
            assert key in PLACEHOLDERS, f"placeholder {word} has no value in PLACEHOLDERS; add one that works offline"
            word = PLACEHOLDERS[key]
        out.append(word)
    return out


def resolve(argv: list[str]) -> tuple[click.Command, str, list[str]]:
    """(command, its name, its own arguments) for `dmm-edu ARGS...`: subcommands followed through the groups."""
    assert argv[0] == "dmm-edu"
    cmd, name, rest = main, "dmm-edu", list(argv[1:])
    while isinstance(cmd, click.Group) and rest and not rest[0].startswith("-"):
        assert rest[0] in cmd.commands, f"{name} has no command {rest[0]!r}; it has {sorted(cmd.commands)}"
        cmd, name, rest = cmd.commands[rest[0]], f"{name} {rest[0]}", rest[1:]
    return cmd, name, rest


def parse(argv: list[str]) -> str:
    """Parse a dmm-edu command with click, as `dmm-edu` would, without running it.

    Returns "command", "reference" (a bare command name in prose, like `dmm-edu run`: its required
    arguments are missing) or "help"; raises click's error for anything click would refuse,
    except a path that must exist (the run tier makes it first).
    """
    cmd, name, rest = resolve(fill_placeholders(argv))
    if isinstance(cmd, click.Group) and not rest:
        return "reference"
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # --help and --version print
            cmd.make_context(name, rest)
    except click.exceptions.Exit:
        return "help"
    except click.MissingParameter:
        if not rest:
            return "reference"
        raise
    except click.BadParameter as exc:
        if isinstance(exc.param.type, click.Path) and "does not exist" in exc.format_message():
            return "command"
        raise
    return "reference" if isinstance(cmd, click.Group) else "command"


def test_the_collection_finds_the_commands_of_every_source():
    sources = {where.split(":")[0].split(" ")[0] for c in collected() for where in c.sources}
    texts = {c.text for c in collected()}
    assert {"README.md", "docs/lecturers.md", "docs/chapters/clinging.md", "docs/index.md",
            "appendix/reproducibility", "docs/hooks/videos.py", "`dmm-edu", "dmm_edu/tour.py"} <= sources
    assert "dmm-edu run E8i --profile book --seed 0 --out results/e8i-book" in texts  # a "Reproduce this page" box
    assert "dmm-edu tour --c 0.5" in texts  # what the tour prints
    assert "dmm-edu run E1 --profile smoke --out results/e1-smoke" in texts  # comment stripped
    assert len(dmm_commands()) >= 40


def test_every_printed_line_is_classified():
    other = [(c.text, c.sources) for c in collected() if c.kind in ("other", "empty")]
    assert not other, f"printed commands this test does not know how to check: {other}"


@pytest.mark.parametrize("printed", dmm_commands(), ids=lambda c: c.text[:80])
def test_every_printed_command_parses(printed):
    try:
        parse(printed.argv)
    except (click.ClickException, AssertionError) as exc:
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        pytest.fail(f"`{printed.text}` (printed in {', '.join(printed.sources)}) does not parse: {message}")


@pytest.mark.parametrize("text, error", [
    ("dmm-edu run E1 --profle smoke", r"No such option.*--profle"),
    ("dmm-edu run E1 --profile huge", r"'huge' is not one of"),
    ("dmm-edu animate clinging_3d --quality ultra", r"'ultra' is not one of"),
    ("dmm-edu data fetch mnist", r"has no command 'fetch'"),
    ("dmm-edu tour --seed -1", r"-1 is not in the range"),
])
def test_negative_control_a_broken_command_fails_to_parse(text, error):
    with pytest.raises((click.ClickException, AssertionError), match=error):
        parse(Printed(text).argv)


# ---------------------------------------------------------------- running


def _dmm_edu() -> str:
    script = Path(sys.executable).with_name("dmm-edu")
    return str(script) if script.exists() else shutil.which("dmm-edu")


def _replace_option(argv: list[str], option: str, value: str) -> list[str]:
    if option in argv:
        i = argv.index(option)
        return [*argv[: i + 1], value, *argv[i + 2:]]
    return [*argv, option, value]


def _variant_at_smoke(argv: list[str]) -> list[str]:
    """`dmm-edu run|sweep EXPERIMENT ... --set ...` with the `--set` options of one of the experiment's
    variants (at the book profile, or its own changes alone): the same command with that variant's
    smoke options instead."""
    sets = "".join(f" --set {argv[i + 1]}" for i, word in enumerate(argv[:-1]) if word == "--set")
    for name, variant in VARIANTS.get(argv[2], {}).items() if sets else ():
        key = run_key(argv[2], name)
        if sets in (set_options(key, "book"), "".join(f" --set {k}={v}" for k, v in variant.changes.items())):
            rest = [w for i, w in enumerate(argv) if w != "--set" and (i == 0 or argv[i - 1] != "--set")]
            return [*rest, *set_options(key, "smoke").split()]
    return argv


def for_running(printed: Printed) -> tuple[dict[str, str], list[str], str | None]:
    """(env, argv, why it is skipped or None) of the run: the substitutions of the module docstring."""
    env, argv = printed.env_and_argv
    if printed.kind == "install":
        return env, argv, "an install command (pip, apt-get, a virtual environment): not run by the tests"
    if printed.kind == "pytest":
        return env, argv, "runs this test suite itself"
    if printed.kind == "manim":
        return env, [("-ql" if re.fullmatch(r"-q[lmhpk]", w) else w) for w in argv], None
    argv = fill_placeholders(argv)
    cmd, name, rest = resolve(argv)
    if parse(argv) == "reference":
        return env, [*argv, "--help"], None
    if name == "dmm-edu data prefetch" and any(n not in OFFLINE_SETS for n in rest if not n.startswith("-")):
        return env, argv, "downloads a full dataset (the network)"
    option_names = {opt for p in cmd.params for opt in getattr(p, "opts", ())}
    if "--profile" in option_names:  # the smallest profile: the point is that the command parses and runs
        argv = _replace_option(argv, "--profile", "smoke")
    for option in ("--quality", "--videos"):
        if option in argv:
            argv = _replace_option(argv, option, "low")
    if name in ("dmm-edu run", "dmm-edu sweep"):
        argv = _variant_at_smoke(argv)
    if name == "dmm-edu book serve":
        argv = _replace_option(argv, "--port", "0")
    if name == "dmm-edu sweep" and "--seeds" in argv:  # two seeds: several, and their summary
        first = int(argv[argv.index("--seeds") + 1].split(":")[0])
        argv = _replace_option(argv, "--seeds", f"{first}:{first + 2}")
    return env, argv, None


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder laid out like a checkout (mkdocs.yml, docs/, links to dmm_edu/ and animations/), a cache,
    and the environment the commands run with."""
    base = tmp_path_factory.mktemp("printed")
    ws = base / "work"
    ws.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", ws / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", ws / "docs", ignore=shutil.ignore_patterns("generated", "__pycache__"))
    # the session's smoke site (test_book) has drawn the figures and executed the labs: the printed
    # `book build` finds both current (its own cold work is that site's build) and tests the rest
    copy_smoke_figures(tmp_path_factory, ws / "docs")
    for name in ("dmm_edu", "animations"):
        if (ROOT / name).exists():
            (ws / name).symlink_to(ROOT / name, target_is_directory=True)
    cache = Path(os.environ["DMM_EDU_CACHE"])  # the session's cache (conftest): its results/ is the run cache
    assert (cache / "results").resolve() == run_cache().resolve()
    env = dict(os.environ, DMM_EDU_CACHE=str(cache), MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    env.pop("DMM_EDU_BOOK_PROFILE", None)
    return types.SimpleNamespace(path=ws, env=env, done={})


def _producer(folder: str) -> Printed | None:
    """The printed `dmm-edu run ... --out folder` that writes `folder`."""
    for c in dmm_commands():
        argv = fill_placeholders(c.argv)
        if argv[1:2] == ["run"] and "--out" in argv and argv[argv.index("--out") + 1].rstrip("/") == folder.rstrip("/"):
            return c
    return None


def _folders_needed(env: dict, argv: list[str]) -> list[str]:
    needed = [env["DMM_EDU_ANIM_RESULT"]] if "DMM_EDU_ANIM_RESULT" in env else []
    if argv[:2] == ["dmm-edu", "plot"] and len(argv) > 2 and not argv[2].startswith("-"):
        needed.append(argv[2])
    if "--result" in argv:
        needed.append(argv[argv.index("--result") + 1])
    return needed


def run_printed(printed: Printed, ws) -> subprocess.CompletedProcess | str:
    """Run one printed command in the workspace (once per session); the finished process or why it was skipped."""
    env, argv, skip = for_running(printed)
    if skip:
        return skip
    for folder in _folders_needed(env, argv):
        if not (ws.path / folder).exists():
            producer = _producer(folder)
            assert producer is not None, f"`{printed.text}` needs {folder}, and no printed command writes it"
            before = run_printed(producer, ws)
            assert not isinstance(before, str) and before.returncode == 0, \
                f"`{producer.text}`, which writes {folder} for `{printed.text}`, failed"
    key = _run_key(env, argv, ws.path)  # two printed forms of one run (a default spelled out, a placeholder) run once
    if key in ws.done:
        return ws.done[key]
    if argv[:3] == ["dmm-edu", "book", "serve"]:
        build = next(c for c in dmm_commands() if c.argv == ["dmm-edu", "book", "build"])
        built = run_printed(build, ws)  # the build is the `book build` command's test; serve only serves here
        assert not isinstance(built, str) and built.returncode == 0, f"`{build.text}`, before `{printed.text}`, failed"
        proc = _serve_once([*argv, "--no-build"], {**ws.env, **env}, ws.path)
    else:
        exe = [_dmm_edu(), *argv[1:]] if argv[0] == "dmm-edu" else argv
        proc = subprocess.run(exe, cwd=ws.path, env={**ws.env, **env}, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    ws.done[key] = proc
    return proc


def _run_key(env: dict, argv: list[str], cwd: Path) -> tuple:
    """What a run does: the environment, the command and its parsed parameters (defaults filled in)."""
    if argv[0] != "dmm-edu" or "--help" in argv:
        return tuple(sorted(env.items())), tuple(argv)
    cmd, name, rest = resolve(argv)
    before = os.getcwd()
    os.chdir(cwd)  # paths that must exist are checked where the command runs
    try:
        params = cmd.make_context(name, rest).params
    finally:
        os.chdir(before)
    return tuple(sorted(env.items())), name, tuple(sorted((k, str(v)) for k, v in params.items()))


def _serve_once(argv: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """Start `book serve`, wait until it says where it serves, fetch index.html, stop it (Ctrl-C)."""
    proc = subprocess.Popen([_dmm_edu(), *argv[1:]], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines, page = [], ""
    try:
        for line in proc.stdout:  # the build's output, then "Serving SITE at http://127.0.0.1:PORT/"
            lines.append(line)
            m = re.search(r"Serving .* at (http://127\.0\.0\.1:\d+/)", line)
            if m:
                with urllib.request.urlopen(m.group(1), timeout=30) as response:
                    page = response.read().decode("utf-8", "replace")
                break
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, _ = proc.communicate()
    ok = "<html" in page.lower()
    return subprocess.CompletedProcess(argv, 0 if ok else (proc.returncode or 1), "".join(lines) + (rest or ""), "")


def _runnable() -> list[Printed]:
    return [c for c in collected() if c.kind in ("dmm-edu", "manim", "install", "pytest")]


@pytest.mark.slow
@pytest.mark.parametrize("printed", _runnable(), ids=lambda c: c.text[:80])
def test_printed_command_runs(printed, workspace):
    if printed.kind == "manim" and importlib.util.find_spec("manim") is None:
        pytest.skip("manim is not installed (the animations extra)")
    if printed.kind == "dmm-edu" and resolve(fill_placeholders(printed.argv))[1].startswith("dmm-edu animate") \
            and importlib.util.find_spec("manim") is None:
        pytest.skip("manim is not installed (the animations extra)")
    proc = run_printed(printed, workspace)
    if isinstance(proc, str):
        pytest.skip(proc)
    assert proc.returncode == 0, (f"`{printed.text}` (printed in {', '.join(printed.sources)}) ran as "
                                  f"`{' '.join(proc.args)}` and failed with exit {proc.returncode}:\n"
                                  f"{(proc.stdout or '')[-3000:]}\n{(proc.stderr or '')[-3000:]}")
