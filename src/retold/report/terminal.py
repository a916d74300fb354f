"""Stored text made safe for a terminal: control characters are shown, never obeyed.

Article text comes from the open web. Printed raw, ``ESC ] 0 ; title BEL`` renames the window,
``ESC [ 2 J`` clears the screen and ``ESC ] 52 ; c ; …`` writes the clipboard; a bare ``CR``
overwrites what was printed, and bidi overrides (U+202E) reorder what a reader sees. Every
terminal rendering (``show``, the tables, the text report) passes text through :func:`printable`,
and text going into rich markup through :func:`markup_safe`.

>>> printable("ok\\x1b]0;owned\\x07 \\u202eevil")
'ok\\\\x1b]0;owned\\\\x07 <U+202E>evil'
>>> printable("two\\nlines\\ttab"), printable("two\\nlines", newlines=False)
('two\\nlines\\ttab', 'two\\\\nlines')
>>> markup_safe("[/]")
'\\\\[/]'
"""

from __future__ import annotations

from rich.markup import escape

# C0 controls (but tab and newline), DEL and the C1 controls (0x9b is a one-byte CSI).
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (0x09, 0x0A)}
# Bidi embeddings, overrides and isolates, and the line and paragraph separators.
_INVISIBLE = {c: f"<U+{c:04X}>" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)}
_TABLE = {**_CONTROLS, **_INVISIBLE}
_TABLE_ONE_LINE = {**_TABLE, 0x0A: "\\n", 0x09: "\\t"}


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character written out (``\\x1b``, ``<U+202E>``).

    With ``newlines=False`` (ids, titles, table cells) newlines and tabs are written out too.
    """
    return text.translate(_TABLE if newlines else _TABLE_ONE_LINE)


def markup_safe(text: str) -> str:
    """One-line text for a rich table cell or markup string: printable, brackets escaped."""
    return escape(printable(text, newlines=False))
