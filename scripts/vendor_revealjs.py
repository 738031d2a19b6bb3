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

import json
import shutil
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared helper beside this script
import _npm_vendor  # noqa: E402

VERSION = "6.0.2"
#: npm's "integrity" of reveal.js-6.0.2.tgz (SHA-512, base64), as `npm view reveal.js@6.0.2 dist` reports it
INTEGRITY = "sha512-JYIg5D9aoxoaLeb84O+OvAwsKWdIavVgEDScxtYEXFCT6t6TQrhNtSgogcjdCpdLsWglhJn3zyE3fUOwiH5KEg=="
SHA1 = "4249dcbb9b98417c341b9b8af4ddee91e152b0e4"  #: npm's "shasum" of the same tarball
SUBSET = ("LICENSE", "package.json", "dist/reveal.js", "dist/reveal.css", "dist/theme/black.css",
          "dist/plugin/notes.js", "dist/plugin/markdown.js", "dist/plugin/highlight/zenburn.css")
DEST = Path(__file__).resolve().parent.parent / "dmm_edu" / "vendor" / "revealjs"


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
    _npm_vendor.main("reveal.js", VERSION, (INTEGRITY, SHA1), extract_subset, DEST, __doc__.split("\n\n")[0])


if __name__ == "__main__":
    main()
