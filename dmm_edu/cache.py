"""Where dmm_edu keeps downloaded datasets and saved results.

`$DMM_EDU_CACHE` if set, else the platform's user cache folder for "dmm_edu"
(`$XDG_CACHE_HOME/dmm_edu`, by default `~/.cache/dmm_edu`, on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "DMM_EDU_CACHE"


def cache_dir() -> Path:
    """The cache folder (not created here; writers create what they need)."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dmm_edu", appauthor=False))


def results_dir() -> Path:
    """Where `run_cached` keeps results: the cache folder's `results/` (not created here)."""
    return cache_dir() / "results"
