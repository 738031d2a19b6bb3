"""Interactive figures: the book's saved results exported for plain JavaScript in the reader's browser.

A chapter shows an interactive figure with one line, `{{ interactive("E1-scrub") }}`
(docs/hooks/interactive.py). What the browser draws comes from two places:

- the data: `export(results, folder)` writes, for every figure of `FIGURES`, one script
  `folder/NAME.js` that sets `window.DMM_INTERACTIVE["NAME"] = {...}`: the numbers the figure
  shows, read from the same saved results as the static figures (never a separate run) by the
  figure's `build(results)` function. A script, not a JSON file, so that a page opened from
  `file://` can load it (browsers refuse `fetch` there). Grids of numbers travel as base64 of
  16-bit integers (`grid`), 2.7 bytes a value instead of about 8 as JSON text;
- the drawing: docs/assets/interactive/core.js (canvas, colours from the page's scheme, sliders,
  hover) and one script per figure beside it, hand-written, vendored nothing: no request leaves
  the page.

Exports are cached like the figures: a stamp beside them (`.NAME.stamp.json`) records the content
hashes of the results a figure read and the hash of this package's code; a figure is exported
again only when one of them changed, and each file is written to a temporary name and renamed into
place, so the folder never holds a half-written one. `SIZE_BUDGET` is the most a figure's data
may weigh (the book promises light pages); `export` fails above it.

Book page: "How to use this book" (interactive figures); test: tests/test_interactive_export.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dmm_edu.results import Result, code_hash

SIZE_BUDGET = 1_500_000  #: bytes: the most one figure's data script may weigh
GLOBAL = "DMM_INTERACTIVE"  #: the window property the data scripts fill
STAMP = ".{name}.stamp.json"  #: beside the exports: what a figure's data was exported from
FORMAT = "dmm_edu.interactive/1"  #: in every stamp: a change to the export format re-exports everything


@dataclass(frozen=True)
class Figure:
    name: str  #: "E1-scrub": the file name and the name a chapter uses
    experiments: tuple[str, ...]  #: the results it reads
    build: Callable[[dict[str, Result]], dict]  #: results -> the JSON-able data the browser draws
    title: str  #: what the figure shows, for its accessible label and the no-JavaScript note
    static: str  #: the static figure (docs/figures/generated/NAME.png) that shows the same runs in print


def grid(values, scale: float) -> dict:
    """An array for the browser: {"shape", "scale", "b64"}: round(values / scale) as little-endian
    int16 in base64; NaN is -32768. The browser reads value = int · scale (core.js `DMMI.grid`).

    ValueError when a finite value does not fit (|value| / scale > 32767): choose a larger scale.
    """
    a = np.asarray(values, dtype=np.float64)
    q = np.round(a / scale)
    finite = np.isfinite(q)
    if np.any(np.abs(q[finite]) > 32767):
        raise ValueError(f"scale={scale!r} is too small for values up to {np.nanmax(np.abs(a)):.4g}; "
                         "expected |value| / scale <= 32767")
    out = np.where(finite, q, -32768).astype("<i2")
    return {"shape": list(a.shape), "scale": scale, "b64": base64.b64encode(out.tobytes()).decode("ascii")}


def fitted_grid(values) -> dict:
    """`grid` at the scale that spends the int16 range on the largest |value| (with headroom: top / 30000);
    an array without a finite value gets scale 1/30000."""
    a = np.asarray(values, dtype=np.float64)
    top = float(np.nanmax(np.abs(a))) if np.any(np.isfinite(a)) else 1.0
    return grid(a, max(top, 1e-12) / 30000)


def ungrid(encoded: dict) -> np.ndarray:
    """The inverse of `grid` (NaN where it wrote -32768), as the browser reads it."""
    q = np.frombuffer(base64.b64decode(encoded["b64"]), dtype="<i2").astype(np.float64)
    return np.where(q == -32768, np.nan, q * encoded["scale"]).reshape(encoded["shape"])


def numbers(values, digits: int = 4) -> list:
    """A 1-D array as a JSON list rounded to `digits` significant figures; NaN and inf become None."""
    def one(v: float):
        v = float(v)
        if not math.isfinite(v):
            return None
        return float(f"{v:.{digits}g}")
    return [one(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def figures() -> dict[str, Figure]:
    """{name: Figure} of every interactive figure, in the book's order."""
    from dmm_edu.interactive import baseline, clinging, dimpling, mislabeled, on_off

    out = {}
    for module in (clinging, baseline, on_off, dimpling, mislabeled):
        for figure in module.FIGURES:
            out[figure.name] = figure
    return out


def data_script(name: str, data: dict) -> str:
    """The script that hands `data` to the browser: window.DMM_INTERACTIVE[name] = data."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return f"window.{GLOBAL}=window.{GLOBAL}||{{}};window.{GLOBAL}[{json.dumps(name)}]={text};\n"


def _key(figure: Figure, results: dict[str, Result], package: str) -> dict:
    return {"format": FORMAT, "code": package,
            "results": {e: results[e].content_hash() for e in figure.experiments}}


def export(results: dict[str, Result], folder: str | Path, names: list[str] | None = None) -> list[str]:
    """Write `folder/NAME.js` for the figures `names` (default: all) whose inputs changed; the names written.

    results: {experiment: Result}, holding at least every experiment the figures read (KeyError
    naming the missing one otherwise). ValueError when a figure's data passes SIZE_BUDGET.
    """
    every = figures()
    names = list(every) if names is None else names
    unknown = [n for n in names if n not in every]
    if unknown:
        raise KeyError(f"names={unknown} are not interactive figures; known: {sorted(every)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    package = code_hash("dmm_edu.interactive")
    written = []
    for name in names:
        figure = every[name]
        missing = [e for e in figure.experiments if e not in results]
        if missing:
            raise KeyError(f"interactive figure {name} reads {missing}, which are not among the results "
                           f"({sorted(results)})")
        key = _key(figure, results, package)
        stamp, target = folder / STAMP.format(name=name), folder / f"{name}.js"
        if target.is_file() and stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == key:
            continue
        data = figure.build(results)
        data["provenance"] = {e: {"profile": results[e].profile, "seed": results[e].seed,
                                  "content_hash": results[e].content_hash()[:12]} for e in figure.experiments}
        text = data_script(name, data)
        if len(text.encode()) > SIZE_BUDGET:
            raise ValueError(f"interactive figure {name}: its data is {len(text.encode()):,} bytes, over the "
                             f"budget of {SIZE_BUDGET:,} (dmm_edu.interactive.SIZE_BUDGET)")
        stamp.unlink(missing_ok=True)  # the stamp is written last: a crash between leaves no stale "current"
        _write_atomic(target, text)
        _write_atomic(stamp, json.dumps(key, sort_keys=True))
        written.append(name)
    return written


def read_export(path: str | Path) -> tuple[str, dict]:
    """(name, data) of a data script `export` wrote (for tests and for readers who want the numbers)."""
    text = Path(path).read_text(encoding="utf-8")
    head = f"window.{GLOBAL}=window.{GLOBAL}||{{}};window.{GLOBAL}["
    if not text.startswith(head):
        raise ValueError(f"path={str(path)!r} is not a data script of dmm_edu.interactive")
    name_json, _, rest = text[len(head):].partition("]=")
    return json.loads(name_json), json.loads(rest.rstrip().rstrip(";"))


def _write_atomic(path: Path, text: str) -> None:
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def digest(text: str) -> str:
    """A short content hash of a text (the hook versions the data scripts' URLs with it)."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]
