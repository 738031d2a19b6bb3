"""The claims: every number the book quotes resolves from a result or the published registry, is used, and fails loudly.

Smoke results back the resolution tests (seconds); the claims' testable checks run on the `book`
profile they are written for (slow). The hook and the "Predictions and checks" page are exercised
directly and through a real `mkdocs build --strict` of a one-page site. The published registry
itself is tested in test_published.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from claim_fakes import fake_result
from smoke_runs import run_cache

from dmm_edu import claims
from dmm_edu.experiments.variants import run_args
from dmm_edu.results import Result

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def shared_cache(tmp_path_factory) -> Path:
    """The run-wide results cache (tests/smoke_runs.py; test_book uses the same folder)."""
    return run_cache()


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory):
    from dmm_edu.experiments.base import run_cached

    cache = shared_cache(tmp_path_factory)
    def run(key, seed):  # a run key: an experiment, or a variant of one ("E6:cnn")
        experiment, overrides = run_args(key, "smoke")
        return run_cached(experiment, "smoke", seed, cache=cache, **overrides)

    return {key: run(key, seed) for key, seed in claims.experiments_for().items()}


def load_hook(name: str):
    spec = importlib.util.spec_from_file_location(f"dmm_hook_{name}", DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_page(src_uri: str):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


def docs_markdown() -> dict[str, str]:
    return {str(p.relative_to(DOCS)): p.read_text() for p in DOCS.rglob("*.md")}


# --- the registry ---------------------------------------------------------------------------

def test_every_claim_resolves_on_smoke_results(smoke_results):
    for name, claim in claims.CLAIMS.items():
        value, text, prov = claims.resolve(name, smoke_results)
        assert math.isfinite(value), name
        assert text.startswith(claim.fmt.format(value))  # and the range over seeds, where the run kept them
        assert (prov["experiment"], prov["profile"], prov["seed"]) == (claim.experiment, "smoke", claim.seed)
        assert len(prov["code_hash"]) == 12 and len(prov["config_hash"]) == 12


def test_claim_names_start_with_their_experiment():
    for name, claim in claims.CLAIMS.items():
        assert name.split(".")[0] == claim.experiment
        assert claim.profile == "book"


def test_docs_quote_only_registered_claims_and_every_claim_is_quoted():
    used = {name: page for page, text in docs_markdown().items() for name in claims.names_in(text)}
    unknown = {name: page for name, page in used.items() if not claims.is_known(name)}
    assert not unknown, f"docs quote claims missing from dmm_edu.claims.CLAIMS or dmm_edu.published: {unknown}"
    unused = sorted(set(claims.CLAIMS) - set(used))
    assert not unused, f"registered claims no page quotes (remove them or use them): {unused}"


def test_the_package_keeps_one_module_per_experiment_and_the_old_api():
    from dmm_edu.claims import core

    assert claims.resolve is core.resolve and claims.CLAIMS is core.CLAIMS
    modules = sorted(p.stem for p in (ROOT / "dmm_edu" / "claims").glob("e*.py"))
    experiments = sorted(p.stem for p in (ROOT / "dmm_edu" / "experiments").glob("e*.py"))
    assert modules == experiments  # each claims module sits beside the experiment whose metrics it reads
    for module in modules:
        listed = importlib.import_module(f"dmm_edu.claims.{module}").CLAIMS
        assert listed and {c.experiment for c in listed} == {listed[0].experiment}, module
    assert sum(len(importlib.import_module(f"dmm_edu.claims.{m}").CLAIMS) for m in modules) == len(claims.CLAIMS)


def test_every_checked_claim_says_why_and_register_refuses_one_that_does_not():
    for claim in claims.CLAIMS.values():
        assert (claim.check is None) == (claim.why is None), claim.name
    with pytest.raises(ValueError, match="needs a why"):
        claims.register([claims.Claim("E5.no_why", "E5", ("a",), "{:.2f}", "t", check="< 1")])
    with pytest.raises(ValueError, match="registered twice"):
        claims.register([claims.CLAIMS["E5.c2_5.d_off_over_d_on"]])
    with pytest.raises(ValueError, match="starts with its experiment"):
        claims.register([claims.Claim("published.x", "E5", ("a",), "{}", "t")])
    assert "E5.no_why" not in claims.CLAIMS


def test_published_claims_read_the_registry_without_results():
    from dmm_edu import published

    value, text, prov = claims.resolve("published.ilyas.cifar10.d_rand", {})
    assert value == published.value("ilyas.cifar10.d_rand") and text == "63.3%"
    assert (prov["source"], prov["kind"]) == ("ilyas2019", "peer-reviewed paper") and "Table 1" in prov["where"]
    assert claims.is_known("published.ilyas.cifar10.d_rand") and not claims.is_known("published.ilyas.cifar10.d_rnd")
    assert claims.experiments_for(["published.ilyas.cifar10.d_rand", "E5.baseline_d_on_over_d_free"]) == {"E5": 0}
    with pytest.raises(KeyError, match=r"ilyas\.cifar10\.d_rand"):  # the near match is named
        claims.resolve("published.ilyas.cifar10.d_rnd", {})
    with pytest.raises(KeyError, match="published claim"):
        claims.get_claim("published.ilyas.cifar10.d_rand")


# the result claims that quote a published number through an experiment's metrics, and the registry key
PUBLISHED_THROUGH_RESULTS = {
    "E10.ilyas.original": "ilyas.cifar10.original",
    "E10.ilyas.d_rand": "ilyas.cifar10.d_rand",
    "E10.ilyas.d_det": "ilyas.cifar10.d_det",
    "E12.wallace": "wallace.cifar10.N2_test_accuracy",
}


def test_published_numbers_quoted_through_results_equal_the_registry(smoke_results):
    from dmm_edu import published

    for name, key in PUBLISHED_THROUGH_RESULTS.items():
        value, _, _ = claims.resolve(name, smoke_results)
        assert value == pytest.approx(published.value(key)), (name, key)


def test_unknown_claim_raises_keyerror_naming_near_matches():
    with pytest.raises(KeyError, match=r"E1\.B\.cling_quarter_T"):
        claims.get_claim("E1.B.cling_quartr_T")
    with pytest.raises(KeyError, match="not in dmm_edu.claims.CLAIMS"):
        claims.resolve("Z9.nothing", {})


def test_nan_and_missing_metrics_refuse():
    claim = claims.CLAIMS["E5.c2_5.d_off_over_d_on"]
    with pytest.raises(ValueError, match="nan"):
        claims.resolve(claim.name, {"E5": fake_result({"c2.5": {"d_off_over_d_on": float("nan")}})})
    with pytest.raises(ValueError, match="None, not a number"):
        claims.resolve(claim.name, {"E5": fake_result({"c2.5": {"d_off_over_d_on": None}})})
    with pytest.raises(ValueError, match="key 'c2.5' is missing"):
        claims.resolve(claim.name, {"E5": fake_result({"c0.5": {}})})
    with pytest.raises(ValueError, match="seed 0"):
        claims.resolve(claim.name, {"E5": fake_result({"c2.5": {"d_off_over_d_on": 0.5}}, seed=3)})
    with pytest.raises(KeyError, match="needs a result of E5"):
        claims.resolve(claim.name, {})


def test_at_picks_the_entry_of_the_matching_fraction():
    claim = claims.CLAIMS["E1.B.cling_quarter_T"]
    metrics = {"fractions": [0.0, 0.1, 0.25, 1.0], "board_B": {"cling_median": [0.9, 0.5, 0.125, 0.3],
                                                                "cling_per_seed": [[0.9, 0.5, 0.125, 0.3]]}}
    value, text, _ = claims.resolve(claim.name, {"E1": fake_result(metrics, "E1")})
    assert value == 0.125 and text == "0.12"
    metrics["fractions"] = [0.0, 0.1, 0.5, 1.0]
    with pytest.raises(ValueError, match="no entry at fractions = 0.25"):
        claims.resolve(claim.name, {"E1": fake_result(metrics, "E1")})


def test_check_forms():
    claim = claims.Claim("E5.x", "E5", ("a",), "{:.2f}", "test", check="< 0.85")
    assert claims.check(claim, 0.84) and not claims.check(claim, 0.85)
    between = claims.Claim("E5.x", "E5", ("a",), "{:.2f}", "test", check="in [0.7, 1.5]")
    assert claims.check(between, 0.7) and claims.check(between, 1.5) and not claims.check(between, 1.51)
    assert claims.check(claims.Claim("E5.x", "E5", ("a",), "{}", "t", check=">= 2"), 2.0)
    with pytest.raises(ValueError, match="not accepted"):
        claims.check(claims.Claim("E5.x", "E5", ("a",), "{}", "t", check="about 2"), 2.0)


@pytest.mark.slow
@pytest.mark.torch
def test_checked_claims_hold_on_every_seed_of_the_book_profile(tmp_path_factory):
    """Each check is evaluated on every seed the book runs (`claims.seeds_for`): a check holds only
    when it holds on all of them; one the seeds disagree on is 'not decided', never a yes."""
    pytest.importorskip("torch")
    from dmm_edu.experiments.base import run_cached

    checked = [c for c in claims.CLAIMS.values() if c.check is not None]
    assert checked, "the claims carry testable forms; at least one claim should carry one"
    needed = claims.experiments_for([c.name for c in checked])
    runs = {}
    for key in needed:  # every seed of every run key: an experiment, or a variant of one ("E6:cnn")
        experiment, overrides = run_args(key, "book")
        runs[key] = {s: run_cached(experiment, "book", s, cache=shared_cache(tmp_path_factory), **overrides)
                     for s in claims.seeds_for(experiment, "book")}
    failures = []
    for claim in checked:
        s = claims.spread(claim.name, runs)
        if claim.decided and s.verdict() != "yes":
            failures.append(f"{claim.name} = {s.per_seed_text()} over seeds, expected {claim.check} on every seed")
        if not claim.decided and s.verdict() != claims.UNDECIDED:  # the book says "not decided": still true?
            failures.append(f"{claim.name} = {s.per_seed_text()} is marked not decided, but the verdict is "
                            f"{s.verdict()!r}: update the claim and the text that quotes it")
    assert not failures, failures


def fake_results_for(checked, value: float) -> dict[str, Result]:
    """Results whose metrics hold `value` at the path of every claim in `checked` (none of them uses `at`)."""
    metrics: dict[str, dict] = {}
    for claim in checked:
        assert claim.at is None, claim.name
        node = metrics.setdefault(claim.run_key, {})  # an experiment, or a variant of one ("E6:cnn")
        for key in claim.metric[:-1]:
            node = node.setdefault(key, {})
        node[claim.metric[-1]] = value
    return {key: fake_result(m, key.split(":")[0]) for key, m in metrics.items()}


def test_the_predictions_page_lists_every_checked_claim_and_every_published_number():
    from dmm_edu import book, published

    checked = [c for c in claims.CLAIMS.values() if c.check is not None]
    page = book.predictions_markdown(fake_results_for(checked, 0.5))
    for claim in checked:
        row = next(line for line in page.splitlines() if f"`{claim.name}`" in line)
        assert f"`{claim.check}`" in row and claim.why.replace("|", "&#124;") in row, claim.name
        assert f"({'reproducibility.md#' + claim.run_key.lower().replace(':', '-')})" in row
        assert row.endswith("| yes |") == claims.check(claim, 0.5), row  # the verdict follows the check
    assert f"of {len(checked)} checks hold" in page and "profile `smoke`" in page
    assert "written for the `book` profile" in page  # smoke values are not book values: the page says so
    for number in published.NUMBERS.values():
        row = next(line for line in page.splitlines() if f"`published.{number.key}`" in line)
        source = published.SOURCES[number.source]
        assert number.text() in row and f"(bibliography.md#{source.key})" in row and source.kind in row
    assert "{{" not in page  # nothing the claims hook would try to replace


def test_the_predictions_page_refuses_a_missing_result():
    from dmm_edu import book

    with pytest.raises(KeyError, match="needs a result of"):
        book.predictions_markdown({})


# --- the mkdocs hook ----------------------------------------------------------------------------

def test_hook_replaces_claims_with_linked_values(smoke_results):
    hook = load_hook("claims")
    hook._results.update(smoke_results)
    md = 'cling {{ claim("E1.B.cling_quarter_T") }} and {{claim( "E5.c2_5.d_off_over_d_on" )}}.'
    out = hook.on_page_markdown(md, fake_page("chapters/clinging.md"), {}, None)
    _, text, prov = claims.resolve("E1.B.cling_quarter_T", smoke_results)
    assert "{{" not in out
    median, sep, spread = text.partition(" (")
    shown = f'{median} <span class="dmm-range">({spread}</span>' if sep else text  # a range may wrap in a table
    assert f"[{shown}](../appendix/reproducibility.md#e1 " in out
    assert f"seed {prov['seed']}" in out and prov["code_hash"][:8] in out
    assert "(../appendix/reproducibility.md#e5 " in out
    top = hook.on_page_markdown('{{ claim("E5.baseline_d_on_over_d_free") }}', fake_page("index.md"), {}, None)
    assert "(appendix/reproducibility.md#e5 " in top  # the link is relative to the page


def test_hook_links_a_published_claim_to_its_source_in_the_bibliography():
    hook = load_hook("claims")
    out = hook.on_page_markdown('{{ claim("published.karner.mnist.d_on_over_d_free") }}',
                                fake_page("chapters/critiques.md"), {}, None)
    assert out.startswith("[2.89](../appendix/bibliography.md#karner2023 ")
    assert "student reproduction repository" in out and "plots/mnist_mf/" in out and ".dmm-published" in out
    top = hook.on_page_markdown('{{ claim("published.wallace.cifar10.n_wrong") }}', fake_page("index.md"), {}, None)
    assert top.startswith("[18,768](appendix/bibliography.md#wallace2019 ")
    assert top.count('"') == 2  # the tooltip closes where it should: no quote inside it


def test_hook_unknown_published_claim_is_a_plugin_error():
    from mkdocs.exceptions import PluginError

    hook = load_hook("claims")
    with pytest.raises(PluginError, match=r"published\.ilyas\.cifar10\.d_rnd.*chapters/x\.md|chapters/x\.md.*d_rnd"):
        hook.on_page_markdown('{{ claim("published.ilyas.cifar10.d_rnd") }}', fake_page("chapters/x.md"), {}, None)


def test_hook_replaces_the_predictions_macro():
    hook = load_hook("claims")
    hook._results.clear()
    checked = [c for c in claims.CLAIMS.values() if c.check is not None]
    hook._results.update(fake_results_for(checked, 0.5))
    out = hook.on_page_markdown("# P\n\n{{ predictions() }}\n", fake_page("appendix/predictions.md"), {}, None)
    assert "{{" not in out and all(f"`{c.name}`" in out for c in checked)


def test_hook_unknown_claim_is_a_plugin_error_naming_it(smoke_results):
    from mkdocs.exceptions import PluginError

    hook = load_hook("claims")
    hook._results.update(smoke_results)
    with pytest.raises(PluginError, match=r"E1\.B\.no_such_claim.*chapters/x\.md|chapters/x\.md.*E1\.B\.no_such"):
        hook.on_page_markdown('{{ claim("E1.B.no_such_claim") }}', fake_page("chapters/x.md"), {}, None)


def test_hook_nan_is_a_plugin_error():
    from mkdocs.exceptions import PluginError

    hook = load_hook("claims")
    hook._results["E5"] = fake_result({"c2.5": {"d_off_over_d_on": float("nan")}})
    with pytest.raises(PluginError, match="cannot be quoted.*nan"):
        hook.on_page_markdown('{{ claim("E5.c2_5.d_off_over_d_on") }}', fake_page("a.md"), {}, None)


@pytest.mark.slow
def test_an_unknown_claim_fails_a_strict_mkdocs_build(tmp_path, tmp_path_factory):
    """A real `mkdocs build --strict` of a one-page site with the book's hook stops, naming the claim."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("matplotlib")
    from test_book import copy_smoke_figures

    (tmp_path / "docs").mkdir()
    copy_smoke_figures(tmp_path_factory, tmp_path / "docs")  # the hook draws the book's figures first
    (tmp_path / "docs" / "index.md").write_text('# Page\n\nA number: {{ claim("E1.B.cling_quarter_TT") }}.\n')
    (tmp_path / "mkdocs.yml").write_text(f"site_name: t\nstrict: true\nhooks:\n  - {DOCS / 'hooks' / 'claims.py'}\n")
    env = dict(os.environ, DMM_EDU_BOOK_PROFILE="smoke", DMM_EDU_CACHE=str(tmp_path_factory.getbasetemp() / "dc"),
               NO_MKDOCS_2_WARNING="1")
    # the cache layout of run_cached: <DMM_EDU_CACHE>/results; reuse the session's smoke results
    (Path(env["DMM_EDU_CACHE"])).mkdir(exist_ok=True)
    link = Path(env["DMM_EDU_CACHE"]) / "results"
    if not link.exists():
        link.symlink_to(shared_cache(tmp_path_factory), target_is_directory=True)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "E1.B.cling_quarter_TT" in proc.stderr + proc.stdout
    assert "E1.B.cling_quarter_T'" in proc.stderr + proc.stdout  # the near match is suggested
