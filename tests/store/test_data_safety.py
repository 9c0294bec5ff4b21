"""Nothing a user has is lost: files are written whole or not at all, a damaged log is never
written to, read commands never create a log, and every failure is one error line and exit 2."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from taut.atomic import AtomicFile, atomic_path, atomic_write
from taut.cli import main
from taut.recording import RecordingWriter, read_recording, write_recording
from taut.store import open_log

from logsynth import trapezoids


@pytest.fixture
def logged(tmp_path, capsys):
    rec = tmp_path / "rec.csv"
    write_recording(rec, *trapezoids(5))
    db = tmp_path / "log.db"
    for _ in range(2):  # two sessions
        assert main(["live", "--replay", str(rec), "--speed", "0", "--view", "none", "--exercise", "row",
                     "--db", str(db)]) == 0  # fmt: skip
    capsys.readouterr()
    return db


def _one_error_line(capsys, *, progress_before: bool = False) -> str:
    """The command's one error line (a stream's status lines may come before it), no traceback."""
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if ": error: " in line]
    assert len(errors) == 1 and err[-1] == errors[0], err
    assert progress_before or len(err) == 1, err
    assert not any("Traceback" in line for line in err)
    return errors[0]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


# -- atomic files -----------------------------------------------------------------------------


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("new, but cut")
        raise RuntimeError("boom")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []
    with atomic_write(target) as f:
        f.write("new")
    assert target.read_text() == "new" and _leftovers(tmp_path) == []
    assert target.stat().st_mode & 0o777 == 0o640  # the replaced file keeps its permissions


def test_atomic_path_for_writers_that_take_a_file_name(tmp_path):
    target = tmp_path / "set-1.png"
    target.write_bytes(b"old png")
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half a png")
        raise OSError("Qt could not write it")
    assert target.read_bytes() == b"old png" and _leftovers(tmp_path) == []
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new png")
    assert target.read_bytes() == b"new png" and _leftovers(tmp_path) == []


def test_atomic_file_refuses_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError):
        AtomicFile(tmp_path)


def test_a_recording_given_up_leaves_no_trace(tmp_path):
    target = tmp_path / "rec.csv"
    target.write_text("time_s,tension_n\n0.0,1.0\n")
    w = RecordingWriter(target)
    w.write(np.array([0.0, 0.1]), np.array([5.0, 6.0]))
    w.abort()
    assert read_recording(target).tension_n.tolist() == [1.0]
    assert _leftovers(tmp_path) == []


# -- stream --out -------------------------------------------------------------------------------


def test_stream_that_cannot_connect_leaves_the_old_recording(tmp_path, capsys):
    out = tmp_path / "rec.csv"
    out.write_text("time_s,tension_n\n0.0,42.0\n")
    before = out.read_bytes()
    code = main(["stream", "No-Such-Band", "--virtual", "row", "--scan-timeout", "0.3", "--fast", "--out", str(out)])
    assert code == 2
    _one_error_line(capsys, progress_before=True)
    assert out.read_bytes() == before and _leftovers(tmp_path) == []


def test_stream_onto_a_full_disk_keeps_what_came_and_the_old_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "rec.csv"
    out.write_text("time_s,tension_n\n0.0,42.0\n")
    before = out.read_bytes()
    real_write = RecordingWriter.write
    calls = {"n": 0}

    def write_until_full(self, time_s, tension_n):
        calls["n"] += 1
        if calls["n"] == 5:
            self._fh.write("1.23")  # a cut line, as a full disk leaves it
            self._fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, time_s, tension_n)

    monkeypatch.setattr(RecordingWriter, "write", write_until_full)
    code = main(["stream", "--virtual", "row", "--seconds", "5", "--fast", "--out", str(out)])
    assert code == 2
    line = _one_error_line(capsys, progress_before=True)
    assert "no room" in line and f"{out}.partial" in line and "left as it was" in line
    assert out.read_bytes() == before
    kept = read_recording(f"{out}.partial")  # whole lines only: it reads back
    assert len(kept) > 0
    assert _leftovers(tmp_path) == ["rec.csv.partial"]  # and no temporary file


# -- export -------------------------------------------------------------------------------------


def test_export_refuses_to_write_onto_the_log(logged, capsys, file_digest):
    before = file_digest(logged)
    assert main(["export", "1", "--json", "--db", str(logged), "-o", str(logged)]) == 2
    assert "workout log itself" in _one_error_line(capsys)
    assert file_digest(logged) == before
    link = logged.parent / "another-name.db"
    os.link(logged, link)
    assert main(["export", "1", "--csv", "--db", str(logged), "-o", str(link)]) == 2
    _one_error_line(capsys)
    assert file_digest(logged) == before


def test_export_onto_a_full_disk_leaves_the_old_file(tmp_path, capsys):
    """A file-size limit stands in for a full disk: the write fails part way, in a real process."""
    rec = tmp_path / "long.csv"
    write_recording(rec, *trapezoids(20))  # ~10,000 samples: an export far over the limit below
    logged = tmp_path / "log.db"
    assert main(["live", "--replay", str(rec), "--speed", "0", "--view", "none", "--db", str(logged)]) == 0
    capsys.readouterr()
    out = tmp_path / "export.json"
    out.write_text("the export of last week\n")

    def limit():
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))  # the log's -shm file needs 32 KiB

    proc = subprocess.run(
        [sys.executable, "-m", "taut", "export", "1", "--json", "--samples", "--db", str(logged), "-o", str(out)],
        capture_output=True, text=True, preexec_fn=limit, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "no room" in err[0] and "nothing was changed" in err[0]
    assert out.read_text() == "the export of last week\n" and _leftovers(tmp_path) == []


# -- the log ------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["history"], ["show", "1"], ["export", "1", "--json"], ["reanalyze"], ["bands"]])
def test_read_commands_never_create_a_log(tmp_path, capsys, argv):
    db = tmp_path / "typo" / "log.db"
    assert main([*argv, "--db", str(db)]) in (0, 2)
    assert not db.exists() and not db.parent.exists()


@pytest.mark.parametrize("argv", [["history"], ["show", "1"], ["export", "1", "--json"], ["reanalyze"], ["live", "--view", "none"]])
def test_db_naming_a_folder_is_one_error_line(tmp_path, capsys, argv):
    rec = tmp_path / "rec.csv"
    write_recording(rec, *trapezoids(1))
    if argv[0] == "live":
        argv = [*argv, "--replay", str(rec), "--speed", "0"]
    assert main([*argv, "--db", str(tmp_path)]) == 2
    assert "folder" in _one_error_line(capsys)


def test_a_huge_session_id_is_no_such_session(logged, capsys):
    for argv in (["show", str(2**63)], ["export", str(2**70), "--json"], ["reanalyze", str(2**63 + 1)]):
        assert main([*argv, "--db", str(logged)]) == 2
        assert "no session" in _one_error_line(capsys)


def test_a_csv_field_over_the_csv_limit_names_its_line(tmp_path, capsys):
    rec = tmp_path / "huge.csv"
    rec.write_text("time_s,tension_n\n0.0,1.0\n0.1," + "9" * 140_000 + "\n")
    assert main(["analyze", str(rec)]) == 2
    assert "line 3" in _one_error_line(capsys)


def test_reanalyze_is_all_or_nothing(logged, capsys):
    with open_log(logged, readonly=True) as db:
        before = [(s.index, len(s.reps), s.analysis) for s in db.sets(1)]
    assert main(["reanalyze", "1", "999", "--db", str(logged)]) == 2
    assert "no session 999" in _one_error_line(capsys)
    with open_log(logged, readonly=True) as db:
        assert [(s.index, len(s.reps), s.analysis) for s in db.sets(1)] == before
    assert main(["reanalyze", "1", "2", "--db", str(logged)]) == 0
    with open_log(logged, readonly=True) as db:
        assert all(s.analysis.startswith("reanalyze") for sid in (1, 2) for s in db.sets(sid))


def test_a_locked_log_in_bands_remove_is_one_error_line(logged, capsys):
    holder = sqlite3.connect(logged, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert main(["bands", "--remove", "red", "--db", str(logged)]) == 2
        assert "locked" in _one_error_line(capsys)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _damage_mid_file(db: Path) -> None:
    """Junk over a page in the middle of the file (a bad sector, a torn copy); header intact."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages >= 6
    with open(db, "r+b") as f:
        f.seek(page * (pages // 2))
        f.write(b"\xa5" * page)


def test_a_damaged_log_is_never_written(logged, capsys, file_digest, tmp_path):
    _damage_mid_file(logged)
    before = file_digest(logged)
    rec = tmp_path / "rec.csv"
    for argv in (
        ["live", "--replay", str(rec), "--speed", "0", "--view", "none", "--exercise", "row"],
        ["reanalyze"],
        ["reanalyze", "1"],
    ):
        assert main([*argv, "--db", str(logged)]) == 2
        line = _one_error_line(capsys)
        assert "damaged" in line and "taut log recover" in line
        assert file_digest(logged) == before
    for argv in (["show", "1", "--no-png"], ["export", "1", "--json", "--samples"], ["history"]):
        code = main([*argv, "--db", str(logged)])
        if code:  # a read that meets the damage says so in one line, never a traceback
            assert "damaged" in _one_error_line(capsys)
        else:
            capsys.readouterr()
        assert file_digest(logged) == before


def test_log_check_and_recover(logged, capsys, tmp_path, file_digest):
    assert main(["log", "check", "--db", str(logged)]) == 0
    assert "ok" in capsys.readouterr().out
    with open_log(logged, readonly=True) as db:
        sessions_before = [s.id for s in db.sessions()]
    _damage_mid_file(logged)
    before = file_digest(logged)
    assert main(["log", "check", "--db", str(logged)]) == 2
    captured = capsys.readouterr()
    assert "damaged" in captured.err and "taut log recover" in captured.err
    new = tmp_path / "recovered.db"
    assert main(["log", "recover", "--db", str(logged), "-o", str(new)]) == 0
    out = capsys.readouterr().out
    assert "recovered" in out and "was not changed" in out
    assert file_digest(logged) == before
    assert main(["log", "check", "--db", str(new)]) == 0
    capsys.readouterr()
    with open_log(new) as db:  # a sound log of the current schema, writable again
        assert {s.id for s in db.sessions()} <= set(sessions_before)
        assert db.sessions()
        db.start_session(exercise="row", source="test")
    assert main(["log", "recover", "--db", str(logged), "-o", str(new)]) == 2  # never overwrites
    assert "already exists" in _one_error_line(capsys)


@pytest.mark.skipif(not shutil.which("setpriv"), reason="needs setpriv (util-linux) to drop root")
def test_a_log_in_a_read_only_folder_can_be_read(logged, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "log.db"
    shutil.copy(logged, db)
    os.chmod(db, 0o644)
    os.chmod(folder, 0o555)
    os.chmod(tmp_path, 0o755)
    for p in tmp_path.parents:  # nobody must reach the folder
        if p == Path("/") or os.stat(p).st_mode & 0o005 == 0o005:
            break
        os.chmod(p, os.stat(p).st_mode | 0o005)
    cmd = [sys.executable, "-m", "taut", "history", "--db", str(db)]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
    env = {**os.environ, "HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1", "NUMBA_CACHE_DIR": "/tmp"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    try:
        assert proc.returncode == 0, proc.stderr
        assert "row" in proc.stdout
        assert sorted(p.name for p in folder.iterdir()) == ["log.db"]  # nothing created beside it
    finally:
        os.chmod(folder, 0o755)
