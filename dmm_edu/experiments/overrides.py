"""Config overrides written on the command line (`--set key=value`), read by the config's annotations.

Every experiment's config is a dataclass whose fields say their type (`int`, `float`,
`tuple[float, ...]`, `int | None`, a nested dataclass such as `Recipe`). A command line gives text.
This module turns `key=value` text into a value of the field's type, or raises ValueError naming the
field, the text and how a value of that type is written, so that a typo stops the command before any
work. `parse_overrides` parses; `checked_overrides` also runs `config_for`, which checks the values
against what the experiment accepts (its `check_config`). `format_value` writes a value back.

How values are written:

| annotation | written | example |
|---|---|---|
| `bool` | true/false (also yes/no, on/off, 1/0; any case) | `random_start=false` |
| `int`, `float` | a number (floats finite) | `n_points=50`, `lr=0.05` |
| `str` | the text as it is | `dtype=float32` |
| `X \\| None` | `none` (any case) for None, else as X | `n_per_class=none` |
| `tuple[X, ...]`, `tuple[X, Y]` | items separated by commas (nothing: an empty tuple) | `tilts=0.0,1.0` |
| a tuple of tuples | inner items separated by colons | `dims=200:10,50:25` |
| a nested dataclass | one field at a time, with a dotted key | `recipe.n_train=500` |
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Iterable
from typing import Any

from dmm_edu._checks import check_type, describe_type

TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


def _union_args(hint: Any) -> tuple | None:
    """The options of `X | Y` or `Optional[X]`, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return None


def _tuple_items(hint: Any) -> tuple[Any, ...] | None:
    """The item types of a tuple annotation ((X, ...) or (X, Y, …)), else None."""
    return typing.get_args(hint) if typing.get_origin(hint) is tuple else None


def _each(items: tuple, n: int) -> list:
    """The type of each of `n` items of a tuple annotation's `items` (X n times for `tuple[X, ...]`)."""
    return [items[0]] * n if len(items) == 2 and items[1] is Ellipsis else list(items)


def example(hint: Any) -> str:
    """How a value of type `hint` is written on the command line, for error messages:
    `tuple[tuple[int, int], ...]` -> "3:3,3:3"."""
    options = _union_args(hint)
    if options is not None:
        return " or ".join(example(o) for o in options)
    if hint is type(None):
        return "none"
    items = _tuple_items(hint)
    if items is not None:
        written = [example(t) for t in _each(items, 2)]
        if _tuple_items(items[0]) is not None:
            written = [w.replace(",", ":") for w in written]  # a tuple of tuples: inner items by colons
        return ",".join(written)
    return {bool: "true", int: "3", float: "0.5", str: "text"}.get(hint, "?")


def _bad(name: str, text: str, hint: Any) -> ValueError:
    return ValueError(f"{name}={text!r} is not accepted; expected {describe_type(hint)}, written like {example(hint)}")


def parse_value(text: str, hint: Any, name: str = "value") -> Any:
    """`text` as a value of the annotation `hint` (the forms in the module docstring); ValueError naming
    `name`, the text and how a value of that type is written otherwise."""
    options = _union_args(hint)
    if options is not None:
        if type(None) in options and text.strip().lower() == "none":
            return None
        for option in (o for o in options if o is not type(None)):
            try:
                return parse_value(text, option, name)
            except ValueError:
                continue
        raise _bad(name, text, hint)
    raw, text = text, text.strip()
    items = _tuple_items(hint)
    if items is not None:
        return _parse_tuple(name, raw, items, hint)
    if hint is bool:
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise _bad(name, raw, hint)
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise _bad(name, raw, hint) from None
    if hint is float:
        try:
            value = float(text)
        except ValueError:
            raise _bad(name, raw, hint) from None
        if not math.isfinite(value):
            raise ValueError(f"{name}={raw!r} is not accepted; expected a finite number")
        return value
    if hint is str:
        return text
    raise ValueError(f"{name} has the type {describe_type(hint)}, which cannot be set from the command line")


