"""The interactive figures as a reader's browser runs them: offline, every control live, every label true.

Headless Chromium (tests/interactive_probe.py) loads each chapter of the smoke-profile site that
holds an interactive figure and, for every figure:
- it draws (data-state "ready") from the site served over HTTP and from file://, with no script
  error and no request outside the site (Chromium resolves no other host);
- every control changes the drawn pixels when moved, and a copy of the control without its
  listeners (the negative control) changes nothing: the comparison can see a change and can see none;
- E1-scrub's labels equal the E1 result at the positions the probe moved to.
The data exported for the figures equals the results: tests/test_interactive_export.py.
Skipped where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from interactive_probe import CHROMIUM, chromium, outside, probe, script_errors, serve
from test_book import build_smoke_site

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = build_smoke_site(tmp_path_factory)
    base, stop = serve(site)
    yield site, base
    stop()


def figures_on_pages(site: Path) -> dict[str, list[str]]:
    """{page: [figure names]} of every page of the site that shows an interactive figure."""
    out = {}
    for index in sorted(site.rglob("index.html")):
        names = re.findall(r'class="dmm-interactive"[^>]*data-name="([\w.-]+)"|data-name="([\w.-]+)"[^>]*class="dmm-interactive"',
                           index.read_text(encoding="utf-8"))
        names = [a or b for a, b in names]
        if names:
            out[str(index.parent.relative_to(site)) + "/"] = names
    return out


@pytest.fixture(scope="module")
def pages(server):
    site, _ = server
    found = figures_on_pages(site)
    assert found, "no page of the site shows an interactive figure"
    return found


@pytest.fixture(scope="module")
def driven(server, pages) -> dict:
    """{(page, figure): (what the probe recorded moving every control, Chromium's log)}: one browser per figure."""
    _, base = server
    return {(page, name): probe(base, page, name, [{"auto": True}]) for page, names in pages.items() for name in names}


def test_every_figure_draws_offline_without_errors_or_outside_requests(server, driven):
    _, base = server
    for (page, name), (data, log) in driven.items():
        assert data["state"] == "ready", f"{page}: figure {name} did not draw (state {data['state']!r})"
        assert data["steps"][0]["canvases"], f"{page}: figure {name} drew no canvas"
        assert not outside(data["resources"], base), f"{page}: requests outside the site: {outside(data['resources'], base)}"
        assert not script_errors(log), f"{page}: {script_errors(log)}"


def test_every_figure_draws_from_file_urls(server, pages):
    site, _ = server
    for page in pages:
        dom, log = chromium((site / page / "index.html").resolve().as_uri())
        states = re.findall(r'class="dmm-interactive"[^>]*data-state="(\w+)"|data-state="(\w+)"[^>]*class="dmm-interactive"', dom)
        states = [a or b for a, b in states]
        assert states and all(s == "ready" for s in states), f"{page} from file://: states {states}"
        # mkdocs-material's search cannot load its index from file:// (a known limit of the theme without
        # its offline plugin; the figures do not depend on it): every other script error fails
        errors = [line for line in script_errors(log) if "search_index" not in line]
        assert not errors, f"{page} from file://: {errors}"


def test_every_control_changes_the_frame_and_a_disconnected_copy_does_not(driven):
    for (page, name), (data, _) in driven.items():
        assert data.get("auto"), f"{page} {name}: the figure has no control"
        for control, run in data["auto"].items():
            before, moved, cut = run["before"], run["moved"], run["cut"]
            assert moved["controls"][control] != before["controls"][control], (page, name, control)
            assert moved["canvases"] != before["canvases"], f"{page} {name}: moving {control} changed no pixel"
            assert cut["controls"][control] == before["controls"][control]  # the copy did move back ...
            assert cut["canvases"] == moved["canvases"], f"{page} {name}: the disconnected {control} changed the frame"


def test_e1_scrub_labels_are_the_e1_result_at_each_position(server, pages):
    from dmm_edu.book import book_results

    _, base = server
    page = next(p for p, names in pages.items() if "E1-scrub" in names)
    result = book_results("smoke")["E1"]
    plan = [{"set": {"step": 0}}, {"set": {"step": 2}}, {"set": {"step": "last"}},
            {"set": {"recipe": "1", "seed": "1"}}, {"set": {"step": 1}}]
    data, _ = probe(base, page, "E1-scrub", plan)
    recipes = [g for g in result.metrics["groups"] if g.startswith("board_") and f"{g}_s0_scrub_steps" in result.arrays]
    for step in data["steps"][1:]:
        c = step["controls"]
        prefix = f"{recipes[int(c['recipe'])]}_s{int(c['seed'])}_scrub_"
        i = int(c["step"])
        shown = {k: float(v) for k, v in step["readout"].items()}
        assert shown["step"] == result.arrays[prefix + "steps"][i]
        for key, array in (("cling", "cling"), ("missing", "missing"), ("accuracy", "accuracy")):
            assert shown[key] == pytest.approx(result.arrays[prefix + array][i], rel=1e-3, abs=1e-6), (key, c)
    assert int(data["steps"][3]["controls"]["step"]) == int(data["steps"][3]["options"]["step"])  # "last" is the end
    # the slider reaches every scrub frame: its largest index is the last frame of the run shown
    assert int(data["steps"][3]["options"]["step"]) == len(result.arrays[f"{recipes[0]}_s0_scrub_steps"]) - 1
    assert np.all(np.diff(result.arrays[f"{recipes[0]}_s0_scrub_steps"]) > 0)
