"""Downloads against a local server: mirrors in order, checksums, truncation, slow mirrors, planted
links, no half-written file ever."""

import contextlib
import importlib.util
import os
import socket
import threading
import time

import pytest
from data_fixtures import dead_url, gz, md5, serve, sha256

from dmm_edu.data import download
from dmm_edu.data.download import ensure_writable, fetch
from dmm_edu.data.image_errors import DatasetUnavailableError

PAYLOAD = bytes(range(256)) * 400  # 100 KiB: several reads of download.CHUNK


@pytest.fixture
def served(tmp_path):
    """A folder with one file, its digests, and a folder to download into."""
    src = tmp_path / "mirror"
    src.mkdir()
    data = gz(PAYLOAD)
    (src / "f.gz").write_bytes(data)
    return {"src": src, "data": data, "md5": md5(data), "sha256": sha256(data), "dest": tmp_path / "cache"}


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_verifies_and_renames(served):
    with serve(served["src"]) as url:
        path = fetch("f.gz", [url], served["dest"], md5=served["md5"], sha256=served["sha256"], progress=False)
    assert path == served["dest"] / "f.gz" and path.read_bytes() == served["data"]
    assert leftovers(served["dest"]) == ["f.gz"]  # no .part, no write-test file


def test_file_urls_work_too(served):
    path = fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert path.read_bytes() == served["data"]


@pytest.mark.parametrize("first", ["dead", "404"])
def test_a_failed_mirror_falls_through_to_the_next(served, tmp_path, first):
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(served["src"]) as good, serve(empty) as missing:
        bad = dead_url() if first == "dead" else missing
        path = fetch("f.gz", [bad, good], served["dest"], md5=served["md5"], progress=False)
    assert path.read_bytes() == served["data"]


@pytest.mark.parametrize("which", ["md5", "sha256"])
def test_a_wrong_checksum_leaves_nothing_behind(served, which):
    digests = {"md5": served["md5"], "sha256": served["sha256"]}
    digests[which] = "0" * len(digests[which])
    with serve(served["src"]) as url, pytest.raises(DatasetUnavailableError) as err:
        fetch("f.gz", [url], served["dest"], **digests, progress=False)
    assert f"{which.upper()} is {served[which]}, expected {'0' * len(digests[which])}" in str(err.value)
    assert leftovers(served["dest"]) == []


def test_a_truncated_transfer_is_refused(served):
    with serve(served["src"], truncate=("f.gz",)) as url, pytest.raises(DatasetUnavailableError) as err:
        fetch("f.gz", [url], served["dest"], md5=served["md5"], progress=False)
    assert "incomplete download: " in str(err.value)
    assert leftovers(served["dest"]) == []


def test_offline_lists_every_url_and_the_advice(served, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    urls = [dead_url(), (tmp_path / "nowhere").as_uri()]
    with serve(empty) as missing:
        urls.append(missing)
        with pytest.raises(DatasetUnavailableError) as err:
            fetch("f.gz", urls, served["dest"], md5=served["md5"], progress=False, how_to_get="use the bundled set")
    message = str(err.value)
    for url in urls:
        assert download.mirror_url(url, "f.gz") in message
    assert "HTTP 404" in message and message.endswith("use the bundled set")
    assert isinstance(err.value, RuntimeError) and leftovers(served["dest"]) == []


def test_an_interrupted_download_leaves_no_part_file(served, monkeypatch):
    def interrupted(url, out, **kwargs):
        out.write(b"half of it")
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "_download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert leftovers(served["dest"]) == []


def test_a_stale_part_file_is_replaced(served):
    served["dest"].mkdir()
    stale = served["dest"] / "f.gz.part"
    stale.write_bytes(b"left by a crash")
    old = time.time() - 3 * download.TIMEOUT_S  # untouched for longer than any live download would be
    os.utime(stale, (old, old))
    fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert leftovers(served["dest"]) == ["f.gz"] and (served["dest"] / "f.gz").read_bytes() == served["data"]


def test_a_part_file_being_written_is_not_taken_over(served):
    served["dest"].mkdir()
    live = served["dest"] / "f.gz.part"
    live.write_bytes(b"another process is writing this")
    with pytest.raises(FileExistsError, match=r"f\.gz\.part changed 0 s ago: another download of f\.gz"):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert live.read_bytes() == b"another process is writing this"


# --- links planted at the .part name ----------------------------------------------------------


@pytest.mark.parametrize("dangling", [False, True])
def test_a_planted_part_link_is_removed_and_never_written_through(served, tmp_path, dangling):
    victim = tmp_path / "outside" / "precious.txt"
    victim.parent.mkdir()
    if not dangling:
        victim.write_bytes(b"not yours")
    served["dest"].mkdir()
    (served["dest"] / "f.gz.part").symlink_to(victim)
    path = fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert path.read_bytes() == served["data"] and not path.is_symlink()
    assert leftovers(served["dest"]) == ["f.gz"]
    if dangling:
        assert not victim.exists()  # O_NOFOLLOW | O_EXCL: the link's target was not created
    else:
        assert victim.read_bytes() == b"not yours"


def test_a_link_planted_after_the_check_is_refused_not_followed(served, tmp_path, monkeypatch):
    """The race: a link appears between clearing the name and opening it. O_EXCL | O_NOFOLLOW refuse it."""
    victim = tmp_path / "precious.txt"
    victim.write_bytes(b"not yours")
    served["dest"].mkdir()

    def plant(part, stale_after):
        part.symlink_to(victim)

    monkeypatch.setattr(download, "_clear_stale_part", plant)
    with pytest.raises(FileExistsError, match=r"f\.gz\.part appeared just before the download started.*nothing "
                                              r"was written through it"):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert victim.read_bytes() == b"not yours"


def test_a_folder_at_the_part_name_is_refused(served):
    (served["dest"] / "f.gz.part").mkdir(parents=True)
    with pytest.raises(FileExistsError, match=r"f\.gz\.part is a folder; it is in the way"):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)


