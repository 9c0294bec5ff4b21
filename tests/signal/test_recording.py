"""The CSV recording format: strict reading with errors naming the line, streaming writing."""

import io

import numpy as np
import pytest

from taut.recording import RecordingError, RecordingWriter, read_recording, write_recording


def _read(text: str):
    return read_recording(io.StringIO(text))


def test_reads_samples_in_order():
    rec = _read("time_s,tension_n\n0.0,1.5\n0.0125,2.5\n0.05,-0.25\n")
    assert rec.time_s.tolist() == [0.0, 0.0125, 0.05]
    assert rec.tension_n.tolist() == [1.5, 2.5, -0.25]


def test_columns_may_come_in_any_order_and_blank_lines_are_skipped():
    rec = _read("tension_n,time_s\n\n3,0.1\n4,0.2\n")
    assert rec.time_s.tolist() == [0.1, 0.2]
    assert rec.tension_n.tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "empty"),
        ("   \n\n", 1, "empty"),
        ("time_s,force\n0,1\n", 1, "missing column"),
        ("time_s,tension_n\n", 1, "no samples"),
        ("time_s,tension_n\n0,1\n0.1,abc\n", 3, "not a number"),
        ("time_s,tension_n\n0,1\nx,2\n", 3, "not a number"),
        ("time_s,tension_n\n0,1\n0.1,nan\n", 3, "not finite"),
        ("time_s,tension_n\n0,1\n0.1,inf\n", 3, "not finite"),
        ("time_s,tension_n\n0,1\n0.1,2\n0.1,3\n0.05,3\n", 5, "goes back"),
        ("time_s,tension_n\n0,1\n0.2,2\n0.1,3\n", 4, "not increasing"),
        ("time_s,tension_n\n0,1\n0.1\n", 3, "columns"),
        ("time_s,tension_n\n0,1\n0.1,2,3\n", 3, "columns"),
    ],
)
def test_bad_input_names_the_line(text, line, words):
    with pytest.raises(RecordingError) as err:
        _read(text)
    assert err.value.line == line
    assert f"line {line}" in str(err.value)
    assert words in str(err.value)


def test_repeated_timestamps_are_merged_at_their_mean_tension():
    rec = _read("time_s,tension_n\n0,1\n0.1,2\n0.1,4\n0.1,9\n0.2,5\n0.3,6\n0.3,7\n")
    assert rec.time_s.tolist() == [0.0, 0.1, 0.2, 0.3]
    assert rec.tension_n.tolist() == [1.0, 5.0, 5.0, 6.5]
    assert rec.merged_samples == 3


def test_strictly_increasing_file_merges_nothing():
    rec = _read("time_s,tension_n\n0,1\n0.1,2\n")
    assert rec.merged_samples == 0


def test_time_going_back_after_a_repeat_is_still_refused():
    with pytest.raises(RecordingError) as err:
        _read("time_s,tension_n\n0,1\n0.1,2\n0.1,3\n0.09,3\n")
    assert err.value.line == 5 and "goes back" in str(err.value)


def test_missing_file_is_a_recording_error(tmp_path):
    with pytest.raises(RecordingError, match="cannot read"):
        read_recording(tmp_path / "nope.csv")


def test_writer_round_trip_drops_invalid_samples(tmp_path):
    path = tmp_path / "rec.csv"
    with RecordingWriter(path) as w:
        assert w.write(np.array([0.0, 0.0125]), np.array([1.0, np.nan])) == 1
        assert w.write(np.array([0.025, 0.0375]), np.array([2.25, 3.5])) == 2
    rec = read_recording(path)
    assert rec.time_s.tolist() == [0.0, 0.025, 0.0375]
    assert rec.tension_n.tolist() == [1.0, 2.25, 3.5]


def test_writer_refuses_time_going_back(tmp_path):
    with RecordingWriter(tmp_path / "r.csv") as w:
        w.write(np.array([1.0]), np.array([1.0]))
        with pytest.raises(ValueError, match="increasing"):
            w.write(np.array([0.5]), np.array([1.0]))
        with pytest.raises(ValueError, match="length"):
            w.write(np.array([2.0, 3.0]), np.array([1.0]))


def test_write_recording_whole_array(tmp_path):
    t = np.arange(100) / 80.0
    f = np.sin(t)
    path = tmp_path / "w.csv"
    assert write_recording(path, t, f) == 100
    rec = read_recording(path)
    np.testing.assert_allclose(rec.time_s, t, atol=1e-6)
    np.testing.assert_allclose(rec.tension_n, f, atol=1e-3)
