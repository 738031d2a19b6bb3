"""Lecture decks: one slide per beat with the beat's note, offline in a real browser, clear errors, no half decks.

One deck (line_toy_2d, from the stored E1 smoke result, tiny frames) is built once. Its slides must be
the scene's beats, each with the note that beat was given (the title card's note on the first slide,
not shifted by one), and its PDF must have a page per slide. Headless Chromium opens the deck from
file:// after the folder is copied elsewhere, driven over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: fds 3 and 4, JSON messages ended by NUL; no package needed): pressing
ArrowRight must advance Reveal's slide index, every video must resolve to a file of the deck and
load, the speaker notes must be there, and no request may leave the machine (every URL requested
is logged; only file:// inside the deck and data: are allowed). Negative control: the same checks
catch a copy of the deck that loads a script from a CDN and misses a video. Errors: an unknown scene
and a missing manim-slides fail at once, saying how to fix it; a build interrupted midway leaves no
deck (and an older deck stays whole) under the final name.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from click.testing import CliRunner

pytest.importorskip("manim")
pytest.importorskip("manim_slides")

from dmm_edu import slides  # noqa: E402
from dmm_edu.animate import scene_class  # noqa: E402
from dmm_edu.cli import main  # noqa: E402
from dmm_edu.results import load_result  # noqa: E402
from frame_checks import CONTROL, SIZE  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENE = "line_toy_2d"
CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"{CHROMIUM} not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def stored():
    return load_result(CONTROL / "E1-smoke")


@pytest.fixture(scope="module")
def deck(stored, tmp_path_factory):
    here, base = Path.cwd(), tmp_path_factory.mktemp("decks")
    os.chdir(base)  # a relative --out, as a lecturer types it
    try:
        return slides.build(SCENE, "low", "media/slides", result=stored, frame_size=SIZE, frame_rate=5,
                            step_seconds=0.2)
    finally:
        os.chdir(here)


def beat_notes(result) -> list[str]:
    """The note each beat() of the scene is given, in order, from a dry run (no manim-slides involved)."""
    from manim import tempconfig

    from animations._common import configured

    given: list[str] = []
    cls = configured(scene_class(SCENE), result=result, step_seconds=0.2,
                     next_slide=lambda self, notes="": given.append(notes))
    with tempfile.TemporaryDirectory() as media, tempconfig({
            "media_dir": media, "dry_run": True, "disable_caching": True, "verbosity": "ERROR",
            "progress_bar": "none", "frame_size": SIZE, "frame_rate": 5}):
        cls().render()
    return given


# --- the deck's content ------------------------------------------------------------------------------

def test_a_slide_per_beat_with_the_note_of_that_beat(deck, stored):
    expected = beat_notes(stored)
    assert len(expected) >= 5 and all(expected), "every beat of the scene carries a note"
    notes = list(deck.notes)
    # the slides after the last beat (animations after it, if any) carry no note
    assert notes[:len(expected)] == expected and all(n == "" for n in notes[len(expected):]) and \
        len(notes) <= len(expected) + 1, (notes, expected)
    assert notes[0].startswith("E1, default recipe") and notes[1].startswith("init"), "the title card's note is on slide 1"
    record = json.loads((deck.folder / "deck.json").read_text())
    assert record["content_hash"] == stored.content_hash() and record["scene"] == SCENE
    assert [s["notes"] for s in record["slides"]] == notes
    assert all((deck.folder / s["video"]).is_file() for s in record["slides"])
    pages = re.findall(rb"/Type\s*/Page\b", deck.pdf.read_bytes())
    assert len(pages) == len(notes), "the PDF has one page per slide"


def test_the_html_names_no_remote_asset_and_the_vendored_files_it_needs_are_there(deck):
    html = deck.html.read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the deck links a remote asset"
    linked = re.findall(r"(?:src|href)=\"(revealjs/[^\"]+)\"", html)
    assert {"revealjs/dist/reveal.js", "revealjs/dist/plugin/notes.js", "revealjs/dist/plugin/markdown.js"} <= set(linked)
    assert all((deck.folder / path).is_file() for path in linked), linked
    assert (deck.folder / "revealjs" / "LICENSE").is_file()


def test_the_vendored_revealjs_is_the_recorded_version_and_holds_what_the_template_loads():
    import importlib.util

    from manim_slides import templates

    spec = importlib.util.spec_from_file_location("vendor_revealjs", ROOT / "scripts" / "vendor_revealjs.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert slides.reveal_version() == script.VERSION
    template = (Path(templates.__file__).parent / "revealjs.html").read_text()
    needed = set(re.findall(r"\{\{ cdn_url \}\}/dist/([\w./-]+)", template))  # e.g. theme/{{ reveal_theme }}
    needed = {"theme/black.css" if p == "theme/" else p for p in needed}  # the deck's theme: manim-slides' default
    assert "reveal.js" in needed and "plugin/notes.js" in needed
    assert [p for p in needed if not (slides.VENDOR / p).is_file()] == []


# --- in a browser, offline ---------------------------------------------------------------------------

class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe: fd 3 reads commands, fd 4 writes replies."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--mute-audio",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--autoplay-policy=no-user-gesture-required"]

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="dmm-chromium-")
        to_chrome, from_chrome = os.pipe(), os.pipe()  # (read, write) each

        def child():  # fds 3 and 4 in the browser; dup first so the two dup2 cannot overwrite each other
            a, b = os.dup(to_chrome[0]), os.dup(from_chrome[1])
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([CHROMIUM, *self.FLAGS, f"--user-data-dir={self.profile}",
                                      "--remote-debugging-pipe", "about:blank"], pass_fds=(3, 4),
                                     preexec_fn=child, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome[0])
        os.close(from_chrome[1])
        self.w, self.r = to_chrome[1], from_chrome[0]
        self.n, self.events, self.buf = 0, [], b""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Network", "Page", "Runtime"):
            self.send(f"{domain}.enable", self.session)

    def _message(self) -> dict:
        while b"\0" not in self.buf:
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buf += chunk
        message, self.buf = self.buf.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self.n += 1
        os.write(self.w, json.dumps({"id": self.n, "method": method, "params": params,
                                     **({"sessionId": session} if session else {})}).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self.n:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def js(self, expression: str):
        reply = self.send("Runtime.evaluate", self.session, expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, seconds: float = 20.0):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if value := self.js(expression):
                return value
            time.sleep(0.1)
        raise TimeoutError(expression)

    def press(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", self.session, type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def failed(self) -> list[str]:
        ids = {e["params"]["requestId"] for e in self.events if e.get("method") == "Network.loadingFailed"}
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent" and e["params"]["requestId"] in ids]

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        os.close(self.w)
        os.close(self.r)
        shutil.rmtree(self.profile, ignore_errors=True)


def local_file(url: str, folder: Path) -> Path | None:
    """The file a file:// URL names, if it lies inside `folder`; else None."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path))
    return path if path.resolve().is_relative_to(folder.resolve()) else None


