"""Where dmm_edu keeps downloaded datasets and saved results.

`$DMM_EDU_CACHE` if set, else the platform's user cache folder for "dmm_edu"
(`$XDG_CACHE_HOME/dmm_edu`, by default `~/.cache/dmm_edu`, on Linux).
"""

from __future__ import annotations

import os
import shutil
import tempfile
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


def keep(kind: str, key: str, sources: list[Path]) -> None:
    """Copy `sources` (files, or a folder's content) into the cache folder's `kind/key/`.

    Built in a temporary folder beside it and renamed into place, so an entry is whole or absent. A
    cache that cannot be written only costs the next caller its shortcut: OSError is swallowed.
    Used by the renders (`dmm_edu.animate`) and the lecture decks (`dmm_edu.slides`).
    """
    root = cache_dir() / kind
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError:
        return
    try:
        for source in sources:
            if source.is_dir():
                shutil.copytree(source, tmp, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, tmp / source.name)
        shutil.rmtree(root / key, ignore_errors=True)
        tmp.replace(root / key)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
