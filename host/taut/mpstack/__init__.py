"""The band on the real MicroPython: the unix port built with NimBLE (`build`), the unchanged
firmware booted in it with stand-ins for the ESP32's `machine` (`mp/`), a Bumble controller on a
pty as its radio (`hci_pty`), the physics model feeding its HX711 (`feed`), the child process
(`process`) and the band that ties them together (`band`, `launch`).

    async with micropython_band("row", seed=1) as band:   # taut.mpstack.launch
        ...  # connect with taut.ble and backend=taut.ble.virtual()

Real time only (the unix port runs at wall-clock speed); the CPython twin (`taut.twin`) stays the
fast default.
"""
