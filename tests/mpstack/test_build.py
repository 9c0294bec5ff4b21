"""Locating and building the real MicroPython: the recipe stamp and the plain "missing" messages."""

from __future__ import annotations

import pytest

from taut.mpstack import build


def test_neither_archive_nor_network_says_what_is_missing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(build.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(build.VENDOR_ENV, str(tmp_path / "no-vendor"))
    monkeypatch.setenv(build.GIT_URL_ENV, str(tmp_path / "no-such-repo"))
    monkeypatch.delenv(build.BINARY_ENV, raising=False)
    with pytest.raises(build.BuildError) as err:
        build.ensure_built()
    text = str(err.value)
    assert str(tmp_path / "no-vendor" / build.TARBALL_NAME) in text
    assert build.TARBALL_SHA256 in text and build.GIT_TAG in text and build.NIMBLE_COMMIT in text
    assert "offline" in text


def test_an_archive_with_the_wrong_checksum_is_refused(tmp_path, monkeypatch) -> None:
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / build.TARBALL_NAME).write_bytes(b"not micropython")
    monkeypatch.setenv(build.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(build.VENDOR_ENV, str(vendor))
    monkeypatch.delenv(build.BINARY_ENV, raising=False)
    with pytest.raises(build.BuildError, match="expected " + build.TARBALL_SHA256):
        build.ensure_built()


def test_a_cache_from_another_recipe_is_not_used(tmp_path, monkeypatch, runtime) -> None:
    cache = tmp_path / "cache"
    (cache / "asyncio").mkdir(parents=True)
    (cache / "asyncio" / "core.py").write_text("")
    (cache / "micropython").write_bytes(runtime.binary.read_bytes())
    monkeypatch.setenv(build.CACHE_ENV, str(cache))
    monkeypatch.delenv(build.BINARY_ENV, raising=False)
    (cache / "stamp").write_text("another-recipe\n")
    assert build.cached() is None
    (cache / "stamp").write_text(build.recipe_stamp() + "\n")
    assert build.cached() == build.Runtime(cache / "micropython", cache)


def test_the_built_binary_has_nimble_bluetooth(runtime) -> None:
    import subprocess

    out = subprocess.run([str(runtime.binary), "-c", "import bluetooth, _thread, vfs; print(bluetooth.BLE)"],
                         capture_output=True, text=True, timeout=10, check=True)  # fmt: skip
    assert "BLE" in out.stdout
    assert (runtime.lib_dir / "asyncio" / "core.py").is_file()
