"""Bad input to progress, report and export --fit: one error line, nothing written, the log untouched."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from taut.cli import main


def _one_error_line(capsys) -> str:  # noqa: ANN001
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


def _digest(path) -> str:  # noqa: ANN001
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("argv", [["progress"], ["report", "1"], ["export", "1", "--fit", "-o", "x.fit"]])
def test_db_naming_a_folder_is_one_error_line(tmp_path, capsys, argv):
    assert main([*argv, "--db", str(tmp_path)]) == 2
    assert "folder" in _one_error_line(capsys)


def test_a_huge_session_id_is_no_such_session(log_path, tmp_path, capsys):
    for argv in (["report", str(2**63)], ["export", str(2**70), "--fit", "-o", str(tmp_path / "x.fit")]):
        assert main([*argv, "--db", str(log_path)]) == 2
        assert "no session" in _one_error_line(capsys)
    assert not (tmp_path / "x.fit").exists()


def test_a_damaged_log_is_read_or_refused_in_one_line(log_path, tmp_path, capsys):
    conn = sqlite3.connect(log_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with open(log_path, "r+b") as f:
        f.seek(page * (pages // 2))
        f.write(b"\xa5" * page)
    before = _digest(log_path)
    for argv in (["progress", "--no-chart"], ["report", "2", "--no-plots", "-o", str(tmp_path / "r.html")],
                 ["export", "2", "--fit", "-o", str(tmp_path / "r.fit")]):  # fmt: skip
        code = main([*argv, "--db", str(log_path)])
        if code:
            assert "damaged" in _one_error_line(capsys)
        else:
            capsys.readouterr()
        assert _digest(log_path) == before
