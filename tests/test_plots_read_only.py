"""Presentation reads, never recomputes: the figures (dmm_edu/plots/) and the scenes (animations/) only draw
saved results, and take every colour from the one palette (dmm_edu/palette.py).

Read from the source with `ast`, so nothing here needs matplotlib or manim: no module of plots/ or
animations/ imports a data world, a network, an attack, a geometry routine or an experiment, or calls
run_cached / run_experiment; none writes a colour of its own (a hex string, a grey level, a named
colour). Each checker has a negative control that it must catch.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRESENTATION = sorted([*(ROOT / "dmm_edu" / "plots").glob("*.py"), *(ROOT / "animations").glob("*.py")])

# what a picture must never use: worlds, networks, attacks, boundary measurement, projectors, experiments
FORBIDDEN_MODULES = ("dmm_edu.data", "dmm_edu.numpy_nn", "dmm_edu.torch_nn", "dmm_edu.attacks", "dmm_edu.boundary",
                     "dmm_edu.manifold", "dmm_edu.experiments", "dmm_edu.exercises", "torch")
FORBIDDEN_CALLS = ("run_cached", "run_experiment")

COLOUR_KEYWORDS = {"color", "colors", "colour", "c", "facecolor", "facecolors", "edgecolor", "edgecolors",
                   "markerfacecolor", "markeredgecolor", "fill_color", "stroke_color", "background_color", "fc", "ec"}
HEX = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?(?:[0-9A-Fa-f]{2})?\b")
MANIM_COLOUR_NAME = re.compile(r"^(?:PURE_|LIGHT_|DARK_|LIGHTER_|DARKER_)?(?:WHITE|BLACK|GR[AE]Y(?:_BROWN)?|RED|BLUE|"
                               r"GREEN|YELLOW|ORANGE|PURPLE|PINK|TEAL|GOLD|MAROON|BROWN)(?:_[A-E])?$")


def _forbidden_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def recomputation(source: str) -> list[str]:
    """What in `source` imports a forbidden module or calls run_cached / run_experiment: one line per finding."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if _forbidden_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(_forbidden_module(n) for n in names):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(a.name for a in node.names)}")
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in FORBIDDEN_CALLS]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {name}")
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and _forbidden_module(node.args[0].value):
                found.append(f"line {node.lineno}: imports {node.args[0].value} dynamically")
    return found


def own_colours(source: str) -> list[str]:
    """Colours written in `source` instead of taken from dmm_edu.palette: one line per finding."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HEX.search(node.value):
            found.append(f"line {node.lineno}: hex colour {HEX.search(node.value).group()!r}")
        elif isinstance(node, ast.keyword) and node.arg in COLOUR_KEYWORDS and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str) and node.value.value != "none":
            found.append(f"line {node.lineno}: {node.arg}={node.value.value!r}")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in COLOUR_KEYWORDS and isinstance(value, ast.Constant) \
                        and isinstance(value.value, str) and value.value != "none":
                    found.append(f"line {node.lineno}: {{{key.value!r}: {value.value!r}}}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ManimColor" \
                and node.args and isinstance(node.args[0], ast.Constant):
            found.append(f"line {node.lineno}: ManimColor({node.args[0].value!r})")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "manim":
            found += [f"line {node.lineno}: manim's colour {a.name}" for a in node.names
                      if MANIM_COLOUR_NAME.match(a.name)]
    return found


def test_there_is_something_to_check():
    names = {p.name for p in PRESENTATION}
    assert {"toys.py", "style.py", "slices.py", "_common.py", "clinging_3d.py", "line_toy_2d.py"} <= names


@pytest.mark.parametrize("path", PRESENTATION, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_figures_and_scenes_never_build_worlds_networks_or_runs(path):
    assert recomputation(path.read_text()) == []


@pytest.mark.parametrize("path", PRESENTATION, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_figures_and_scenes_take_their_colours_from_the_palette(path):
    assert own_colours(path.read_text()) == []


def test_the_recomputation_check_catches_each_kind():
    """Negative control: what E1's figure and scenes did before they read the saved points, and worse."""
    source = """
from dmm_edu.data.toys import chessboard, line_toy
from dmm_edu.experiments.base import run_cached
from dmm_edu import attacks
import torch.nn
import importlib
from dmm_edu.manifold import random_baseline
w = chessboard(8)
r = run_cached("E1", "smoke", 0)
s = base.run_experiment("E5")
m = importlib.import_module("dmm_edu.numpy_nn")
"""
    found = recomputation(source)
    for what in ("dmm_edu.data.toys", "from dmm_edu.experiments.base", "imports run_cached",
                 "from dmm_edu import attacks", "import torch.nn", "dmm_edu.manifold", "calls run_cached", "calls run_experiment",
                 "dmm_edu.numpy_nn dynamically"):
        assert any(what in line for line in found), (what, found)
    assert recomputation("from dmm_edu.results import load_result\nfrom dmm_edu import palette\nimport numpy\n") == []


def test_the_colour_check_catches_each_kind():
    """Negative control: colours written in place instead of read from the palette."""
    source = """
from manim import RED, BLUE_E, DOWN, Text
ax.plot(x, color="#0072b2")
ax.bar(x, h, edgecolor="black")
ax.axhline(1.0, color="0.3")
STYLE = {"color": "0.45", "linestyle": "--"}
c = ManimColor("#F4F4F4")
Dot().set_stroke("#000", width=2)
"""
    found = own_colours(source)
    for what in ("'#0072b2'", "edgecolor='black'", "color='0.3'", "'color': '0.45'", "ManimColor('#F4F4F4')",
                 "'#000'", "manim's colour RED", "manim's colour BLUE_E"):
        assert any(what in line for line in found), (what, found)
    assert not any("DOWN" in line or "Text" in line for line in found)
    assert own_colours('ax.plot(x, color=palette.ON)\nax.bar(x, facecolor="none")\n') == []


def test_the_palette_imports_nothing_and_names_each_quantity_once():
    import subprocess
    import sys

    code = ("import sys; import dmm_edu.palette; "
            "print(sorted(m for m in ('numpy', 'matplotlib', 'manim') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    from dmm_edu import palette

    assert len(set(palette.CYCLE)) == 8 and len(set(palette.CLASSES)) == len(palette.CLASSES)
    assert len({palette.FREE, palette.ON, palette.OFF}) == 3
    assert palette.SPACES == {"d_free": palette.FREE, "d_on": palette.ON, "d_off": palette.OFF}
    assert [palette.class_colour(y) for y in range(4)] == list(palette.CLASSES)
    for t, end in ((-1, palette.BELOW), (0, palette.MID), (1, palette.ABOVE), (7, palette.ABOVE)):
        assert tuple(palette.diverging_rgb(t)) == pytest.approx(palette.hex_to_rgb(end))
    with pytest.raises(ValueError, match="colour='red'"):
        palette.hex_to_rgb("red")


def test_the_figures_diverging_map_is_the_scenes_scale():
    """The same signed value gets the same colour in a figure (matplotlib colormap) and in a scene."""
    pytest.importorskip("matplotlib")
    import numpy as np

    from dmm_edu import palette
    from dmm_edu.plots import style

    t = np.linspace(-1, 1, 41)  # (41,)
    figure = style.DIVERGING_CMAP((t + 1) / 2)[:, :3]  # the colormap over [-vmax, vmax]
    np.testing.assert_allclose(figure, palette.diverging_rgb(t), atol=2 / 255)
