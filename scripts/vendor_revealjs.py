"""Vendor reveal.js into the package so lecture decks present with no network.

manim-slides' HTML deck loads reveal.js, its notes plugin and its markdown plugin (the speaker
notes) from a CDN. `dmm-edu slides build` points the deck at a copy of the files below, which every
deck carries in its own folder. This script fetches the npm package with `npm pack` (the npm
registry, nothing else), checks the tarball against the SHA-512 recorded below, and copies the subset
a deck loads into dmm_edu/vendor/revealjs/ (about 0.9 MB, committed, shipped as package data, so
building a deck needs no npm): dist/reveal.js, dist/reveal.css, the black theme (manim-slides'
default, fonts inlined), dist/plugin/notes.js, dist/plugin/markdown.js, the highlight stylesheet the
template links, package.json (the version) and the LICENSE. The dist/ files are stored without the
dist/ prefix (a deck copies them back under revealjs/dist/). Run it only to change the version:

    python scripts/vendor_revealjs.py            # re-vendor 6.0.2 and verify it
    python scripts/vendor_revealjs.py --print    # print the tarball's hashes (to record a new version)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "6.0.2"
#: npm's "integrity" of reveal.js-6.0.2.tgz (SHA-512, base64), as `npm view reveal.js@6.0.2 dist` reports it
INTEGRITY = "sha512-JYIg5D9aoxoaLeb84O+OvAwsKWdIavVgEDScxtYEXFCT6t6TQrhNtSgogcjdCpdLsWglhJn3zyE3fUOwiH5KEg=="
SHA1 = "4249dcbb9b98417c341b9b8af4ddee91e152b0e4"  #: npm's "shasum" of the same tarball
SUBSET = ("LICENSE", "package.json", "dist/reveal.js", "dist/reveal.css", "dist/theme/black.css",
          "dist/plugin/notes.js", "dist/plugin/markdown.js", "dist/plugin/highlight/zenburn.css")
DEST = Path(__file__).resolve().parent.parent / "dmm_edu" / "vendor" / "revealjs"


def integrity(tarball: Path) -> tuple[str, str]:
    """(npm-style SHA-512 integrity, SHA-1 hex) of a file."""
    data = tarball.read_bytes()
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(), hashlib.sha1(data).hexdigest()


def npm_pack(workdir: Path) -> Path:
    """Download reveal.js@VERSION's tarball into workdir with `npm pack`; its path."""
    if shutil.which("npm") is None:
        sys.exit("npm is not installed; it is needed only to re-vendor reveal.js (the committed copy needs nothing)")
    subprocess.run(["npm", "pack", f"reveal.js@{VERSION}", "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    return workdir / f"reveal.js-{VERSION}.tgz"


def extract_subset(tarball: Path, dest: Path) -> int:
    """Copy SUBSET from the tarball (members under package/) into dest, replacing it; files copied."""
    if dest.exists():
        shutil.rmtree(dest)
    n = 0
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if not member.isfile() or rel not in SUBSET:
                continue
            target = dest / rel.removeprefix("dist/")  # a deck copies these under revealjs/dist/
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src:
                target.write_bytes(src.read())
            n += 1
    missing = [rel for rel in SUBSET if not (dest / rel.removeprefix("dist/")).is_file()]
    if missing:
        sys.exit(f"reveal.js {VERSION} lacks {missing}: the deck template would load files that are not there")
    version = json.loads((dest / "package.json").read_text())["version"]
    if version != VERSION:
        sys.exit(f"the tarball's package.json says reveal.js {version}, not {VERSION}")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print", action="store_true", help="print the tarball's hashes and stop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_pack(Path(tmp))
        sha512, sha1 = integrity(tarball)
        if args.print:
            print(f"INTEGRITY = {sha512!r}\nSHA1 = {sha1!r}")
            return
        if (sha512, sha1) != (INTEGRITY, SHA1):
            sys.exit(f"reveal.js-{VERSION}.tgz does not match the recorded hashes:\n  got {sha512} / {sha1}\n"
                     f"  expected {INTEGRITY} / {SHA1}")
        n = extract_subset(tarball, DEST)
    size = sum(p.stat().st_size for p in DEST.rglob("*") if p.is_file())
    print(f"vendored reveal.js {VERSION}: {n} files, {size / 1e6:.1f} MB in {DEST}")


if __name__ == "__main__":
    main()
