# The band firmware's modules, in micropython-lib's manifest format (MicroPython's
# tools/manifestfile.py): a board build can freeze them with include("<this folder>/manifest.py"),
# and `taut firmware deploy`, mpy-cross and the virtual band's MicroPython runtime take exactly
# these (taut.firmware_files reads this file without running it).
metadata(description="Taut band sensor: HX711 load cell, tension streamed over BLE", version="0.1.0", license="MIT")

module("board.py")
module("codes.py")
module("wire.py")
module("flashfile.py")
module("settings.py")
module("hx711.py")
module("sampler.py")
module("battery.py")
module("bonds.py")
module("security.py")
module("gatt.py")
module("control.py")
module("progressor.py")
module("app.py")
module("main.py")