def _parse_tuple(name: str, raw: str, items: tuple, hint: Any) -> tuple:
    parts = raw.strip().split(",")
    if parts[-1].strip() == "":  # "" is the empty tuple; a trailing comma is allowed
        parts = parts[:-1]
    if _tuple_items(items[0]) is not None:  # a tuple of tuples: its items' items are separated by colons
        parts = [p.replace(":", ",") for p in parts]
    each = _each(items, len(parts))
    if len(each) != len(parts):
        raise _bad(name, raw, hint)
    try:
        return tuple(parse_value(p, t, name) for p, t in zip(parts, each))
    except ValueError:
        raise _bad(name, raw, hint) from None  # the whole field's form, not one item's


def format_value(value: Any, hint: Any) -> str:
    """`value` written as `parse_value` reads it back (the inverse, for messages and round trips)."""
    options = _union_args(hint)
    if options is not None:
        if value is None:
            return "none"
        for option in (o for o in options if o is not type(None)):
            try:
                check_type("value", value, option)
            except ValueError:
                continue
            return format_value(value, option)
        raise ValueError(f"value={value!r} is not accepted; expected {describe_type(hint)}")
    items = _tuple_items(hint)
    if items is not None:
        written = [format_value(v, t) for v, t in zip(value, _each(items, len(value)))]
        if _tuple_items(items[0]) is not None:
            written = [w.replace(",", ":") for w in written]
        return ",".join(written)
    if hint is bool:
        return "true" if value else "false"
    if hint is float:
        return repr(float(value))
    return str(value)


def _split(pair: str) -> tuple[str, str]:
    key, sep, value = pair.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"{pair!r} is not accepted; expected key=value, e.g. n_points=50")
    return key.strip(), value


def parse_overrides(experiment_id: str, profile: str, pairs: Iterable[str]) -> dict[str, Any]:
    """`key=value` strings as config overrides for `config_for(experiment_id, profile, **overrides)`.

    A key is a field of the experiment's config; a field that is itself a dataclass (E4's `recipe`)
    is set one of its fields at a time (`recipe.n_train=500`), starting from the profile's value.
    ValueError naming the key for a pair without `=`, an unknown field (with the accepted ones), a key
    given twice, or a value that does not parse as the field's type (with how it is written).
    """
    from dmm_edu.experiments.base import config_for
    from dmm_edu.experiments.registry import canonical_id

    base = config_for(experiment_id, profile)
    hints = typing.get_type_hints(type(base))
    overrides: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for pair in pairs:
        key, text = _split(pair)
        if key in seen:
            raise ValueError(f"{key} is set twice; give each field once")
        seen.add(key)
        field, _, sub = key.partition(".")
        if field not in hints:
            raise ValueError(f"{field!r} is not a config field of {canonical_id(experiment_id)}; "
                             f"accepted: {', '.join(hints)}")
        hint = hints[field]
        if dataclasses.is_dataclass(hint):
            sub_hints = typing.get_type_hints(hint)
            if not sub:
                raise ValueError(f"{field} is a {hint.__name__}; set its fields one at a time as "
                                 f"{field}.FIELD=value, FIELD one of: {', '.join(sub_hints)}")
            if sub not in sub_hints:
                raise ValueError(f"{sub!r} is not a field of {field} ({hint.__name__}); "
                                 f"accepted: {', '.join(f'{field}.{n}' for n in sub_hints)}")
            nested.setdefault(field, {})[sub] = parse_value(text, sub_hints[sub], key)
        elif sub:
            raise ValueError(f"{key!r} is not accepted: {field} has no fields of its own; write {field}=value")
        else:
            overrides[field] = parse_value(text, hint, field)
    for field, changes in nested.items():
        overrides[field] = dataclasses.replace(getattr(base, field), **changes)
    return overrides


def checked_overrides(experiment_id: str, profile: str, pairs: Iterable[str]) -> dict[str, Any]:
    """`parse_overrides`, then the config they make checked by `config_for` (the experiment's ranges):
    everything a `--set` can get wrong fails here, before any work."""
    from dmm_edu.experiments.base import config_for

    overrides = parse_overrides(experiment_id, profile, pairs)
    config_for(experiment_id, profile, **overrides)
    return overrides
