# Makes this folder the package taut.firmware when the host package is built or installed
# (pyproject.toml), so the firmware ships inside the wheel. Never copied to a board: manifest.py
# lists the firmware's modules.
