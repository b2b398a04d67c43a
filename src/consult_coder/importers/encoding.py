"""Turn a text file's bytes into str without ever silently mis-decoding it.

Order: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; NUL bytes mean UTF-16 without a BOM or
binary data; then strict UTF-8; then Windows-1252, the
usual legacy encoding of Word/Notepad exports here, if the result looks like Western text; then
charset-normalizer's best guess for anything else. A result that still looks like binary is refused.
"""

from __future__ import annotations

import codecs
import unicodedata

import charset_normalizer

from consult_coder.errors import UserError

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old Word .doc, .xls
_PDF_MAGIC = b"%PDF"


def decode_text(data: bytes, name: str) -> str:
    """The file's text (BOM dropped; line endings as in the file). Raises UserError naming ``name``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), name)
            except UnicodeDecodeError:
                raise UserError(f"{name}: starts with a {encoding} byte-order mark but is not valid "
                                f"{encoding} text") from None
    _refuse_known_binary(data, name)
    if b"\x00" in data:
        return _checked(_utf16_without_bom(data, name), name)
    try:
        return _checked(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None  # a byte cp1252 leaves undefined: not Windows-1252
    if text is not None and _looks_western(text):
        return _checked(text, name)
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise UserError(f"{name}: is not a text file, or its encoding could not be recognised")
    return _checked(str(best), name)


def _utf16_without_bom(data: bytes, name: str) -> str:
    """Text has no NUL bytes, except UTF-16 without its BOM: mostly-Latin text then has a NUL in
    every other byte, odd positions for little-endian, even for big-endian."""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if len(data) % 2 == 0 and max(even, odd) >= len(data) // 4 and min(even, odd) <= max(even, odd) // 10:
        try:
            return data.decode("utf-16-le" if odd > even else "utf-16-be")
        except UnicodeDecodeError:
            pass
    raise UserError(f"{name}: is not a text file (it contains binary data)")


def _refuse_known_binary(data: bytes, name: str) -> None:
    if data.startswith(_ZIP_MAGIC):
        raise UserError(f"{name}: is a zip/Word (.docx) file, not plain text: give it its real extension")
    if data.startswith(_OLE_MAGIC):
        raise UserError(f"{name}: is an old Word/Office file, not plain text: save it as .docx or .txt")
    if data.startswith(_PDF_MAGIC):
        raise UserError(f"{name}: is a PDF, not plain text: export it as .docx or .txt")


def _checked(text: str, name: str) -> str:
    """Refuse text that is mostly control characters: binary data that happened to decode."""
    if not text or text.translate(_LAYOUT).isprintable():  # the usual case, checked at C speed
        return text
    bad = sum(1 for ch in text if _is_junk(ch))
    if bad > max(2, len(text) // 200):
        raise UserError(f"{name}: is not a text file (it contains binary data)")
    return text


_LAYOUT = dict.fromkeys(map(ord, "\t\n\r\f\v"))  # layout characters are not junk


def _is_junk(ch: str) -> bool:
    if ch in "\t\n\r\f\v":
        return False
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")


def _looks_western(text: str) -> bool:
    """Windows-1252 decodes any byte, so check the letters it gives are mostly plain ASCII ones.

    Cyrillic or Greek legacy text read as cp1252 turns into runs of accented Latin letters; Western
    text has only the odd é, ’ or £ among ASCII letters.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    high = sum(1 for ch in letters if ord(ch) > 0x7F)
    return high <= len(letters) * 0.2
