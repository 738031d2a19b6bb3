"""Small generated IDX and CIFAR-10 files, and a local HTTP server that serves them (no internet).

Tests point dmm_edu's mirror and checksum tables at these (monkeypatch), so every download path runs
for real against 127.0.0.1 or file:// URLs.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np

from dmm_edu.data import image_catalog as catalog
from dmm_edu.data.cifar import cifar_bytes
from dmm_edu.data.idx import idx_bytes

IDX_NAMES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
SIZES = {"train": 20, "test": 10}  # every class twice / once


def md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def gz(payload: bytes, mtime: int = 0, level: int = 9) -> bytes:
    return gzip.compress(payload, compresslevel=level, mtime=mtime)


def make_idx_set(folder: Path, rng: np.random.Generator) -> dict:
    """Write a tiny MNIST-like set (.gz files) into `folder`; return {split: (x, y)} and the RemoteFile table."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays, table = {}, {}
    for split, (images_name, labels_name) in IDX_NAMES.items():
        n = SIZES[split]
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)  # (n, 28, 28)
        y = (np.arange(n) % 10).astype(np.uint8)  # (n,) every class
        files = []
        for name, a in ((images_name, x), (labels_name, y)):
            payload = idx_bytes(a)
            data = gz(payload)
            (folder / name).write_bytes(data)
            files.append(catalog.RemoteFile(name, md5(data), sha256(data), md5(payload)))
        arrays[split] = (x, y.astype(np.int64))
        table[split] = tuple(files)
    return {"arrays": arrays, "table": table}


def make_cifar_archive(path: Path, rng: np.random.Generator, n: int = 30, extra_members=()) -> dict:
    """Write a tiny cifar-10-binary.tar.gz (n records per batch); return arrays and hashes.

    extra_members: (tarfile.TarInfo, bytes | None) pairs added after the real ones (for attacks).
    """
    arrays, member_sha = {}, {}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in catalog.CIFAR10_BATCHES:
            x = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)  # (n, 3, 32, 32)
            y = np.arange(n) % 10  # (n,)
            data = cifar_bytes(x, y)
            arrays[f] = (x, y.astype(np.int64))
            member_sha[f] = sha256(data)
            _add(tar, f"{catalog.CIFAR10_FOLDER}/{f}", data)
        _add(tar, f"{catalog.CIFAR10_FOLDER}/batches.meta.txt", "\n".join(catalog.CLASSES["cifar10"]).encode())
        _add(tar, f"{catalog.CIFAR10_FOLDER}/readme.html", b"<html></html>")
        for info, data in extra_members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    path.write_bytes(buf.getvalue())
    archive = catalog.RemoteFile(path.name, md5(buf.getvalue()), sha256(buf.getvalue()))
    return {"arrays": arrays, "member_sha": member_sha, "archive": archive}


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    truncate: set[str] = set()

    def log_message(self, *args):  # keep pytest output clean
        pass

    def copyfile(self, source, outputfile):
        """For a file named in `truncate`: announce the full length, send half, then close."""
        if Path(self.path).name in self.truncate:
            data = source.read()
            outputfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        super().copyfile(source, outputfile)


@contextlib.contextmanager
def serve(folder: Path, truncate: tuple[str, ...] = ()):
    """An HTTP server on 127.0.0.1 serving `folder`; yields its base URL. Files in `truncate` arrive cut."""
    handler = type("Handler", (_QuietHandler,), {"truncate": set(truncate)})

    def factory(*args, **kwargs):
        return handler(*args, directory=str(folder), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def dead_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def use_idx_set(monkeypatch, name: str, table: dict, mirrors: list[str]) -> None:
    """Point dataset `name` at generated files: its checksum table and its mirrors."""
    monkeypatch.setitem(catalog.IDX_FILES, name, table)
    monkeypatch.setitem(catalog.MIRRORS, name, list(mirrors))


def pattern_images(n: int, shape: tuple, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n learnable images (uint8 (n, *shape)) with labels 0..9: a bright band whose height says the class."""
    y = np.arange(n) % 10  # (n,)
    x = rng.integers(0, 60, size=(n, *shape), dtype=np.uint8)  # (n, *shape) dim noise
    for i, c in enumerate(y):
        x[i, ..., 2 * c + 4 : 2 * c + 7, 4:24] = 255
    return x, y


def serve_fake_mnist(tmp_path: Path, monkeypatch, rng: np.random.Generator) -> Path:
    """A tiny learnable MNIST (200 train / 100 test) behind a file:// mirror; returns the (empty) cache folder."""
    monkeypatch.setenv("DMM_EDU_CACHE", str(tmp_path / "cache"))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    table = {}
    for split, n in (("train", 200), ("test", 100)):
        x, y = pattern_images(n, (28, 28), rng)
        files = []
        for name, a in zip(catalog.IDX_FILES["mnist"][split], (x, y.astype(np.uint8))):
            payload = idx_bytes(a)
            data = gzip.compress(payload, mtime=0)
            (mirror / name.filename).write_bytes(data)
            files.append(catalog.RemoteFile(name.filename, md5(data), sha256(data), md5(payload)))
        table[split] = tuple(files)
    use_idx_set(monkeypatch, "mnist", table, [mirror.as_uri()])
    return tmp_path / "cache"