def present(folder: Path) -> dict:
    """Open folder/index.html from file://, press ArrowRight, and report what a lecturer would see."""
    browser = Chromium()
    try:
        browser.send("Page.navigate", browser.session, url=(folder / "index.html").as_uri())
        browser.wait_for("typeof Reveal !== 'undefined' && Reveal.isReady()")
        before = browser.js("Reveal.getIndices().h")
        notes_first = browser.js("Reveal.getSlideNotes()")
        browser.press("ArrowRight", 39)
        browser.wait_for("Reveal.getIndices().h !== 0", 5)
        after = browser.js("Reveal.getIndices().h")
        report = {
            "index": (before, after), "total": browser.js("Reveal.getTotalSlides()"),
            "notes": (notes_first, browser.js("Reveal.getSlideNotes()")),
            "backgrounds": browser.js("Array.from(document.querySelectorAll('section[data-background-video]'))"
                                      ".map(s => new URL(s.dataset.backgroundVideo, document.baseURI).href)"),
            # every video element once each has loaded or given up (networkState 3: no source it could load)
            "videos": browser.wait_for(
                "(() => { const all = Array.from(document.querySelectorAll('video'));"
                " return all.every(v => v.readyState >= 1 || v.error || v.networkState === 3) &&"
                " all.map(v => ({src: v.currentSrc, sources: Array.from(v.querySelectorAll('source')).map(s => s.src),"
                " ready: v.readyState, error: v.error ? v.error.code : null})); })()"),
        }
        time.sleep(0.5)  # late requests (fonts, the next slides' videos) into the log
        browser.js("1")
        report["requests"], report["failed"] = browser.requests(), browser.failed()
        return report
    finally:
        browser.close()


