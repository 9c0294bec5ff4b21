"""`taut firmware deploy` drives mpremote (a fake one on PATH that records its argv)."""

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mpvm
from taut.firmware_files import FirmwareFilesError, firmware_modules

FIRMWARE = mpvm.ROOT / "firmware"
MODULES = firmware_modules(FIRMWARE)  # manifest.py's order

FAKE_MPREMOTE = """\
#!{python}
import json, os, sys
from pathlib import Path
files = {{}}
for a in sys.argv[1:]:
    p = Path(a)
    try:
        is_file = p.is_file()
    except OSError:  # a script argument longer than a file name can be
        is_file = False
    if is_file:
        files[p.name] = {{"size": p.stat().st_size, "head": p.read_bytes()[:2].hex()}}
with open(os.environ["FAKE_MPREMOTE_LOG"], "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "files": files}}) + "\\n")
if os.environ.get("FAKE_MPREMOTE_FAIL"):
    sys.stderr.write("mpremote: no device found\\n")
    sys.exit(1)
busy = Path(os.environ["FAKE_MPREMOTE_LOG"] + ".busy")
if "cp" in sys.argv and busy.exists() and int(busy.read_text()) > 0:
    busy.write_text(str(int(busy.read_text()) - 1))
    sys.stderr.write("mpremote: could not enter raw repl\\n")
    sys.exit(1)
"""


