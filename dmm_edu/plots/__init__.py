"""The book's figures, each drawn from a saved experiment result and nothing else.

An experiment runs once and saves a result; a figure function takes that `Result` and returns a
`matplotlib.figure.Figure` (its own Agg canvas, no pyplot state: safe in threads, no display
needed). It never trains or attacks, nor rebuilds a world, a grid or a projector: what it draws is
in the result (tests/test_plots_read_only.py checks the imports). Colours: `dmm_edu.palette`.
`FIGURES[experiment][name]` is the registry;

    from dmm_edu.results import load_result
    from dmm_edu.plots import plot, save_figures
    fig = plot(load_result("results/e1"), "cling")
    save_figures("results/e1", "docs/figures")        # E1-snapshots.png, E1-cling.png, E1-margins.png
    save_figures("results/e1", "docs/figures", themes=("light", "dark"))  # and E1-cling.dark.png, …

`import dmm_edu` does not import this package (nor matplotlib); install the `plots` extra to use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from dmm_edu._checks import check_choice
from dmm_edu.plots import baseline, on_off, style, tilting, toys  # noqa: F401  (style: imports matplotlib)
from dmm_edu.plots import adversarial, on_off_images, training_curves
from dmm_edu.plots import images_training
from dmm_edu.plots import mislabeled_images, theme
from dmm_edu.plots import opening
from dmm_edu.results import Result, load_result, prepare_folder

FIGURES: dict[str, dict[str, Callable]] = {
    "E1": toys.FIGURES,
    "E2": tilting.FIGURES,
    "E3": baseline.E3_FIGURES,
    "E4": baseline.E4_FIGURES,
    "E5": on_off.FIGURES,
    "E6": {**on_off_images.E6_FIGURES, "opening": opening.FIGURE},
    "E7": on_off_images.E7_FIGURES,
    "E8": training_curves.FIGURES,
    "E8i": images_training.E8I_FIGURES,
    "E9": adversarial.E9_FIGURES,
    "E9i": images_training.E9I_FIGURES,
    "E10": mislabeled_images.E10_FIGURES,
    "E11": adversarial.E11_FIGURES,
    "E12": mislabeled_images.E12_FIGURES,
}
FORMATS = ("png", "svg", "pdf")
DPI = 200  #: sharp on a 2x screen: a 6.6 in figure is 1320 px, shown about 676 CSS px wide
BOOK_THEMES = ("light", "dark")  #: the book saves both: the page shows the one of its scheme


def _as_result(result) -> Result:
    """A Result, or the one saved in a folder (FileNotFoundError for no result there,
    dmm_edu.results.CorruptResultError, naming the folder and how to fix it, for a damaged one)."""
    if isinstance(result, Result):
        return result
    if isinstance(result, (str, Path)):
        return load_result(result)
    raise TypeError(f"result must be a dmm_edu Result or the folder of a saved one; got {type(result).__name__}")


def figure_names(experiment: str) -> list[str]:
    """The figure names registered for `experiment` ("E1" …); ValueError if it has none."""
    if experiment not in FIGURES:
        raise ValueError(f"experiment={experiment!r} has no figures; experiments with figures: {sorted(FIGURES)}")
    return list(FIGURES[experiment])


def plot(result: Result | str | Path, name: str | None = None):
    """The figure `name` of the result's experiment as a matplotlib Figure.

    result: a Result or the folder of a saved one. name: one of `figure_names(result.experiment)`;
    None gives the experiment's first (headline) figure.
    """
    result = _as_result(result)
    names = figure_names(result.experiment)
    name = names[0] if name is None else check_choice("name", name, names)
    return FIGURES[result.experiment][name](result)


def figure_record(fig, dpi: float) -> dict:
    """What a page needs to show a saved figure legibly: its width (in), its smallest text (pt,
    `style.text_sizes`; None for a figure without text) and the dpi it was saved at."""
    sizes = style.text_sizes(fig)
    return {"width_in": round(float(fig.get_figwidth()), 4), "min_font_pt": min(sizes) if sizes else None,
            "dpi": dpi}


def save_figures(result: Result | str | Path, out_dir: str | Path, fmt: str = "png", dpi: int = DPI,
                 themes: Sequence[str] = ("light",), records: dict | None = None) -> list[Path]:
    """Draw every figure of the result's experiment into `out_dir` as `{id}-{name}.{fmt}`; the paths written.

    themes: "light" (as drawn, `{id}-{name}.{fmt}`) and/or "dark" (recoloured for the book's dark
    scheme by `theme.to_dark`, `{id}-{name}.dark.{fmt}`); each figure is drawn once for all of them.
    A PNG carries its `figure_record` (width, smallest font, dpi) as text metadata; `records`, if
    given, receives {file name: figure_record} for every file written. `out_dir` is created and
    proven writable first (dmm_edu.results.OutputFolderError if it cannot be).
    """
    result = _as_result(result)
    fmt = check_choice("fmt", fmt, FORMATS)
    themes = _check_themes(themes)
    names = figure_names(result.experiment)
    out_dir = Path(out_dir)
    prepare_folder(out_dir, "out_dir")
    written = []
    for name in names:
        fig = FIGURES[result.experiment][name](result)
        record = figure_record(fig, dpi)
        metadata = {f"dmm_edu.{k}": str(v) for k, v in record.items()} if fmt == "png" else None
        for which in themes:  # light first: the dark recolouring changes the figure in place
            if theme.THEMES[which] is not None:
                theme.THEMES[which](fig)
            path = out_dir / f"{result.experiment}-{name}{theme.SUFFIXES[which]}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
            written.append(path)
            if records is not None:
                records[path.name] = record
    return written


def _check_themes(themes) -> tuple[str, ...]:
    if isinstance(themes, str) or not themes:
        raise ValueError(f"themes must be a non-empty sequence of {sorted(theme.THEMES)}; got {themes!r}")
    for which in themes:
        check_choice("themes", which, list(theme.THEMES))
    return tuple(sorted(set(themes), key=list(theme.THEMES).index))


__all__ = ["BOOK_THEMES", "DPI", "FIGURES", "FORMATS", "figure_names", "figure_record", "plot", "save_figures",
           "style", "theme"]