def problems(report: dict, folder: Path) -> list[str]:
    """What keeps a deck from presenting offline, in words."""
    out = []
    if not report["index"][1] > report["index"][0]:
        out.append(f"ArrowRight did not advance the slide: {report['index']}")
    for url in report["backgrounds"] + [s for v in report["videos"] for s in [v["src"], *v["sources"]]]:
        file = local_file(url, folder)
        if file is None or not file.is_file():
            out.append(f"video {url} is not a file of the deck")
    out += [f"video {v['src'] or v['sources']} did not load (error {v['error']})" for v in report["videos"]
            if v["error"] or v["ready"] < 1]
    for url in report["requests"]:
        host = urlparse(url).hostname
        if not (url.startswith("data:") or local_file(url, folder) or host == "127.0.0.1"):
            out.append(f"requested {url[:100]}")
    out += [f"failed to load {url[:100]}" for url in report["failed"]]
    return out


@pytest.fixture(scope="module")
def moved(deck, tmp_path_factory):
    """The deck folder copied to another path: everything it loads must come from the copy."""
    target = tmp_path_factory.mktemp("elsewhere") / "copied deck"
    shutil.copytree(deck.folder, target)
    return target


@pytest.mark.slow
@needs_chromium
def test_the_deck_presents_offline_from_a_copied_folder(moved, deck):
    report = present(moved)
    assert problems(report, moved) == []
    assert report["total"] == len(deck.notes)
    assert len(report["videos"]) >= 2, "the first slides' video elements were not created"
    assert deck.notes[0][:40] in report["notes"][0] and deck.notes[1] in report["notes"][1], report["notes"]
    assert any(local_file(u, moved) and u.endswith("/revealjs/dist/reveal.js") for u in report["requests"])