@pytest.fixture
def fake(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "mpremote"
    tool.write_text(FAKE_MPREMOTE.format(python=sys.executable))
    tool.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", FAKE_MPREMOTE_LOG=str(log))

    def taut(*args, **extra_env):
        proc = subprocess.run([sys.executable, "-m", "taut", "firmware", "deploy", *args],
                              capture_output=True, text=True, env={**env, **extra_env}, timeout=120)
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        log.unlink(missing_ok=True)
        return proc, calls

    return taut


def _removed_by(script: str) -> list[str]:
    """The file names an exec'd removal script deletes (its tuple literal)."""
    line = next(ln for ln in script.splitlines() if ln.startswith("for f in "))
    return list(ast.literal_eval(line[len("for f in "):-1]))


def test_deploy_resets_copies_every_source_file_then_hard_resets(fake):
    """A soft reset from mpremote's raw REPL does not run main.py, and a running band's watchdog
    cannot be stopped: deploy hard-resets first (main.py starts the watchdog 10 s later), copies
    at once, and ends with a hard reset."""
    proc, calls = fake("--port", "/dev/ttyFAKE0")
    assert proc.returncode == 0, proc.stderr
    assert len(calls) == 2
    assert calls[0]["argv"] == ["connect", "/dev/ttyFAKE0", "reset"]
    argv = calls[1]["argv"]
    sources = MODULES
    assert argv[:3] == ["connect", "/dev/ttyFAKE0", "exec"]
    cp = argv.index("cp")
    assert argv[cp - 2: cp] == ["+", "fs"]
    assert [Path(a).name for a in argv[cp + 1: -3]] == sources
    assert argv[-3:] == [":", "+", "reset"]
    assert "soft-reset" not in argv
    assert sorted(calls[1]["files"]) == sorted(sources)
    assert _removed_by(argv[3]) == [Path(s).stem + ".mpy" for s in sources if s not in ("main.py", "boot.py")]
    assert f"deployed {len(sources)} files" in proc.stdout


def test_deploy_compile_sends_mpy_files_and_removes_stale_sources(fake):
    proc, calls = fake("--compile")
    assert proc.returncode == 0, proc.stderr
    assert calls[0]["argv"] == ["reset"]
    argv = calls[1]["argv"]
    assert "connect" not in argv  # no --port: mpremote finds the board itself
    files = calls[1]["files"]
    modules = sorted(Path(n).stem for n in MODULES if n not in ("main.py", "boot.py"))
    assert sorted(n[:-4] for n in files if n.endswith(".mpy")) == modules
    assert all(f["head"] == "4d06" for n, f in files.items() if n.endswith(".mpy"))  # "M", v6
    if (FIRMWARE / "main.py").exists():
        assert "main.py" in files  # MicroPython only runs main.py as source
    assert sorted(_removed_by(argv[1])) == sorted(m + ".py" for m in modules)


def test_a_board_still_booting_is_tried_again(fake, tmp_path):
    (tmp_path / "calls.jsonl.busy").write_text("2")
    proc, calls = fake("--port", "/dev/ttyFAKE0")
    assert proc.returncode == 0, proc.stderr
    assert [c["argv"][-1] for c in calls] == ["reset"] * 4  # reset, then three copy tries
    assert [("cp" in c["argv"]) for c in calls] == [False, True, True, True]


def test_mpremote_failure_is_a_clear_cli_error(fake):
    proc, calls = fake("--port", "COM9", FAKE_MPREMOTE_FAIL="1")
    assert len(calls) == 1
    assert proc.returncode == 2
    assert "mpremote failed (exit 1)" in proc.stderr and "no device found" in proc.stderr


def test_empty_source_folder_is_refused_before_mpremote_runs(fake, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc, calls = fake("--source", str(empty))
    assert proc.returncode == 2
    assert "no readable manifest.py" in proc.stderr
    assert calls == []


def test_compile_error_names_the_file(fake, tmp_path):
    src = tmp_path / "fw"
    src.mkdir()
    (src / "manifest.py").write_text('module("good.py")\nmodule("bad.py")\n')
    (src / "good.py").write_text("x = 1\n")
    (src / "bad.py").write_text(textwrap.dedent("""\
        def f(x):
            match x:
                case 1:
                    return 2
    """))
    proc, calls = fake("--compile", "--source", str(src))
    assert proc.returncode == 2
    assert "mpy-cross failed on bad.py" in proc.stderr
    assert calls == []


def test_missing_tool_says_how_to_install_it():
    from taut.deploy import DeployError, find_tool

    with pytest.raises(DeployError, match=r"pip install 'taut\[firmware\]'"):
        find_tool("mpremote-that-is-not-installed")


def _parse_with_mpremote(argv: list[str]) -> list[tuple[str, object]]:
    """Split a chained command line with the real mpremote's own per-command parsers."""
    import argparse

    from mpremote import main as mp

    done = []
    remaining = list(argv)
    while remaining:
        if remaining[0] == "+":
            remaining.pop(0)
            continue
        cmd = remaining.pop(0)
        if cmd not in mp._COMMANDS:  # a shortcut such as "reset" = exec --no-follow ...
            remaining = list(mp._BUILTIN_COMMAND_EXPANSIONS[cmd]["command"]) + remaining
            done.append((cmd, None))
            continue
        _, parser_func = mp._COMMANDS[cmd]
        cut = remaining.index("+") if "+" in remaining else len(remaining)
        parser = parser_func()
        parser.add_argument("next_command", nargs=argparse.REMAINDER)
        args = parser.parse_args(remaining[:cut])
        done.append((cmd, args))
        remaining = args.next_command + remaining[cut:]
    return done


def test_the_real_mpremote_parses_the_chain(fake):
    _, calls = fake("--port", "/dev/ttyFAKE0", "--compile")
    first = _parse_with_mpremote(calls[0]["argv"])
    assert [c for c, _ in first] == ["connect", "reset", "exec"]
    assert first[2][1].follow is False and "machine.reset()" in first[2][1].expr[0]
    chain = _parse_with_mpremote(calls[1]["argv"])
    assert [c for c, _ in chain] == ["connect", "exec", "fs", "reset", "exec"]
    assert chain[0][1].device == ["/dev/ttyFAKE0"]
    fs = chain[2][1]
    assert fs.command == ["cp"] and fs.path[-1] == ":" and len(fs.path) == len(calls[1]["files"]) + 1
    compile(chain[1][1].expr[0], "<exec>", "exec")  # the removal script is valid Python
    assert "machine.reset()" in chain[4][1].expr[0], "a hard reset, which runs main.py"


def test_the_manifest_lists_every_firmware_module():
    """A module missing from manifest.py would be missing on the board (and in a frozen build)."""
    on_disk = {p.name for p in FIRMWARE.glob("*.py")} - {"__init__.py", "manifest.py"}
    assert sorted(MODULES) == sorted(on_disk) and len(set(MODULES)) == len(MODULES)


@pytest.mark.parametrize(
    ("manifest", "why"),
    [('import os\nmodule("a.py")\n', "only metadata"), ('module("a.py", opt=3)\n', "expected module"),
     ('module("../a.py")\n', "is not a .py file"), ('module("gone.py")\n', "is not a .py file"),
     ('metadata(version="1")\n', "lists no module"), ("module(\n", "no readable")],
)
def test_a_bad_manifest_is_refused_and_never_run(tmp_path, manifest, why):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "manifest.py").write_text(manifest)
    with pytest.raises(FirmwareFilesError, match=why):
        firmware_modules(tmp_path)


def test_dry_run_shows_the_plan_and_runs_nothing(fake):
    proc, calls = fake("--port", "/dev/ttyFAKE0", "--compile", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert calls == []
    first, reset, *copy = proc.stdout.splitlines()  # the copy command's removal script spans lines
    assert first.startswith(f"would deploy {len(MODULES)} files to /dev/ttyFAKE0: ") and "main.py" in first
    assert "board.mpy" in first and "board.py" not in first
    assert reset.endswith("connect /dev/ttyFAKE0 reset") and " fs cp " in "\n".join(copy)
