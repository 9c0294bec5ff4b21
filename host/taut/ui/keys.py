"""The key map both live views share: space set, t tare, u units, q quit."""

from __future__ import annotations

from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveSession, Request


def handle_key(key: str, model: LiveModel, session: LiveSession) -> bool:
    """Act on one key press; True if the key meant something."""
    if key == " ":
        session.request(Request.TOGGLE_SET)
    elif key.lower() == "t":
        session.request(Request.TARE)
    elif key.lower() == "u":
        model.cycle_unit()
    elif key.lower() == "q":
        session.request_stop()
    else:
        return False
    return True
