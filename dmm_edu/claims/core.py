"""How a claim is quoted: the `Claim` record, the `{{ claim("NAME") }}` pattern, and resolving a name to a value.

Two kinds of name. A result claim ("E5.c2_5.d_off_over_d_on", experiment first) reads one metric of
one saved experiment result; the claims themselves are listed beside the experiments they read, one
module per experiment (`dmm_edu.claims.e05_on_off_attacks`, …), and registered in `CLAIMS`. A
published claim ("published.ilyas.cifar10.d_rand") reads a number of `dmm_edu.published` and needs
no result. Either way `resolve` gives (value, formatted text, provenance), and the book's mkdocs
hook links the text to where it comes from: the reproducibility appendix for a result, the
bibliography for a publication. Book pages: "Reproducibility", "Predictions and checks".
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dmm_edu import published
from dmm_edu.experiments.variants import anchor, parse_key, run_key
from dmm_edu.results import Result


@dataclass(frozen=True)
class Claim:
    """One number the book quotes from a result.

    name: "E1.B.cling_quarter_T" (experiment first); experiment: "E1"; metric: the key path into
    `result.metrics`, e.g. ("board_B", "cling_median"); at: optional (list key, value): the metric
    is a list, take the entry at the index where `metrics[list key]` equals value (e.g.
    ("fractions", 0.25)); fmt: a str.format spec for the value; description: one line; profile
    and seed: the run that backs the claim in the published book; check: its testable form, e.g.
    "< 0.85", ">= 2", "in [0.7, 1.5]" (None: reported, not asserted); why: for a checked claim, one
    line on why the threshold follows from what the claim says; per_seed: for an experiment that
    repeats its seeds inside one run (`seeds.INTERNAL_SEEDS`), the key path of the per-seed values
    whose median the metric is (a list, or with `at` a list of lists like the metric), so the book
    can print their range (`dmm_edu.claims.seeds`); decided: False for a checked claim whose seeds
    disagree at the book's size (the check holds at some seeds, not at others): the book reports it as
    "not decided at this size", and the tests check that the seeds still disagree, so the text is
    revisited when they stop disagreeing; figure: a number about what a figure shows (the opening
    example is seed 0's digit): quoted from the figure's run, the first seed, alone, with no range;
    variant: a named variant of the experiment (`dmm_edu.experiments.variants`: "cnn" reads the run
    "E6:cnn", E6 with a convolutional network), None for the experiment's own run.
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
    why: str | None = None
    per_seed: tuple[str, ...] | None = None
    decided: bool = True
    figure: bool = False
    variant: str | None = None

    @property
    def run_key(self) -> str:
        """The run the claim reads: its experiment ("E6"), or a variant of it ("E6:cnn", `experiments.variants`)."""
        return run_key(self.experiment, self.variant)


def claim(name: str, metric: Iterable[str], fmt: str, description: str, at: tuple[str, float] | None = None,
          check: str | None = None, why: str | None = None, per_seed: Iterable[str] | None = None,
          decided: bool = True, figure: bool = False, variant: str | None = None) -> Claim:
    """A result claim of the experiment its name starts with (the lists in this package use this)."""
    return Claim(name, name.split(".")[0], tuple(metric), fmt, description, at, check=check, why=why,
                 per_seed=None if per_seed is None else tuple(per_seed), decided=decided, figure=figure,
                 variant=variant)


#: every result claim the book may quote, filled by dmm_edu/claims/__init__.py from the per-experiment modules
CLAIMS: dict[str, Claim] = {}

#: published claims are named PUBLISHED + a key of dmm_edu.published.NUMBERS
PUBLISHED = "published."

#: how a chapter quotes a claim: {{ claim("NAME") }} (the mkdocs hook replaces it)
PATTERN = re.compile(r"\{\{\s*claim\(\s*[\"']([^\"']+)[\"']\s*\)\s*\}\}")

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def register(claims: Iterable[Claim]) -> None:
    """Add result claims to CLAIMS; ValueError for a name registered twice or one that is not a result claim."""
    for c in claims:
        if c.name in CLAIMS:
            raise ValueError(f"claim {c.name!r} is registered twice")
        if c.name.startswith(PUBLISHED) or c.name.split(".")[0] != c.experiment:
            raise ValueError(f"claim {c.name!r}: a result claim's name starts with its experiment {c.experiment!r}")
        if c.variant is not None:
            parse_key(c.run_key)  # ValueError naming the experiment's variants
        if not c.decided and c.check is None:
            raise ValueError(f"claim {c.name!r}: decided=False marks a check the seeds disagree on; it has no check")
        if (c.check is None) != (c.why is None):
            raise ValueError(f"claim {c.name!r}: a check needs a why and a why needs a check "
                             f"(check={c.check!r}, why={c.why!r})")
        CLAIMS[c.name] = c


def names_in(markdown: str) -> list[str]:
    """The claim names quoted in a Markdown text, in order (repeats kept): those of {{ claim(...) }}, then
    those compared seed by seed in {{ seeds(...) }} (`dmm_edu.claims.seeds`)."""
    from dmm_edu.claims.seeds import seed_names_in

    return PATTERN.findall(markdown) + seed_names_in(markdown)


def is_published(name: str) -> bool:
    """Whether `name` is a published claim ("published.<key>"), read from dmm_edu.published."""
    return name.startswith(PUBLISHED)


def is_known(name: str) -> bool:
    """Whether `name` resolves: a registered result claim, or "published." + a registered published key."""
    return name[len(PUBLISHED):] in published.NUMBERS if is_published(name) else name in CLAIMS


def get_claim(name: str) -> Claim:
    """The result claim registered as `name`; KeyError naming the closest registered names."""
    if is_published(name):
        raise KeyError(f"claim {name!r} is a published claim: it has no result; resolve it, or read "
                       f"dmm_edu.published.get({name[len(PUBLISHED):]!r})")
    if name not in CLAIMS:
        near = difflib.get_close_matches(name, CLAIMS, n=3, cutoff=0.5)
        hint = f"; did you mean {near}?" if near else f"; registered claims start with {sorted({c.split('.')[0] for c in CLAIMS})}"
        raise KeyError(f"claim {name!r} is not in dmm_edu.claims.CLAIMS{hint}")
    return CLAIMS[name]


def experiments_for(names=None) -> dict[str, int]:
    """{run key: seed} the claims `names` (default: all) need: an experiment id ("E6"), or a variant of
    one ("E6:cnn", `dmm_edu.experiments.variants`); ValueError if one run key needs two first seeds.

    Published claims need no experiment and are skipped.
    """
    seeds: dict[str, int] = {}
    for name in CLAIMS if names is None else names:
        if is_published(name):
            continue
        c = get_claim(name)
        if seeds.setdefault(c.run_key, c.seed) != c.seed:
            raise ValueError(f"claims of {c.run_key} use seeds {seeds[c.run_key]} and {c.seed}; "
                             "the book backs each run with one first seed")
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
    return {"claim": claim.name, "experiment": result.experiment, "run": claim.run_key, "anchor": anchor(claim.run_key),
            "profile": result.profile, "seed": result.seed,
            "metric": "/".join(claim.metric) + (f" at {claim.at[0]}={claim.at[1]:g}" if claim.at else ""),
            "config_hash": hashlib.sha256(config.encode()).hexdigest()[:12],
            "code_hash": str(prov.get("code_hash", "unknown"))[:12],
            "content_hash": result.content_hash()[:12], "versions": prov.get("versions", {})}


def published_provenance(name: str) -> dict:
    """Where a published claim's value comes from: its key, source (bibliography key, citation, kind, url) and table."""
    number = published.get(name[len(PUBLISHED):])
    source = published.SOURCES[number.source]
    return {"claim": name, "key": number.key, "measures": number.measures, "where": number.where,
            "source": source.key, "citation": source.cite(), "kind": source.kind, "url": source.url}


def resolve(name: str, results: Mapping[str, Result], runs: Mapping[str, Mapping[int, Result]] | None = None
            ) -> tuple[float, str, dict]:
    """(value, formatted text, provenance) of the claim `name`.

    A result claim reads `results[claim.run_key]` ({run key: Result}: "E6", or a variant "E6:cnn"; the
    run of the claim's seed); with `runs` ({run key: {seed: Result}}) it reads every seed's run instead, and the value
    is their median, the text the median with the range (`seeds.spread`). The provenance adds
    "seeds", "values" (one per seed) and "spread" (how the value was made, in words). A published claim reads
    dmm_edu.published and ignores both. KeyError for an unknown claim (naming near matches) or a
    missing experiment; ValueError for a seed mismatch or a metric that is absent, not a number or NaN.
    """
    from dmm_edu.claims.seeds import spread

    if is_published(name):
        number = published.get(name[len(PUBLISHED):])
        return number.value, number.text(), published_provenance(name)
    c = get_claim(name)
    if runs is None or c.run_key not in runs:
        if c.run_key not in results:
            raise KeyError(f"claim {name!r} needs a result of {c.run_key}; given results of {sorted(results)}")
        result = results[c.run_key]
        if result.seed != c.seed:
            raise ValueError(f"claim {name!r} is backed by seed {c.seed}; the {c.run_key} result given "
                             f"has seed {result.seed}")
        runs = {c.run_key: {result.seed: result}}
    s = spread(name, runs)
    prov = provenance(c, s.results[0]) | {"seeds": list(s.seeds), "values": list(s.values),
                                          "internal": s.internal, "spread": s.describe()}
    return s.value, s.text(), prov


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
