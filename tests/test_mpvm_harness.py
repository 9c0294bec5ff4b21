"""The harness really runs MicroPython, not CPython."""

import pytest

import mpvm


def test_runs_micropython_not_cpython():
    res = mpvm.run("import sys, json\nprint(json.dumps({'impl': sys.implementation.name, 'big': 2**40}))",
                   firmware=False, fakes=False)
    assert res.last == {"impl": "micropython", "big": 2**40}


def test_exception_inside_vm_is_reported():
    with pytest.raises(mpvm.MicroPythonError, match="ZeroDivisionError"):
        mpvm.run("1/0", firmware=False, fakes=False)


def test_async_script_runs_in_simulated_time():
    script = (
        "import asyncio, time, json\n"
        "t0 = time.ticks_ms()\n"
        "await asyncio.sleep_ms(5000)\n"
        "print(json.dumps({'elapsed_ms': time.ticks_diff(time.ticks_ms(), t0)}))\n"
    )
    res = mpvm.run(script, firmware=False, fakes=False, is_async=True, tick_ms=10)
    assert 5000 <= res.last["elapsed_ms"] <= 5050
    assert res.sim_ms >= 5000


def test_files_written_in_vm_come_back():
    res = mpvm.run("f = open('/flash/x.bin', 'wb')\nf.write(b'\\x01\\x02')\nf.close()",
                   firmware=False, fakes=False, files={"/flash/.keep": b""}, collect=["/flash/x.bin", "/flash/none"])
    assert res.files == {"/flash/x.bin": b"\x01\x02", "/flash/none": None}
