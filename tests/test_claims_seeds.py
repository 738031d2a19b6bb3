"""Claims over seeds: the median and range the book prints, the verdict over seeds, and the appendices that list every seed.

Fake results stand in for runs here (each test says what the numbers are); the book-profile checks
over real seeds are in test_claims.py.
"""

from __future__ import annotations

import pytest
from claim_fakes import fake_result

from dmm_edu import book, claims


def fake(metrics: dict, experiment: str = "E5", seed: int = 0):
    return fake_result(metrics, experiment, seed, profile="book")


def e5_runs(*values: float) -> dict:
    """E5 runs at seeds 0, 1, ... whose d_off/d_on at c = 2.5 is `values[seed]`."""
    return {"E5": {s: fake({"c2.5": {"d_off_over_d_on": v}}, seed=s) for s, v in enumerate(values)}}


NAME = "E5.c2_5.d_off_over_d_on"  # fmt {:.2f}, checked "< 0.85"


def test_the_book_runs_three_seeds_except_where_a_run_repeats_its_seeds_inside():
    assert claims.seeds_for("E5", "book") == (0, 1, 2)
    assert claims.seeds_for("E5", "smoke") == (0,)
    for experiment in claims.INTERNAL_SEEDS:
        assert claims.seeds_for(experiment, "book") == (0,)
    runs = book.book_runs("book")
    assert set(runs) == set(book.book_experiments())
    assert all(seeds[0] == 0 for seeds in runs.values())  # the first seed backs the figures
    assert all(len(runs[e]) >= 3 for e in runs if e not in claims.INTERNAL_SEEDS)


def test_the_value_is_the_median_and_the_text_gives_the_range():
    s = claims.spread(NAME, e5_runs(0.70, 0.50, 0.62))
    assert s.value == 0.62 and (s.low, s.high) == (0.50, 0.70)
    assert s.text() == "0.62 (0.50–0.70)"
    assert s.per_seed_text() == "0: 0.70, 1: 0.50, 2: 0.62"
    value, text, prov = claims.resolve(NAME, {}, e5_runs(0.70, 0.50, 0.62))
    assert (value, text) == (0.62, "0.62 (0.50–0.70)")
    assert prov["seeds"] == [0, 1, 2] and prov["values"] == [0.70, 0.50, 0.62]
    assert "median over seeds 0, 1, 2" in prov["spread"]


def test_a_range_within_the_digits_shown_is_not_printed_and_a_negative_range_reads_as_one():
    assert claims.spread(NAME, e5_runs(0.701, 0.699, 0.700)).text() == "0.70"
    assert "same at the digits shown" in claims.spread(NAME, e5_runs(0.701, 0.699, 0.700)).describe()
    assert claims.spread(NAME, e5_runs(-0.5, -0.42, -0.47)).text() == "-0.47 (-0.50 to -0.42)"
    assert claims.spread(NAME, e5_runs(0.3)).text() == "0.30"  # one seed: the value alone


def test_an_even_count_of_whole_numbers_keeps_a_whole_median():
    claim = claims.Claim("E5.count", "E5", ("n",), "{:d}", "a count")
    claims.register([claim])
    try:
        runs = {"E5": {s: fake({"n": n}, seed=s) for s, n in enumerate((3, 5, 4, 6))}}
        s = claims.spread("E5.count", runs)
        assert s.value == 4 and s.text() == "4 (3–6)"
    finally:
        del claims.CLAIMS["E5.count"]


def test_the_verdict_needs_every_seed():
    assert claims.spread(NAME, e5_runs(0.5, 0.6, 0.7)).verdict() == "yes"
    assert claims.spread(NAME, e5_runs(0.9, 0.95, 1.0)).verdict() == "no"
    undecided = claims.spread(NAME, e5_runs(0.5, 0.9, 0.7))
    assert undecided.verdict() == claims.UNDECIDED and undecided.held() == (True, False, True)
    # the median passes the check, yet the claim is not decided: the median alone would have said yes
    assert claims.check(undecided.claim, undecided.value)


def test_a_run_that_repeats_its_seeds_inside_reads_its_per_seed_list():
    claim = claims.get_claim("E1.B.cling_quarter_T")
    assert claim.per_seed == ("board_B", "cling_per_seed")
    fractions = [0.0, 0.1, 0.25, 1.0]
    board = {"cling_median": [1.0, 0.5, 0.2, 0.1], "cling_per_seed": [[1.0, 0.6, 0.1, 0.1], [1.0, 0.5, 0.2, 0.1],
                                                                      [0.9, 0.4, 0.4, 0.2]]}
    s = claims.spread(claim.name, {"E1": {0: fake({"fractions": fractions, "board_B": board}, "E1")}})
    assert s.internal and s.values == (0.1, 0.2, 0.4) and s.value == 0.2
    assert s.text() == "0.20 (0.10–0.40)" and "3 seeds inside one run" in s.describe()


