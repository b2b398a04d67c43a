"""Spreadsheet cells: a user's string is always text, never a formula (CSV injection).

A CSV cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is
run as a formula by Excel, LibreOffice and Google Sheets — ``=HYPERLINK("http://…")`` in a code name or
a memo would send data off the machine when clicked. Following OWASP's CSV-injection guidance, such a
string is written with a leading apostrophe, which spreadsheets read as "this cell is text" and do not
show. Only strings are escaped: numbers the program writes (offsets, counts, percentages, negative
ones too) are written as numbers, so they stay numbers. A string that is exactly a plain number
("-5", "+3.5") is left alone too: a spreadsheet reads it as that number, which runs nothing.

Our own CSV readers (codebook, codings) remove the apostrophe again, so an exported file imports back
unchanged.
"""

from __future__ import annotations

import re

# Formula triggers, as the first character or after leading blanks; full-width forms too, as some
# spreadsheet locales accept them.
_TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
_RISKY = re.compile(rf"^[\s]*[{re.escape(_TRIGGERS)}]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_ESCAPED = re.compile(rf"^'(?=[\s]*[{re.escape(_TRIGGERS)}])")


def csv_text(value: object) -> object:
    """``value`` safe for a CSV cell: a risky string gets a leading apostrophe; anything else as is."""
    if isinstance(value, str) and _RISKY.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The string :func:`csv_text` escaped, for reading our own CSV files back."""
    return _ESCAPED.sub("", value, count=1)
