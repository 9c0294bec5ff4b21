"""Settings on flash: round trips across power cycles, recovery from damage, full flash."""

import json

import mpvm

PATH = "/flash/settings.json"
TMP = PATH + ".tmp"


def _vm(script: str, flash: dict[str, bytes] | None = None, collect=(PATH, TMP)) -> mpvm.Result:
    files = {"/flash/.keep": b""}
    files.update({k: v for k, v in (flash or {}).items() if v is not None})
    prelude = "import json, settings\nfrom codes import DeviceError\ndef out(**kw):\n    print(json.dumps(kw))\n"
    return mpvm.run(prelude + script, files=files, collect=list(collect))


DUMP = "d = s.to_dict(); d['fallback'] = s.fallback; out(**d)\n"


def test_saved_settings_survive_power_cycles():
    first = _vm(f"""
s = settings.defaults("Taut-1A2B")
s.rate_hz = 10; s.offset_raw = -123456; s.counts_per_n = -2190.5; s.calibrated = True
s.overload_permille = 750; s.name = "Bänd ✓"
settings.save(s, "{PATH}")
""")
    assert first.files[TMP] is None  # the temp file was renamed away
    second = _vm(f"s = settings.load('{PATH}')\n" + DUMP + f"s.offset_raw = 99\nsettings.save(s, '{PATH}')\n",
                 flash=first.files)
    assert second.last == {"v": 1, "name": "Bänd ✓", "rate_hz": 10, "offset_raw": -123456,
                           "counts_per_n": -2190.5, "calibrated": True, "overload_permille": 750,
                           "mode": "taut", "fallback": None}
    third = _vm(f"s = settings.load('{PATH}')\n" + DUMP, flash=second.files)
    assert third.last["offset_raw"] == 99 and third.last["calibrated"] is True


def test_missing_file_gives_defaults():
    res = _vm(f"s = settings.load('{PATH}', default_name='Taut-77FF')\n" + DUMP)
    r = res.last
    assert r["fallback"] == "missing"
    assert r["name"] == "Taut-77FF" and r["calibrated"] is False
    assert r["rate_hz"] in (10, 80) and 100 <= r["overload_permille"] <= 1000


def test_half_written_and_corrupt_files_fall_back_without_raising():
    good = _vm(f"s = settings.defaults('x'); s.calibrated = True; settings.save(s, '{PATH}')").files[PATH]
    assert good is not None
    cuts = [good[:n] for n in range(0, len(good), 7)]
    damaged = cuts + [b"\xff" * 64, b"\x00" * 10, good.replace(b"{", b"[", 1), good + b"garbage"]
    res = _vm(f"""
import os
whys = []
for i in range({len(damaged)}):
    s = settings.load('/flash/bad%d.json' % i)
    whys.append([s.fallback, s.calibrated, s.name])
out(whys=whys)
""", flash={f"/flash/bad{i}.json": d for i, d in enumerate(damaged)})
    whys = res.last["whys"]
    assert len(whys) == len(damaged)
    # MicroPython's json parser is lenient with some damage; what parses is then "invalid".
    assert [w for w in whys if w[0] not in ("corrupt", "invalid") or w[1:] != [False, "Taut"]] == []
    assert [w[0] for w in whys[: len(cuts)]] == ["corrupt"] * len(cuts)


