"""Strings from a band or from the log, made safe to show: no terminal control, no rich markup.

A band's name, its device-information strings and anything stored in the log are data written by
someone else; shown raw, an escape sequence in them could retitle or clear the terminal, and
`[link=…]` in them would become a live link in rich's output.
"""

from __future__ import annotations

import unicodedata


def printable(text: object, default: str = "?") -> str:
    """`text` with every control, format (bidi overrides too) or unassigned character escaped."""
    if text is None:
        return default
    out = []
    for ch in str(text):
        if unicodedata.category(ch)[0] == "C":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def markup_safe(text: object, default: str = "?") -> str:
    """`printable(text)` for rich: square brackets can no longer open markup."""
    from rich.markup import escape

    return escape(printable(text, default))
