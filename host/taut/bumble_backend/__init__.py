"""bleak backends over Bumble's in-process virtual radio: real ATT traffic, no Bluetooth hardware.

Host code keeps to bleak's public API and only picks the backend:
`BleakScanner(backend=BumbleScanner)`, `BleakClient(device, backend=BumbleClient)`.
Everything on one event loop shares one radio (`radio()`), where virtual bands also live.
"""

from taut.bumble_backend.client import BumbleClient
from taut.bumble_backend.radio import Radio, radio
from taut.bumble_backend.scanner import BumbleScanner

__all__ = ["BumbleClient", "BumbleScanner", "Radio", "radio"]
