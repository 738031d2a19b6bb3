"""Vendor MathJax 3 into docs/ so the book typesets math with no network.

Material's documented recipe loads MathJax from a CDN; offline, the math stays raw TeX. This
script fetches the npm package with `npm pack` (the npm registry, nothing else), checks the
tarball against the SHA-512 recorded below, and copies the subset the site needs into
docs/assets/vendor/mathjax/: es5/tex-mml-chtml.js, its woff-v2 fonts, the TeX extensions and the
LICENSE (about 2 MB, committed, so building the book needs no npm). MathJax 4 loads its fonts from
a CDN by default: stay on 3. Run it only to change the version:

    python scripts/vendor_mathjax.py            # re-vendor 3.2.2 and verify it
    python scripts/vendor_mathjax.py --print    # print the tarball's hashes (to record a new version)
"""

from __future__ import annotations

import shutil
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared helper beside this script
import _npm_vendor  # noqa: E402

VERSION = "3.2.2"
#: npm's "integrity" of mathjax-3.2.2.tgz (SHA-512, base64), as `npm pack --json` reported it
INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
SHA1 = "c754d7b46a679d7f3fa03543d6b8bf124ddf9f6b"  #: npm's "shasum" of the same tarball
SUBSET = ("LICENSE", "es5/tex-mml-chtml.js", "es5/output/chtml/fonts/woff-v2", "es5/input/tex/extensions")
DEST = Path(__file__).resolve().parent.parent / "docs" / "assets" / "vendor" / "mathjax"


def extract_subset(tarball: Path, dest: Path) -> int:
    """Copy SUBSET from the tarball (members under package/) into dest, replacing it; files copied."""
    if dest.exists():
        shutil.rmtree(dest)
    n = 0
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if not member.isfile() or not any(rel == s or rel.startswith(s + "/") for s in SUBSET):
                continue
            target = dest / rel.removeprefix("es5/")  # served as assets/vendor/mathjax/tex-mml-chtml.js
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src:
                target.write_bytes(src.read())
            n += 1
    return n


def main() -> None:
    _npm_vendor.main("mathjax", VERSION, (INTEGRITY, SHA1), extract_subset, DEST, __doc__.split("\n\n")[0])


if __name__ == "__main__":
    main()
