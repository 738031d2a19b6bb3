"""The IDX format: round trips, and every kind of damaged header or payload gives a clear error."""

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dmm_edu.data.idx import IdxFormatError, idx_bytes, parse_idx, read_idx, read_payload
from dmm_edu.data.image_errors import CorruptDataError


@settings(max_examples=60, deadline=None)
@given(a=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6)))
def test_round_trip_any_uint8_array(a):
    back = parse_idx(idx_bytes(a))
    assert back.dtype == np.uint8 and back.shape == a.shape
    np.testing.assert_array_equal(back, a)


@settings(max_examples=20, deadline=None)
@given(a=hnp.arrays(np.uint8, st.tuples(st.integers(0, 5), st.just(28), st.just(28))))
def test_header_is_the_mnist_layout(a):
    raw = idx_bytes(a)
    assert raw[:4] == bytes([0, 0, 8, 3])  # magic 2051 for images
    assert int.from_bytes(raw[4:8], "big") == len(a)
    assert len(raw) == 16 + a.size  # 16-byte header, then row-major pixels
    assert idx_bytes(a[:, 0, 0])[:4] == bytes([0, 0, 8, 1])  # 2049 for labels


def test_file_round_trip_gzipped_and_plain(tmp_path, rng):
    x = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    (tmp_path / "x.gz").write_bytes(gzip.compress(idx_bytes(x)))
    (tmp_path / "x").write_bytes(idx_bytes(x))
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz", ndim=3), x)
    np.testing.assert_array_equal(read_idx(tmp_path / "x", ndim=3), x)
    assert read_idx(tmp_path / "x").flags.writeable


def labels_raw(n=5):
    return idx_bytes(np.arange(n, dtype=np.uint8))


@pytest.mark.parametrize("raw, match", [
    (b"\x00\x00", "too short"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 8, "not an IDX magic"),  # still gzipped
    (b"\x01\x00\x08\x01" + (5).to_bytes(4, "big") + bytes(5), "not an IDX magic"),
    (b"\x00\x00\x0d\x01" + (5).to_bytes(4, "big") + bytes(20), "type code 0x0d"),  # float32
    (b"\x00\x00\x08\x00", "0 dimensions"),
    (b"\x00\x00\x08\x03" + (5).to_bytes(4, "big"), "truncated IDX header"),
])
def test_bad_headers_are_refused(raw, match):
    with pytest.raises(IdxFormatError, match=match):
        parse_idx(raw, source="f.idx")


def test_wrong_number_of_dimensions_is_refused():
    with pytest.raises(IdxFormatError, match="1 dimensions; expected 3"):
        parse_idx(labels_raw(), ndim=3)


def test_truncated_and_padded_payloads_are_refused():
    raw = labels_raw(5)
    with pytest.raises(IdxFormatError, match=r"truncated.*shape \(5,\).*holds 4"):
        parse_idx(raw[:-1])
    with pytest.raises(IdxFormatError, match="extra bytes"):
        parse_idx(raw + b"\x00")


def test_errors_name_the_file_and_are_value_errors():
    with pytest.raises(ValueError, match="my/file.idx"):
        parse_idx(labels_raw()[:-2], source="my/file.idx")
    assert issubclass(IdxFormatError, CorruptDataError)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    data = gzip.compress(idx_bytes(np.zeros((20, 28, 28), np.uint8)) + bytes(range(256)) * 40)
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDataError, match="not a complete gzip file"):
        read_payload(tmp_path / "cut.gz")
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    (tmp_path / "bad.gz").write_bytes(bytes(damaged))
    with pytest.raises(CorruptDataError, match="gzip"):
        read_payload(tmp_path / "bad.gz")


def test_writer_refuses_what_idx_cannot_hold():
    with pytest.raises(TypeError, match="uint8"):
        idx_bytes(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        idx_bytes(np.uint8(3))