def test_a_broken_per_seed_list_is_named():
    claim = claims.get_claim("E1.B.T_median")
    result = fake({"board_B": {"T_median": 100.0, "T_per_seed": "oops"}}, "E1")
    with pytest.raises(ValueError, match="T_per_seed.*per-seed values"):
        claims.spread(claim.name, {"E1": {0: result}})
    with pytest.raises(KeyError, match="needs a result of E5"):
        claims.spread(NAME, {"E1": {0: result}})


def _passing(claim) -> float:
    """A value that satisfies `claim.check` (or any value, for a claim without one)."""
    text = claim.check or ">= 0"
    if text.startswith("in ["):
        low, high = (float(x) for x in text[4:-1].split(","))
        return (low + high) / 2
    op, bound = text.split()
    return float(bound) + {"<": -1.0, "<=": 0.0, ">": 1.0, ">=": 0.0}[op]


def fill(key: str, seeds=(0, 1, 2), value=lambda claim, seed: _passing(claim)) -> dict:
    """{seed: Result} of the run key `key` (an experiment, or a variant "E6:cnn") whose metrics hold
    value(claim, seed) at every claim of it."""
    mine = [c for c in claims.CLAIMS.values() if c.run_key == key]
    experiment = key.split(":")[0]
    out = {}
    for seed in seeds:
        metrics: dict = {}
        for claim in mine:
            node = metrics
            for key in claim.metric[:-1]:
                node = node.setdefault(key, {})
            v = value(claim, seed)
            if claim.at is None:
                node[claim.metric[-1]] = v
            else:  # a list read at the index where metrics[list key] is the target
                axis = metrics.setdefault(claim.at[0], [])
                if claim.at[1] not in axis:
                    axis.append(claim.at[1])
                row = node.setdefault(claim.metric[-1], [])
                row.extend([0.0] * (len(axis) - len(row)))
                row[axis.index(claim.at[1])] = v
        for claim in mine:  # lists read at several targets: every list as long as its axis
            if claim.at is not None:
                node = metrics
                for key in claim.metric:
                    node = node[key]
                node.extend([0.0] * (len(metrics[claim.at[0]]) - len(node)))
        out[seed] = fake(metrics, experiment, seed)
    return out


def test_the_predictions_page_says_not_decided_when_the_seeds_disagree():
    checked = [c for c in claims.CLAIMS.values() if c.check is not None]
    # every checked claim passes at every seed but E5's d_off/d_on at c = 2.5, which fails at seed 1
    runs = {key: fill(key, value=lambda c, seed: 0.9 if (c.name == NAME and seed == 1) else _passing(c))
            for key in {c.run_key for c in checked}}
    results = book.BookResults({e: by[0] for e, by in runs.items()}, runs)
    page = book.predictions_markdown(results)
    row = next(line for line in page.splitlines() if f"`{NAME}`" in line)
    assert row.endswith("| *not decided* (holds at 2 of 3) |") and "seeds 0, 1, 2" in row
    assert f"{len(checked) - 1} of {len(checked)} checks hold on every seed" in page
    assert "1 is not decided" in page


def test_the_reproducibility_page_lists_every_seeds_run_and_the_sweep_that_remakes_them():
    runs = {"E5": fill("E5", value=lambda c, seed: 0.5 + seed / 10)}
    page = book.reproducibility_markdown(book.BookResults({"E5": runs["E5"][0]}, runs))
    for seed in (0, 1, 2):
        assert f"| book | {seed} | " in page
    assert "dmm-edu run E5 --profile book --seed 0" in page
    assert "dmm-edu sweep E5 --seeds 0:3 --profile book" in page
    row = next(line for line in page.splitlines() if f"`{NAME}`" in line)
    assert "0.60 (0.50–0.70)" in row and "0: 0.50, 1: 0.60, 2: 0.70" in row


def test_the_checks_inside_each_run_are_tabled_per_seed():
    runs = {"E5": fill("E5")}
    for seed, result in runs["E5"].items():
        result.metrics["checks"] = {"a_check": seed != 1}
    page = book.reproducibility_markdown(book.BookResults({"E5": runs["E5"][0]}, runs))
    assert "| `a_check` | yes | *no* | yes |" in page


def test_the_sweep_command_is_printed_only_for_a_range_of_seeds():
    from dmm_edu.book_pages import sweep_command

    assert sweep_command("E5", "book", [0, 1, 2]) == "dmm-edu sweep E5 --seeds 0:3 --profile book"
    assert sweep_command("E5", "book", [0]) is None
    assert sweep_command("E5", "book", [0, 2]) is None


def test_not_decided_marks_only_a_checked_claim():
    with pytest.raises(ValueError, match="decided=False.*has no check"):
        claims.register([claims.Claim("E5.undecided", "E5", ("a",), "{}", "t", decided=False)])
    assert "E5.undecided" not in claims.CLAIMS
    marked = [c.name for c in claims.CLAIMS.values() if not c.decided]
    assert marked and all(claims.CLAIMS[n].check for n in marked)  # the book's few undecided checks