def test_valid_json_with_bad_fields_is_invalid():
    base = {"v": 1, "name": "ok", "rate_hz": 80, "offset_raw": 0, "counts_per_n": 2190.0,
            "calibrated": True, "overload_permille": 900}
    bad = [
        {"rate_hz": 50}, {"rate_hz": True}, {"counts_per_n": 0}, {"counts_per_n": 2e6},
        {"counts_per_n": "2190"}, {"name": ""}, {"name": "x" * 21}, {"calibrated": 1},
        {"overload_permille": 99}, {"overload_permille": 1001}, {"offset_raw": 1 << 24},
        {"offset_raw": 1.5}, {"v": 2}, {"name": None},
    ]
    docs = [json.dumps({**base, **b}).encode() for b in bad]
    docs.append(json.dumps({k: v for k, v in base.items() if k != "rate_hz"}).encode())
    docs.append(b"[1, 2]")
    docs.append(json.dumps(base).encode())  # the control: this one is fine
    res = _vm(f"""
whys = []
for i in range({len(docs)}):
    s = settings.load('/flash/f%d.json' % i)
    whys.append([s.fallback, s.calibrated])
out(whys=whys)
""", flash={f"/flash/f{i}.json": d for i, d in enumerate(docs)})
    whys = res.last["whys"]
    assert whys[:-1] == [["invalid", False]] * (len(docs) - 1)
    assert whys[-1] == [None, True]


def test_cut_between_remove_and_rename_recovers_from_the_temp_file():
    saved = _vm(f"s = settings.defaults('new'); s.offset_raw = 42; settings.save(s, '{PATH}')").files[PATH]
    # Power lost after the old file was removed (FAT path) but before the rename: only tmp left.
    res = _vm(f"s = settings.load('{PATH}')\n" + DUMP, flash={TMP: saved})
    assert res.last["name"] == "new" and res.last["offset_raw"] == 42 and res.last["fallback"] is None
    # Power lost while writing tmp: the old file wins, the half temp file is ignored.
    old = _vm(f"s = settings.defaults('old'); settings.save(s, '{PATH}')").files[PATH]
    res = _vm(f"s = settings.load('{PATH}')\n" + DUMP, flash={PATH: old, TMP: saved[:20]})
    assert res.last["name"] == "old"


FULL_FLASH = """
class FullFile:
    # A file on a flash with room for `room` more bytes, then ENOSPC (errno 28).
    def __init__(self, real, room):
        self.real = real; self.room = room
    def write(self, b):
        if len(b) > self.room:
            self.real.write(b[:self.room]); self.room = 0
            raise OSError(28)
        self.room -= len(b)
        return self.real.write(b)
    def close(self):
        self.real.close()
    def __enter__(self):
        return self
    def __exit__(self, *a):
        self.close()
def full_open(room):
    def opener(path, mode="r"):
        f = open(path, mode)
        return FullFile(f, room) if "w" in mode else f
    return opener
"""


def test_full_flash_raises_storage_error_and_keeps_the_old_file(codes):
    first = _vm(f"s = settings.defaults('before'); s.calibrated = True; settings.save(s, '{PATH}')")
    res = _vm(FULL_FLASH + f"""
import os
import flashfile
results = []
for room in (0, 10, 50):
    flashfile.open = full_open(room)  # settings are written through flashfile
    s = settings.defaults('after')
    try:
        settings.save(s, '{PATH}')
        results.append(None)
    except DeviceError as e:
        results.append(e.code)
flashfile.open = open
kept = settings.load('{PATH}')
out(results=results, name=kept.name, calibrated=kept.calibrated, fallback=kept.fallback,
    tmp_left='settings.json.tmp' in os.listdir('/flash'))
""", flash=first.files)
    r = res.last
    assert r["results"] == [codes["STORAGE_ERROR"]] * 3
    assert (r["name"], r["calibrated"], r["fallback"]) == ("before", True, None)
    assert r["tmp_left"] is False
    assert res.files[PATH] == first.files[PATH]


def test_default_scale_matches_the_board_load_cell():
    """DEFAULT_COUNTS_PER_N = 2**31 * rated output / rated load (HX711 gain 128 is ratiometric)."""
    res = mpvm.run("import json, settings, board\nprint(json.dumps([settings.DEFAULT_COUNTS_PER_N, "
                   "board.LOADCELL_MV_PER_V, board.CAPACITY_N, board.CAPACITY_CN]))")
    cpn, mv_per_v, cap_n, cap_cn = res.last
    assert cpn == round(2**31 * mv_per_v / 1000 / cap_n)
    assert cap_cn == cap_n * 100
