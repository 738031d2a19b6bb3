"""The named numbers the book quotes, each tied to one metric of one saved experiment result.

A chapter never types a measured number: it writes `{{ claim("E1.B.cling_quarter_T") }}` and the
book's mkdocs hook (docs/hooks/claims.py) puts in the value formatted from the result, with a link
to the reproducibility appendix that says which run made it. A claim may also carry its testable
form (`check`, e.g. "< 0.85", from science.md), which the tests evaluate on the profile that backs
it. Book page: "Reproducibility" (appendix).

    from dmm_edu.claims import resolve
    value, text, prov = resolve("E5.c2_5.d_off_over_d_on", {"E5": result})   # 0.68, "0.68", {...}
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dmm_edu.results import Result


@dataclass(frozen=True)
class Claim:
    """One number the book quotes.

    name: "E1.B.cling_quarter_T" (experiment first); experiment: "E1"; metric: the key path into
    `result.metrics`, e.g. ("board_B", "cling_median"); at: optional (list key, value): the metric
    is a list, take the entry at the index where `metrics[list key]` equals value (e.g.
    ("fractions", 0.25)); fmt: a str.format spec for the value; description: one line; profile
    and seed: the run that backs the claim in the published book; check: its testable form, e.g.
    "< 0.85", ">= 2", "in [0.7, 1.5]" (None: reported, not asserted).
    """

    name: str
    experiment: str
    metric: tuple[str, ...]
    fmt: str
    description: str
    at: tuple[str, float] | None = None
    profile: str = "book"
    seed: int = 0
    check: str | None = None


def _c(name, metric, fmt, description, at=None, check=None) -> Claim:
    return Claim(name, name.split(".")[0], tuple(metric), fmt, description, at, check=check)


_QUARTER, _T, _INIT, _TENTH = ("fractions", 0.25), ("fractions", 1.0), ("fractions", 0.0), ("fractions", 0.1)

#: every claim the book may quote (tests check each one is used in docs/ and each use is listed here)
CLAIMS: dict[str, Claim] = {c.name: c for c in [
    # E1 — clinging and dimpling on the 8×8 chessboard (recipe B and its contrasts), the 2-D line toy
    _c("E1.B.n_seeds", ("board_B", "n_seeds"), "{:d}", "paired seeds per recipe"),
    _c("E1.B.n_reached_T", ("board_B", "n_reached_T"), "{:d}", "recipe-B seeds that reached T (every margin > 0.3)"),
    _c("E1.B.T_median", ("board_B", "T_median"), "{:,.0f}", "median T (steps) of recipe B"),
    _c("E1.B.cling_init", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at init", _INIT),
    _c("E1.B.cling_tenth_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at 10% of T", _TENTH),
    _c("E1.B.cling_quarter_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at 25% of T",
       _QUARTER),
    _c("E1.B.cling_T", ("board_B", "cling_median"), "{:.2f}", "recipe B: median cling at T", _T),
    _c("E1.B.accuracy_quarter_T", ("board_B", "accuracy_median"), "{:.0%}",
       "recipe B: median train accuracy at 25% of T", _QUARTER),
    _c("E1.B.share_clinging_quarter_T", ("board_B", "share_cling_below_0.15_at_quarter_T"), "{:.0%}",
       "recipe B: share of seeds with cling < 0.15 at 25% of T"),
    _c("E1.B.normal_margin_T", ("board_B", "normal_margin_T_median"), "{:.2f}",
       "recipe B: median normal margin (dimple depth) at T"),
    _c("E1.B.in_margin_T", ("board_B", "in_margin_T_median"), "{:.2f}", "recipe B: median in-manifold margin at T"),
    _c("E1.B.normal_over_in_T", ("board_B", "normal_over_in_margin_T_median"), "{:.1f}",
       "recipe B: median ratio normal / in-manifold margin at T"),
    _c("E1.small_init.cling_quarter_T", ("board_small_init", "cling_median"), "{:.2f}",
       "small init: median cling at 25% of recipe B's T", _QUARTER),
    _c("E1.small_init.n_reached_T", ("board_small_init", "n_reached_T"), "{:d}",
       "small init: seeds that met the margin rule"),
    _c("E1.line.cling_quarter_T", ("line_B", "cling_median"), "{:.2f}",
       "the paper's 2-D line toy, recipe B: median cling at 25% of T", _QUARTER),
    # E5 — minimal attacks free / on / off the manifold, exact tangent
    _c("E5.c2_5.d_off_over_d_on", ("c2.5", "d_off_over_d_on"), "{:.2f}", "init scale 2.5: median d_off / d_on",
       check="< 0.85"),
    _c("E5.c0_5.d_off_over_d_on", ("c0.5", "d_off_over_d_on"), "{:.2f}", "init scale 0.5: median d_off / d_on",
       check="> 2.5"),
    _c("E5.c2_5.d_on_over_d_free", ("c2.5", "d_on_over_d_free"), "{:.2f}", "init scale 2.5: median d_on / d_free"),
    _c("E5.sqrt_n_over_k", ("c2.5", "sqrt_n_over_k"), "{:.1f}",
       "random-subspace baseline sqrt(n/k) for d_on / d_free"),
]}

#: how a chapter quotes a claim: {{ claim("NAME") }} (the mkdocs hook replaces it)
PATTERN = re.compile(r"\{\{\s*claim\(\s*[\"']([^\"']+)[\"']\s*\)\s*\}\}")

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def names_in(markdown: str) -> list[str]:
    """The claim names quoted in a Markdown text, in order (repeats kept)."""
    return PATTERN.findall(markdown)


def get_claim(name: str) -> Claim:
    """The claim registered as `name`; KeyError naming the closest registered names."""
    if name not in CLAIMS:
        near = difflib.get_close_matches(name, CLAIMS, n=3, cutoff=0.5)
        hint = f"; did you mean {near}?" if near else f"; registered claims start with {sorted({c.split('.')[0] for c in CLAIMS})}"
        raise KeyError(f"claim {name!r} is not in dmm_edu.claims.CLAIMS{hint}")
    return CLAIMS[name]


def experiments_for(names=None) -> dict[str, int]:
    """{experiment id: seed} the claims `names` (default: all) need; ValueError if one experiment needs two seeds."""
    seeds: dict[str, int] = {}
    for name in CLAIMS if names is None else names:
        claim = get_claim(name)
        if seeds.setdefault(claim.experiment, claim.seed) != claim.seed:
            raise ValueError(f"claims of {claim.experiment} use seeds {seeds[claim.experiment]} and {claim.seed}; "
                             "the book backs each experiment with one run")
    return seeds


def metric_value(claim: Claim, metrics: Mapping) -> float:
    """The number `claim` names in a result's metrics dict; ValueError if missing, not a number or not finite."""
    where = f"claim {claim.name!r} ({claim.experiment} metrics {'/'.join(claim.metric)})"
    node = metrics
    for key in claim.metric:
        if not isinstance(node, Mapping) or key not in node:
            raise ValueError(f"{where}: key {key!r} is missing; the result has "
                             f"{sorted(node) if isinstance(node, Mapping) else type(node).__name__}")
        node = node[key]
    if claim.at is not None:
        list_key, target = claim.at
        axis = list(metrics.get(list_key, []))
        hits = [i for i, v in enumerate(axis) if isinstance(v, (int, float)) and math.isclose(v, target)]
        if not hits or not isinstance(node, list) or len(node) != len(axis):
            raise ValueError(f"{where}: no entry at {list_key} = {target:g} (the result's {list_key}: {axis})")
        node = node[hits[0]]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ValueError(f"{where} is {node!r}, not a number")
    if not math.isfinite(node):
        raise ValueError(f"{where} is {node!r}: the experiment produced no finite value (for a median: no run "
                         "reached the state it summarises); fix the experiment or quote another metric")
    return node


