"""Argument checks that turn user mistakes into clear errors.

Every public function of dmm_edu checks its inputs with these helpers, so a wrong shape, dtype,
NaN or out-of-range value raises an exception that names the argument, the value given and what
is accepted, instead of failing later deep inside numpy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def _describe(value: Any) -> str:
    """A short description of a value for an error message (arrays by shape and dtype)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return `value` if it is one of `choices`, else raise ValueError naming them."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={_describe(value)} is not accepted; choose one of {choices}")
    return value


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return `value` as int if it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={_describe(value)} is not accepted; expected an integer >= {minimum}")
    return int(value)


def check_positive_float(name: str, value: Any, allow_zero: bool = False) -> float:
    """Return `value` as float if it is finite and > 0 (or >= 0 with `allow_zero`)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = np.isfinite(value) and (value > 0 or (allow_zero and value == 0))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}={_describe(value)} is not accepted; expected a finite number {bound}")
    return value


def check_finite_float(name: str, value: Any) -> float:
    """Return `value` as float if it is a finite real number."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not np.isfinite(float(value)):
        raise ValueError(f"{name}={_describe(value)} is not accepted; expected a finite number")
    return float(value)


def check_float_range(name: str, value: Any, low: float, high: float) -> float:
    """Return `value` as float if low <= value <= high."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not (low <= float(value) <= high):
        raise ValueError(f"{name}={_describe(value)} is not accepted; expected a number in [{low}, {high}]")
    return float(value)


def check_dtype(name: str, dtype: Any) -> np.dtype:
    """Return `dtype` as a numpy dtype if it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.type not in FLOAT_DTYPES:
        raise ValueError(f"{name}={_describe(dtype)} is not accepted; expected float32 or float64")
    return dt


def check_array(
    name: str,
    value: Any,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
    dtype: np.dtype | None = None,
) -> np.ndarray:
    """Return `value` as a float ndarray after checking its dimensions, shape and values.

    `shape` may contain None for "any size". With `dtype`, the array is converted to it; without,
    float32/float64 arrays are kept and anything else numeric becomes float64.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got {_describe(value)}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like; got {_describe(value)}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got {_describe(value)}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.type not in FLOAT_DTYPES:
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions; got {_describe(arr)}")
    if shape is not None:
        bad = arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape))
        if bad:
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got {_describe(arr)}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf ({int(np.sum(~np.isfinite(arr)))} entries); expected finite values")
    return arr


def check_labels(name: str, value: Any, n_classes: int, n: int | None = None) -> np.ndarray:
    """Return integer labels in [0, n_classes) as an int64 array of shape (n,)."""
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer labels; got {_describe(arr)}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have {n} labels (one per input row); got {arr.shape[0]}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        bad = arr[(arr < 0) | (arr >= n_classes)][0]
        raise ValueError(f"{name} contains label {int(bad)}; accepted labels are 0..{n_classes - 1}")
    return arr.astype(np.int64, copy=False)


def check_rng(name: str, value: Any) -> np.random.Generator:
    """Require an explicit numpy Generator (reproducibility: no global seeding)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); got {_describe(value)}"
        )
    return value


def describe_type(hint: Any) -> str:
    """A type annotation in words, for error messages: tuple[int, ...] -> "a tuple of integers"."""
    import dataclasses
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return "None"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe_type(a) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a tuple of ({describe_type(args[0])})"
        return "a tuple of " + str(len(args)) + " (" + ", ".join(describe_type(a) for a in args) + ")"
    words = {bool: "True or False", int: "an integer", float: "a number", str: "a string"}
    if hint in words:
        return words[hint]
    if dataclasses.is_dataclass(hint):
        return f"a {hint.__name__}"
    return getattr(hint, "__name__", str(hint))


def check_type(name: str, value: Any, hint: Any) -> Any:
    """Return `value` if it fits the annotation `hint` (lists become tuples for tuple fields), else raise
    ValueError naming `name`, the value and the type in words.

    Understood: bool, int (not bool), float (int accepted, not bool), str, None, unions (`int | None`),
    `tuple[X, ...]`, `tuple[X, Y]` and dataclasses (an instance, its fields checked in turn as
    `name.field`). Anything else is accepted as it is.
    """
    import dataclasses
    import types
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)

    def bad():
        return ValueError(f"{name}={_describe(value)} is not accepted; expected {describe_type(hint)}")

    if hint is type(None):
        if value is not None:
            raise bad()
        return value
    if origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                return check_type(name, value, option)
            except ValueError:
                continue
        raise bad()
    if origin is tuple:
        if not isinstance(value, (tuple, list)):
            raise bad()
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(check_type(f"{name}[{i}]", v, args[0]) for i, v in enumerate(value))
        if len(value) != len(args):
            raise bad()
        return tuple(check_type(f"{name}[{i}]", v, a) for i, (v, a) in enumerate(zip(value, args)))
    if hint is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise bad()
        return bool(value)
    if hint is int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise bad()
        return int(value)
    if hint is float:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise bad()
        return float(value) if isinstance(value, (np.integer, np.floating)) else value
    if hint is str:
        if not isinstance(value, str):
            raise bad()
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise bad()
        hints = typing.get_type_hints(hint)
        changes = {}
        for f in dataclasses.fields(hint):
            checked = check_type(f"{name}.{f.name}", getattr(value, f.name), hints[f.name])
            if checked is not getattr(value, f.name):
                changes[f.name] = checked
        return dataclasses.replace(value, **changes) if changes else value
    return value
