"""mkdocs hook: numbers, figures and the generated appendices, all drawn from saved results and sources.

on_pre_build takes the results the book uses at the profile in $DMM_EDU_BOOK_PROFILE (those
`dmm-edu book build` loaded, else loaded or computed here via run_cached: `book.config_results`)
and draws their figures into docs/figures/generated/, only those whose result or plotting code
changed since they were drawn (`book.draw_figures`). on_page_markdown
replaces `{{ claim("NAME") }}` with the claim's value (the median over the run's seeds, with their
range: `dmm_edu.claims.seeds`): a result claim links to the appendix entry
of the runs that made it (the tooltip names experiment, profile, seeds and code hash); a published
claim ("published.KEY") links to its source's bibliography entry (the tooltip names the source,
the table or figure, and the kind of source). `{{ seeds("A", "<", "B") }}` counts the seeds at which
claim A compares so with claim B (or a number): "2 of 3 seeds". `{{ reproducibility() }}` and `{{ predictions() }}`
become the two generated appendix tables. An unknown claim or a NaN metric fails the build.
The logic lives in dmm_edu.book and dmm_edu.claims; this file only wires it into mkdocs.
"""

from __future__ import annotations

import logging
import posixpath
import re

from mkdocs.exceptions import PluginError

from dmm_edu import book, claims

REPRODUCIBILITY = re.compile(r"\{\{\s*reproducibility\(\s*\)\s*\}\}")
PREDICTIONS = re.compile(r"\{\{\s*predictions\(\s*\)\s*\}\}")
APPENDIX = "appendix/reproducibility.md"
BIBLIOGRAPHY = "appendix/bibliography.md"

log = logging.getLogger("mkdocs.hooks.claims")

_results: dict = {}  # {experiment: Result} of each run's first seed
_runs: dict = {}  # {experiment: {seed: Result}}: every seed a claim's median and range read


def on_pre_build(config) -> None:
    try:
        _results.clear()
        _runs.clear()
        loaded = book.config_results(config)
        _results.update(loaded)
        _runs.update(book.runs_of(loaded))
        drawn = book.draw_figures(_results, config["docs_dir"])
        if drawn:
            log.info(f"figures drawn for {', '.join(drawn)} (the others are current)")
    except (ValueError, KeyError, FileNotFoundError) as err:
        raise PluginError(f"dmm_edu book: could not prepare results and figures: {err}") from err


def _title(text: str) -> str:
    return text.replace('"', "'")  # a Markdown link title sits between double quotes


def _claim_markup(name: str, page) -> str:
    try:
        _, text, prov = claims.resolve(name, _results, _runs or None)
    except KeyError as err:
        raise PluginError(f"{page.file.src_uri}: unknown claim {name!r}: {err.args[0]}") from None
    except ValueError as err:
        raise PluginError(f"{page.file.src_uri}: claim {name!r} cannot be quoted: {err}") from None
    here = posixpath.dirname(page.file.src_uri) or "."
    if claims.is_published(name):
        link = posixpath.relpath(BIBLIOGRAPHY, here)
        title = f"{prov['citation']} · {prov['where']} · {prov['kind']}"
        return f'[{text}]({link}#{prov["source"]} "{_title(title)}"){{ .dmm-claim .dmm-published }}'
    link = posixpath.relpath(APPENDIX, here)
    title = (f"{prov['run']} {prov['metric']} · profile {prov['profile']} · {prov['spread']}"
             f" · code {prov['code_hash'][:8]}")
    median, sep, spread = text.partition(" (")
    if sep:  # the range in its own span: inside a table cell it may go under its median (book.css)
        text = f'{median} <span class="dmm-range">({spread}</span>'
    return f'[{text}]({link}#{prov["anchor"]} "{_title(title)}"){{ .dmm-claim }}'


def _generated(pattern: re.Pattern, make, markdown: str, page, what: str) -> str:
    if not pattern.search(markdown):
        return markdown
    try:
        table = make(book.BookResults(dict(_results), dict(_runs)) if _runs else _results)
    except (KeyError, ValueError) as err:
        raise PluginError(f"{page.file.src_uri}: {what} table: {err}") from err
    return pattern.sub(lambda m: table, markdown)


def _seeds_markup(m, page) -> str:
    left, op, right = m.group(1), m.group(2), m.group(3) if m.group(3) is not None else float(m.group(4))
    try:
        count = claims.count_seeds(left, op, right, _runs or book.runs_of(_results))
    except (KeyError, ValueError) as err:
        raise PluginError(f"{page.file.src_uri}: {m.group(0)} cannot be counted: {err}") from None
    return f'<span class="dmm-seeds" title="{_title(count.detail())}">{count.text()}</span>'


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = claims.SEEDS_PATTERN.sub(lambda m: _seeds_markup(m, page), markdown)
    markdown = claims.PATTERN.sub(lambda m: _claim_markup(m.group(1), page), markdown)
    markdown = _generated(REPRODUCIBILITY, book.reproducibility_markdown, markdown, page, "reproducibility")
    return _generated(PREDICTIONS, book.predictions_markdown, markdown, page, "predictions")
