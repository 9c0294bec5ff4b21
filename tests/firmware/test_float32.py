"""The firmware's float arithmetic on the ESP32's single-precision floats.

The VM and CPython compute in double; the ESP32 in float32. Here firmware modules run unchanged
under CPython with every float operation's result rounded to float32 (struct 'f'), and the
sampler's scaling vectors, calibration and battery arithmetic must stay within the wire's
resolution (0.01 N) of the exact values."""

from __future__ import annotations

import ast
import asyncio
import struct
import types

import pytest
from scale_reference import CAPACITY_CN, VECTORS, raws_to_try, worst_error_cn

from taut.twin.clock import ticks_add, ticks_diff
from taut.twin.loader import FirmwareLoader
from taut.twin.mpy_modules import make_asyncio, make_micropython


def f32(x):
    """x as the ESP32 holds it: floats rounded to single precision, ints untouched."""
    if isinstance(x, float):
        return struct.unpack("<f", struct.pack("<f", x))[0]
    return x


_F32_SOURCE = """
import struct as __struct
def __f32__(x):
    if isinstance(x, float):
        return __struct.unpack("<f", __struct.pack("<f", x))[0]
    return x
"""


class _Float32(ast.NodeTransformer):
    """Wraps every arithmetic result, float() call and float literal in __f32__()."""

    def _wrap(self, node: ast.expr) -> ast.expr:
        return ast.Call(func=ast.Name("__f32__", ast.Load()), args=[node], keywords=[])

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        return self._wrap(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        return self._wrap(node)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in ("float", "abs"):
            return self._wrap(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        return self._wrap(node) if isinstance(node.value, float) else node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        self.generic_visit(node)
        target = node.target
        load = ast.Name(target.id, ast.Load()) if isinstance(target, ast.Name) else ast.Attribute(
            target.value, target.attr, ast.Load()) if isinstance(target, ast.Attribute) else None
        if load is None:
            return node
        return ast.Assign(targets=[target], value=self._wrap(ast.BinOp(load, node.op, node.value)))


def _transform(tree: ast.Module) -> ast.Module:
    tree = _Float32().visit(tree)
    tree.body[0:0] = ast.parse(_F32_SOURCE).body
    return tree


def _shims() -> dict[str, types.ModuleType]:
    time_mod = types.ModuleType("time")
    time_mod.ticks_us = time_mod.ticks_ms = lambda: 0
    time_mod.ticks_diff, time_mod.ticks_add = ticks_diff, ticks_add
    machine = types.ModuleType("machine")
    machine.Pin = type("Pin", (), {"IRQ_FALLING": 2})
    machine.disable_irq = lambda: 0
    machine.enable_irq = lambda state=0: None
    return {"micropython": make_micropython(lambda fn: None), "time": time_mod, "machine": machine,
            "asyncio": make_asyncio()}


def _firmware(name: str):
    loader = FirmwareLoader(_shims(), transform=_transform)
    return loader.load(name), loader


class _NoChip:
    def is_ready(self):
        return False


def _sampler(cpn: float, offset: int, permille: int):
    sampler_mod, loader = _firmware("sampler")
    settings = loader.load("settings").defaults("t")
    settings.counts_per_n = f32(cpn)  # as it arrives: float32 on the wire and in the chip
    settings.offset_raw = offset
    settings.overload_permille = permille
    return sampler_mod.Sampler(_NoChip(), settings, lambda t, v: None, CAPACITY_CN, ticks_us=lambda: 0)


def test_the_transform_really_rounds_to_float32():
    mod, _ = _firmware("settings")
    assert mod.DEFAULT_COUNTS_PER_N == 2190.0
    # A float expression evaluated by the transformed code loses what float32 loses.
    tree = _transform(ast.parse("x = 16777217.0 + 0.0\ny = 0.1 * 3"))
    ns: dict = {}
    exec(compile(ast.fix_missing_locations(tree), "<t>", "exec"), ns)
    assert ns["x"] == 16777216.0 and ns["y"] == f32(f32(0.1) * 3)


def test_a_naive_float_scale_loses_the_wire_resolution_in_float32():
    """The check can fail: (raw - offset) * (100 / cpn) in float32 is off by far more than 1 cN."""
    tree = _transform(ast.parse("def scale(raw, offset, cpn):\n    return int((raw - offset) * (100.0 / cpn) + 0.5)"))
    ns: dict = {}
    exec(compile(ast.fix_missing_locations(tree), "<t>", "exec"), ns)
    raw = 8_000_001
    assert abs(ns["scale"](raw, 0, 1.0) - raw * 100) > 1


@pytest.mark.parametrize(("cpn", "offset", "permille"), VECTORS)
def test_scaling_vectors_hold_in_float32(cpn, offset, permille):
    sp = _sampler(cpn, offset, permille)
    cpn32 = f32(cpn)
    raws = raws_to_try(cpn32, offset, permille, n_random=2000)
    worst = worst_error_cn(raws, [sp.scale(raw) for raw in raws], offset, cpn32, permille)
    assert worst <= 1, f"{worst} cN off in float32"


def test_calibration_in_float32_scales_back_within_a_count():
    sampler_mod, loader = _firmware("sampler")
    settings = loader.load("settings").defaults("t")
    results = []
    for cpn_true, known_cn in [(1234.0, 5000), (2190.0, 150_000), (17.5, 100), (812_345.0, 1000), (-2190.0, 4321)]:
        offset = 12_345
        mean = offset + round(known_cn / 100 * cpn_true)

        class Chip:
            def is_ready(self):
                return True

            def read_raw(self):
                return mean

        sp = sampler_mod.Sampler(Chip(), settings, lambda t, v: None, CAPACITY_CN, ticks_us=lambda: 0)
        settings.offset_raw = offset
        sp.apply(settings)
        sp.tared = True
        cpn = asyncio.run(sp.calibrate(known_cn))
        assert cpn == f32(cpn), "the chip holds a float32"
        results.append(abs(sp.scale(mean) - known_cn))
    assert max(results) <= 1, results


def test_battery_voltage_in_float32():
    battery, _ = _firmware("battery")

    class Adc:
        def __init__(self, uv):
            self.uv = uv

        def read_uv(self):
            return self.uv

    for uv in (1_650_000, 1_975_123, 2_099_999, 2_250_000):
        got = battery.Battery(Adc(uv), 2.0).voltage_mv()
        assert abs(got - uv * 2 / 1000) <= 0.5 + 1e-9, (uv, got)