def test_a_number_about_a_figure_is_read_from_the_figures_run_alone():
    """The opening example is seed 0's digit; another seed picks another digit, so a median of classes means nothing."""
    claim = claims.get_claim("E6.opening.label")
    assert claim.figure
    runs = {"E6": {s: fake({"opening": {"label": label}}, "E6", s) for s, label in enumerate((6, 3, 1))}}
    s = claims.spread(claim.name, runs)
    assert (s.value, s.text(), s.seeds) == (6, "6", (0,))
    assert "the run the figure shows" in s.describe()


def test_the_predictions_page_lists_the_runs_own_checks_failures_included():
    checked = [c for c in claims.CLAIMS.values() if c.check is not None]
    runs = {key: fill(key) for key in {c.run_key for c in checked}}
    for seed, result in runs["E5"].items():
        result.metrics["checks"] = {"always": True, "never": False, "split": seed == 2}
    page = book.predictions_markdown(book.BookResults({k: by[0] for k, by in runs.items()}, runs))
    inside = page[page.index("## Checks inside the runs"):page.index("## Published numbers")]
    assert "3 checks of their own" in inside and "1 holds at every seed, 1 fails at every seed and 1 splits" in inside
    assert "| [E5](reproducibility.md#e5) | `never` | 0: no, 1: no, 2: no | **no** |" in inside
    assert "| `split` | 0: no, 1: no, 2: yes | *not decided* |" in inside


def test_seeds_inside_one_run_are_numbered_apart_from_the_runs_seeds():
    board = {"T_median": 100.0, "T_per_seed": [90, 100, 120]}
    s = claims.spread("E1.B.T_median", {"E1": {0: fake({"board_B": board}, "E1")}})
    assert s.per_seed_text() == "#0: 90, #1: 100, #2: 120"
    one = claims.spread("E1.B.n_seeds", {"E1": {0: fake({"board_B": {"n_seeds": 3}}, "E1")}})
    assert one.per_seed_text() == "one run, its seeds inside: 3"


def test_a_chapter_counts_seeds_instead_of_typing_the_count():
    runs = {"E5": {s: fake({"c2.5": {"d_off_over_d_on": v}, "c0.5": {"d_off_over_d_on": w}}, seed=s)
                   for s, (v, w) in enumerate(((0.5, 0.9), (0.7, 0.6), (0.95, 1.2)))}}
    count = claims.count_seeds(NAME, "<", 0.85, runs)
    assert (count.held, count.n, count.text()) == (2, 3, "2 of 3 seeds")
    assert "seed 2: 0.95 < 0.85 no" in count.detail()
    versus = claims.count_seeds(NAME, "<", "E5.c0_5.d_off_over_d_on", runs)  # claim against claim, seed by seed
    assert versus.text() == "2 of 3 seeds"
    assert claims.count_seeds(NAME, ">", 0.0, runs).text() == "all 3 seeds"
    assert claims.count_seeds(NAME, ">", 5.0, runs).text() == "no seed"
    with pytest.raises(ValueError, match="op='=='"):
        claims.count_seeds(NAME, "==", 0.5, runs)
    robust = {"E9i": {s: fake({"standard": {"robust_accuracy": 0.37}, "adversarial": {"robust_accuracy": a}}, "E9i", s)
                      for s, a in enumerate((0.59, 0.31, 0.53))}}
    tip = claims.count_seeds("E9i.adversarial.robust_accuracy", "<", "E9i.standard.robust_accuracy", robust).detail()
    assert "seed 1: 31% < 37% yes" in tip  # in the claim's own format, as the page prints it
    internal = {"E1": {0: fake({"board_B": {"T_median": 100.0, "T_per_seed": [90, 100, 120]}}, "E1")}}
    with pytest.raises(ValueError, match="different seeds"):
        claims.count_seeds("E1.B.T_median", "<", NAME, {**runs, **internal})


def test_the_hook_renders_a_seed_count_and_the_registry_sees_its_claims():
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("dmm_hook_claims_seeds",
                                                  Path(__file__).resolve().parents[1] / "docs/hooks/claims.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    hook._runs.update(e5_runs(0.5, 0.9, 0.7))
    page = SimpleNamespace(file=SimpleNamespace(src_uri="chapters/x.md"))
    text = 'below 0.85 at {{ seeds("E5.c2_5.d_off_over_d_on", "<", 0.85) }}.'
    out = hook.on_page_markdown(text, page, {}, None)
    assert 'class="dmm-seeds"' in out and ">2 of 3 seeds</span>." in out and "seed 1: 0.90 &lt; 0.85 no" not in out
    assert "seed 1: 0.90 < 0.85 no" in out
    assert claims.names_in(text) == ["E5.c2_5.d_off_over_d_on"]
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="cannot be counted"):
        hook.on_page_markdown('{{ seeds("E5.nope", "<", 1) }}', page, {}, None)