def provenance(claim: Claim, result: Result) -> dict:
    """Where a claim's value comes from: experiment, profile, seed, metric, and short config/code/content hashes."""
    config = json.dumps(result.config, sort_keys=True, separators=(",", ":"))
    prov = result.provenance or {}
    return {"claim": claim.name, "experiment": result.experiment, "profile": result.profile, "seed": result.seed,
            "metric": "/".join(claim.metric) + (f" at {claim.at[0]}={claim.at[1]:g}" if claim.at else ""),
            "config_hash": hashlib.sha256(config.encode()).hexdigest()[:12],
            "code_hash": str(prov.get("code_hash", "unknown"))[:12],
            "content_hash": result.content_hash()[:12], "versions": prov.get("versions", {})}


def resolve(name: str, results: Mapping[str, Result]) -> tuple[float, str, dict]:
    """(value, formatted text, provenance) of the claim `name`, read from `results[claim.experiment]`.

    results: {experiment id: Result}. KeyError for an unknown claim (naming near matches) or a
    missing experiment; ValueError for a seed mismatch or a metric that is absent, not a number or NaN.
    """
    claim = get_claim(name)
    if claim.experiment not in results:
        raise KeyError(f"claim {name!r} needs a result of {claim.experiment}; given results of {sorted(results)}")
    result = results[claim.experiment]
    if result.seed != claim.seed:
        raise ValueError(f"claim {name!r} is backed by seed {claim.seed}; the {claim.experiment} result given "
                         f"has seed {result.seed}")
    value = metric_value(claim, result.metrics)
    return value, claim.fmt.format(value), provenance(claim, result)


def check(claim: Claim, value: float) -> bool:
    """Whether `value` satisfies `claim.check` ("< 0.85", ">= 2", "in [0.7, 1.5]"); True when it has none."""
    if claim.check is None:
        return True
    text = claim.check.strip()
    m = re.fullmatch(r"in \[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]", text)
    if m:
        return float(m.group(1)) <= value <= float(m.group(2))
    m = re.fullmatch(r"(<=|>=|<|>)\s*([-+0-9.eE]+)", text)
    if not m:
        raise ValueError(f"claim {claim.name!r}: check={claim.check!r} is not accepted; "
                         "expected '< x', '<= x', '> x', '>= x' or 'in [a, b]'")
    return _OPS[m.group(1)](value, float(m.group(2)))


__all__ = ["CLAIMS", "PATTERN", "Claim", "check", "experiments_for", "get_claim", "metric_value", "names_in", "provenance",
           "resolve"]
