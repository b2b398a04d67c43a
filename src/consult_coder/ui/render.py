"""The one way pages show user text: as text, never as markdown or HTML.

Almost everything Streamlit draws reads markdown: st.markdown and st.caption, the alerts (st.info,
st.error …), titles, every widget's label and help, tabs, expanders, popovers, radio and
segmented-control options, spinners, metrics. A name such as ``![x](http://host/x.png)`` would make the
browser fetch an outside address; ``:red[…]``, ``$x^2$`` or ``:material/home:`` would be drawn as
colour, maths or an icon. So user strings (transcript text, speakers, file and source names, titles,
code names and definitions, memos, participant ids and attributes, coder names, error messages that
quote any of them) reach those surfaces only through this module:

- :func:`inert` turns a user string into markdown that shows exactly that string;
- :func:`md` fills a markdown template *we* wrote with user values, each made inert by construction,
  and returns :class:`Md`, the one type :func:`markdown` and :func:`caption` accept;
- :func:`error`, :func:`warning`, :func:`info` and :func:`success` show a message whole, as text;
- :func:`markdown` is the only place a page may let HTML through (colour swatches, indents, the
  search hit's highlight — all made here, from validated values), for :class:`Md` only.

Plain-text surfaces need none of this: st.text, st.dataframe cells, text inputs' values, and the options
of a selectbox or multiselect are never interpreted. tests/test_architecture.py checks that pages
pass no f-string, concatenation or other computed text to a markdown surface without :func:`md` or
:func:`inert`, and that ``unsafe_allow_html`` appears only here.
"""

from __future__ import annotations

import json
import re
from typing import Any

import streamlit as st

# Every ASCII punctuation character: CommonMark shows a backslash-escaped one literally, whatever it is.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Some of Streamlit's markdown runs on the text *after* escapes are read (icons ":material_home:",
# emoji ":smile:", the logo ":streamlit:"; GFM's bare links "www.x.org" and e-mail addresses). An
# invisible word joiner after every colon, before every "@" and inside "www." breaks those patterns.
WORD_JOINER = "\u2060"
_WWW = re.compile(r"(?i)(www)(?=\\\.)")
_LEADING_SPACE = re.compile(r"(?m)^[ \t]+")  # four spaces, or a tab, at a line's start: a code block
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class Md(str):
    """Markdown written by the app, any user value in it made inert. Only this module makes one."""


def inert(text: object) -> Md:
    """``text`` as markdown that shows exactly ``text``: every punctuation character escaped, the
    patterns Streamlit reads in plain text broken by an invisible word joiner, line breaks kept."""
    s = _LEADING_SPACE.sub(_code_indent, str(text))
    s = _PUNCTUATION.sub(r"\\\1", s)
    s = s.replace(":", ":" + WORD_JOINER).replace("\\@", WORD_JOINER + "\\@")
    s = _WWW.sub(r"\1" + WORD_JOINER, s)
    return Md(s.replace("\r\n", "\n").replace("\n", "  \n"))


def _code_indent(m: re.Match[str]) -> str:
    space = m.group()
    return "\u00a0" * len(space) if len(space) >= 4 or "\t" in space else space


escape_md = inert  # its older name, for pages not yet moved to md()


def md(template: str, *values: object) -> Md:
    """``template`` (our markdown, ``{}`` for each value) with each user value made inert; a value that
    is already :class:`Md` (built by this module) goes in as it is."""
    return Md(template.format(*(v if isinstance(v, Md) else inert(v) for v in values)))


def shown(markdown_text: str) -> str:
    """What a reader sees of :func:`inert`'s output: the text it was made from (a leading tab reads
    as a space). For tests and logs."""
    s = markdown_text.replace(WORD_JOINER, "").replace("  \n", "\n")
    s = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", s)
    return re.sub(r"(?m)^\u00a0+", lambda m: " " * len(m.group()), s)


def _checked(text: Md) -> Md:
    if not isinstance(text, Md):
        raise TypeError("render: pass text made by render.md() or render.inert(), never a plain string")
    return text


def markdown(text: Md, *, html: bool = False, where: Any = None) -> None:
    """Draw app-made markdown (``where``: a column or container; the page by default). ``html`` lets
    the HTML this module made through (swatches, indents, highlights): the one audited use of
    ``unsafe_allow_html``, safe because every user value in ``text`` is inert."""
    (where or st).markdown(_checked(text), unsafe_allow_html=html)


def caption(text: Md, *, html: bool = False, where: Any = None) -> None:
    """Small grey app-made markdown (see :func:`markdown`)."""
    (where or st).caption(_checked(text), unsafe_allow_html=html)


def error(message: object, where: Any = None) -> None:
    """A message (often a UserError naming a file, a code or a participant) shown whole, as text."""
    (where or st).error(inert(message))


def warning(message: object, where: Any = None) -> None:
    (where or st).warning(inert(message))


def info(message: object, where: Any = None) -> None:
    (where or st).info(inert(message))


def success(message: object, where: Any = None) -> None:
    (where or st).success(inert(message))


# --- HTML made here, for markdown(..., html=True) -----------------------------------------------------

def swatch(colour: str) -> Md:
    """A small square of a code's colour (always a validated ``#rrggbb``; anything else is refused)."""
    if not _COLOUR.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return Md(f'<span style="display:inline-block;width:.9em;height:.9em;border-radius:3px;'
              f'vertical-align:-.1em;margin-right:.45em;background:{colour}"></span>')


def indent(depth: int) -> Md:
    """Blank space for a tree level."""
    return Md(f'<span style="display:inline-block;width:{1.4 * int(depth):.1f}em"></span>')


def highlight(before: object, match: object, after: object) -> Md:
    """A search hit in its context, the matched words marked."""
    return md("{}<mark>{}</mark>{}", before, match, after)


def set_cookie(name: str, value: str, max_age: int) -> None:
    """The one script the app sends: a cookie holding ``value`` in this browser. The value is data: a
    JSON string with ``<`` escaped, so "</script>" cannot end the tag and nothing in it runs."""
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"cookie name {name!r}")
    literal = json.dumps(value).replace("<", "\\u003c")
    st.html(f"<script>document.cookie = '{name}=' + encodeURIComponent({literal}) + "
            f"'; path=/; max-age={int(max_age)}; SameSite=Strict';</script>", unsafe_allow_javascript=True)