@pytest.mark.slow
@needs_chromium
def test_negative_control_a_cdn_script_and_a_missing_video_are_caught(moved, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(moved, broken)
    html = broken / "index.html"
    html.write_text(html.read_text().replace(
        "</head>", '<script src="https://cdn.jsdelivr.net/npm/reveal.js@6.0.2/dist/plugin/zoom.js"></script></head>'))
    second = json.loads((broken / "deck.json").read_text())["slides"][1]["video"]
    (broken / second).unlink()
    found = problems(present(broken), broken)
    assert any("requested https://cdn.jsdelivr.net" in p for p in found), found
    assert any(second in p for p in found), found


# --- clear errors, no half decks -------------------------------------------------------------------

def test_an_unknown_scene_fails_at_once_naming_the_scenes(tmp_path):
    outcome = CliRunner().invoke(main, ["slides", "build", "no_such_scene", "--out", str(tmp_path)])
    assert outcome.exit_code == 2 and "'no_such_scene' is not a scene" in outcome.output and SCENE in outcome.output
    with pytest.raises(ValueError, match="scene"):
        slides.build("no_such_scene", out=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_manim_slides_fails_at_once_saying_how_to_install_it(tmp_path, monkeypatch):
    import dmm_edu.experiments.base as base

    monkeypatch.setitem(sys.modules, "manim_slides", None)  # what Python does with a module not installed: ImportError
    monkeypatch.setattr(base, "run_cached", lambda *a, **k: pytest.fail("ran an experiment before the check"))
    outcome = CliRunner().invoke(main, ["slides", "build", SCENE, "--out", str(tmp_path)])
    assert outcome.exit_code == 1 and 'pip install -e ".[slides]"' in outcome.output and "manim-slides" in outcome.output
    with pytest.raises(slides.SlidesNotInstalledError, match=r'pip install -e "\.\[slides\]"'):
        slides.build(SCENE, out=tmp_path)
    monkeypatch.undo()  # negative control: with it installed, the check passes
    slides.require_manim_slides()


@pytest.mark.parametrize("stop", [RuntimeError("the encoder died"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_a_build_that_fails_midway_leaves_no_deck_under_the_final_name(stored, tmp_path, monkeypatch, stop):
    def half_render(scene, quality, result, staging, *args):
        (staging / "videos").mkdir()
        (staging / "videos" / "0001.mp4").write_bytes(b"half a video")
        raise stop

    monkeypatch.setattr(slides, "_render_slides", half_render)
    with pytest.raises(type(stop)):
        slides.build(SCENE, out=tmp_path, result=stored, fresh=True)
    assert list(tmp_path.iterdir()) == [], "a half deck (or its scratch folder) was left behind"
    old = tmp_path / SCENE  # an older deck in place: a failed build leaves it whole
    old.mkdir()
    (old / "index.html").write_text("the older deck")
    (old / "deck.json").write_text(json.dumps({"scene": SCENE}))
    with pytest.raises(type(stop)):
        slides.build(SCENE, out=tmp_path, result=stored, fresh=True)
    assert [p.name for p in tmp_path.iterdir()] == [SCENE] and (old / "index.html").read_text() == "the older deck"


@pytest.mark.parametrize("planted", ["thesis.tex", "deck.json of another scene", "a file"])
def test_a_deck_folder_holding_what_a_deck_does_not_write_is_refused_before_any_work(tmp_path, monkeypatch, planted):
    import dmm_edu.experiments.base as base

    monkeypatch.setattr(base, "run_cached", lambda *a, **k: pytest.fail("ran an experiment before the check"))
    final = tmp_path / SCENE
    if planted == "a file":
        final.write_text("mine")
    else:
        final.mkdir()
        (final / "deck.json").write_text(json.dumps({"scene": "clinging_3d" if "another" in planted else SCENE}))
        if planted == "thesis.tex":
            (final / "thesis.tex").write_text("precious")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    outcome = CliRunner().invoke(main, ["slides", "build", SCENE, "--out", str(tmp_path), "--profile", "smoke"])
    assert outcome.exit_code == 1 and "Traceback" not in outcome.output, outcome.output
    assert str(final) in outcome.output and ("thesis.tex" in outcome.output or planted != "thesis.tex")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before  # nothing touched
    assert "choose another --out" in outcome.output


def test_an_earlier_deck_of_the_scene_or_an_empty_folder_may_be_rebuilt(tmp_path):
    final = tmp_path / SCENE
    slides.check_deck_folder(final, SCENE)  # nothing there
    final.mkdir()
    slides.check_deck_folder(final, SCENE)  # empty
    for name in ("index.html", f"{SCENE}.pdf"):
        (final / name).write_text("old")
    (final / "videos").mkdir()
    (final / "deck.json").write_text(json.dumps({"scene": SCENE}))
    slides.check_deck_folder(final, SCENE)  # an earlier deck of this scene: replaced whole by the build
    (final / "notes.txt").write_text("mine")  # negative control: one file of the user's and it is refused
    with pytest.raises(slides.DeckFolderError, match="notes.txt"):
        slides.check_deck_folder(final, SCENE)


def test_a_finished_build_replaces_the_older_deck_whole(tmp_path):
    final, staging = tmp_path / SCENE, tmp_path / f".{SCENE}-building-x"
    final.mkdir()
    (final / "stale.mp4").write_text("old")
    staging.mkdir()
    (staging / "index.html").write_text("new")
    slides._replace(staging, final)
    assert [p.name for p in tmp_path.iterdir()] == [SCENE]
    assert sorted(p.name for p in final.iterdir()) == ["index.html"], "the older deck's files were mixed in"


def test_the_same_deck_is_copied_from_the_cache_and_fresh_builds_again(deck, stored, tmp_path, monkeypatch):
    """The deck fixture's build is in the session's cache: the same build elsewhere is a copy of it (no
    render), whole and working; fresh=True renders."""
    def no_render(*args, **kwargs):
        raise AssertionError("rendered although the cache holds this deck")

    monkeypatch.setattr(slides, "_render_slides", no_render)
    copy = slides.build(SCENE, "low", tmp_path, result=stored, frame_size=SIZE, frame_rate=5, step_seconds=0.2)
    assert copy.notes == deck.notes and copy.html.read_text() == deck.html.read_text()
    assert sorted(p.relative_to(copy.folder) for p in copy.folder.rglob("*")) == \
        sorted(p.relative_to(deck.folder) for p in deck.folder.rglob("*"))
    with pytest.raises(AssertionError, match="rendered although"):
        slides.build(SCENE, "low", tmp_path / "fresh", result=stored, frame_size=SIZE, frame_rate=5,
                     step_seconds=0.2, fresh=True)