def test_a_folder_at_the_final_name_is_refused_before_downloading(served):
    (served["dest"] / "f.gz").mkdir(parents=True)
    with pytest.raises(IsADirectoryError, match=r"f\.gz is a folder; the downloaded file f\.gz goes at that path"):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)


# --- slow mirrors -------------------------------------------------------------------------------


@contextlib.contextmanager
def trickle_server(length: int = 1000, every: float = 0.05):
    """A 127.0.0.1 HTTP server that announces `length` bytes and sends one byte every `every` seconds."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)
    stop = threading.Event()

    def send(conn):
        with conn:
            try:
                conn.recv(4096)  # the request
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n".encode())
                for _ in range(length):
                    if stop.wait(every):
                        return
                    conn.sendall(b"x")
            except OSError:  # the client gave up
                pass

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=send, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_a_trickling_mirror_misses_the_deadline_and_the_next_one_is_used(served):
    with trickle_server() as slow, serve(served["src"]) as good:
        start = time.monotonic()
        path = fetch("f.gz", [slow, good], served["dest"], md5=served["md5"], progress=False,
                     min_rate=0, deadline=0.4)
        assert time.monotonic() - start < 10
    assert path.read_bytes() == served["data"] and leftovers(served["dest"]) == ["f.gz"]


def test_a_trickling_mirror_alone_fails_with_the_deadline_named(served):
    with trickle_server() as slow, pytest.raises(DatasetUnavailableError) as err:
        fetch("f.gz", [slow], served["dest"], md5=served["md5"], progress=False, min_rate=0, deadline=0.4)
    assert "f.gz: not finished within deadline=0.4 s (" in str(err.value)
    assert leftovers(served["dest"]) == []


def test_a_mirror_below_the_minimum_rate_fails_with_the_rate_named(served):
    with trickle_server() as slow, pytest.raises(DatasetUnavailableError) as err:
        fetch("f.gz", [slow], served["dest"], md5=served["md5"], progress=False, timeout=0.4, min_rate=1000,
              deadline=None)
    message = str(err.value)
    assert "f.gz: too slow: " in message and "a mirror must send at least min_rate=1000 bytes/s" in message
    assert leftovers(served["dest"]) == []


def test_a_fast_enough_mirror_passes_the_rate_check(served):
    """Negative control: the same checks do not reject a mirror that keeps up."""
    with serve(served["src"]) as url:
        path = fetch("f.gz", [url], served["dest"], md5=served["md5"], progress=False, timeout=0.4, min_rate=1000,
                     deadline=30)
    assert path.read_bytes() == served["data"]


@pytest.mark.parametrize("kwargs, message", [
    ({"timeout": 0}, r"timeout=0 is not accepted; expected seconds, a finite number > 0"),
    ({"deadline": float("nan")}, r"deadline=nan is not accepted; expected seconds"),
    ({"min_rate": -1}, r"min_rate=-1 is not accepted; expected bytes per second, a finite number >= 0"),
])
def test_bad_limits_are_refused_by_name(served, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False, **kwargs)


def test_one_url_string_is_not_taken_for_a_list_of_mirrors(served):
    with pytest.raises(TypeError, match=r"mirrors='file://.*' is not accepted; expected a list of folder URLs"):
        fetch("f.gz", served["src"].as_uri(), served["dest"], md5=served["md5"], progress=False)


def test_a_cache_under_a_file_is_not_writable(served, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match=r"a-file/datasets.*DMM_EDU_CACHE"):
        fetch("f.gz", [served["src"].as_uri()], blocker / "datasets", md5=served["md5"], progress=False)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_read_only_cache_is_not_writable(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="DMM_EDU_CACHE"):
            ensure_writable(folder)
    finally:
        folder.chmod(0o700)


def test_progress_bar_is_off_without_a_terminal(served, capsys):
    fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=True)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a tty


# --- a full disk ---------------------------------------------------------------------------------

FULL_DISK_SCRIPT = """
import resource, sys
from dmm_edu.data.download import fetch
room = int(sys.argv[5])
resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))  # a disk with room for half the file
try:
    fetch("f.gz", sys.argv[1:3], sys.argv[3], md5=sys.argv[4], progress=False)
except OSError as exc:
    print(type(exc).__name__, exc)
"""


def full_disk_fetch(served, mirrors) -> str:
    """fetch in a child process whose files may not grow past half the file (RLIMIT_FSIZE: writes fail with EFBIG)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", FULL_DISK_SCRIPT, *mirrors, str(served["dest"]), served["md5"],
                           str(len(served["data"]) // 2)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.skipif(importlib.util.find_spec("resource") is None, reason="needs RLIMIT_FSIZE (POSIX)")
def test_a_full_disk_stops_at_once_with_the_folder_and_the_way_out(served):
    second = served["src"].as_uri() + "/"
    out = full_disk_fetch(served, [served["src"].as_uri(), second])
    assert out.startswith("OSError [Errno 27] no space left for f.gz in ") and "File too large" in out
    assert "set DMM_EDU_CACHE to a folder on a disk with room" in out
    assert "tried:" not in out  # not blamed on the mirrors one after another
    assert leftovers(served["dest"]) == []  # the partial .part is gone
