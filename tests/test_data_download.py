"""Downloads against a local server: mirrors in order, checksums, truncation, no half-written file ever."""

import os

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
    def interrupted(url, part, **kwargs):
        part.write_bytes(b"half of it")
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "_download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert leftovers(served["dest"]) == []


def test_a_stale_part_file_is_replaced(served):
    served["dest"].mkdir()
    (served["dest"] / "f.gz.part").write_bytes(b"left by a crash")
    fetch("f.gz", [served["src"].as_uri()], served["dest"], md5=served["md5"], progress=False)
    assert leftovers(served["dest"]) == ["f.gz"]


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
