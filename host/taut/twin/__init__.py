"""The virtual band: Taut's firmware, unchanged, on CPython stand-ins for MicroPython over a real
(in-process) Bluetooth LE stack, Bumble; its load cell is driven by the `taut.sim` model.

    async with virtual_band("face-pull", seed=1) as band:   # taut.twin.launch
        ...  # connect with taut.ble and backend=taut.ble.virtual()

Modules: band (boot, power, air hooks), loader (firmware modules in a private namespace),
bluetooth_shim, machine_shim (bit-level HX711), mpy_modules (micropython, time, asyncio, os, gc,
sys), clock (device ticks, drift), loadcell, exercise_load, faults, virtual_time (an event loop
that skips idle time), launch, rehearsal (a virtual person following the calibration prompts).
"""
