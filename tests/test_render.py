"""ui/render.py: user text reaches Streamlit's markdown only as text that shows exactly itself.

What a browser draws from these strings is tested in tests/browser/test_injection_browser.py; here,
the strings themselves.
"""

from __future__ import annotations

import re
import string

import pytest

from consult_coder.ui.render import WORD_JOINER, Md, highlight, indent, inert, md, shown, swatch

PAYLOADS = [
    "![x](http://203.0.113.9/x.png)", "<img src=http://203.0.113.9/y.png>", "[link](javascript:alert(1))",
    "**bold**", "`code`", "$x^2$", ":red[red]", ":material/home:", ":material_home:", ":smile:",
    "http://203.0.113.9/z", "www.example.org", "someone@example.org", "# heading", "1. item", "- item",
    "    indented code", "\tindented code", "a\n===", "&lt;b&gt;", "| a | b |", "~~struck~~", "> quote",
    "{curly}", "\\*already escaped\\*", ":streamlit:", "line one\nline two",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_inert_text_reads_back_as_itself(text):
    assert shown(inert(text)) == text.replace("\t", " ")


def test_every_ascii_punctuation_character_is_escaped():
    made = inert(string.punctuation)
    # CommonMark: a backslash before any ASCII punctuation character shows that character.
    assert made.replace(WORD_JOINER, "") == "".join("\\" + c for c in string.punctuation)


@pytest.mark.parametrize("text, broken", [
    (":material/home:", ":" + WORD_JOINER), (":smile:", ":" + WORD_JOINER),
    ("www.example.org", "www" + WORD_JOINER), ("someone@example.org", WORD_JOINER + "\\@"),
])
def test_patterns_streamlit_reads_in_plain_text_are_broken(text, broken):
    """Icons, emoji and bare links are found in the text *after* escapes are read: an invisible word
    joiner splits each pattern so none of them is recognised."""
    made = inert(text)
    assert broken in made
    unescaped = re.sub(r"\\(.)", r"\1", made)
    assert ":material_" not in unescaped.replace("/", "_") and not re.search(r":\w+:", unescaped)
    assert not re.search(r"www\.|\w@\w", unescaped)


def test_an_indented_line_is_not_a_code_block_but_a_short_indent_stays_a_space():
    assert inert("    code").startswith("\u00a0" * 4)
    assert inert(" after a word") == " after a word"


def test_line_breaks_are_kept_as_line_breaks():
    assert inert("one\ntwo") == "one  \ntwo"


def test_md_escapes_every_value_but_not_the_template():
    made = md("**{}** · {} codings", "**not bold**", 3)
    assert isinstance(made, Md)
    assert made == "**\\*\\*not bold\\*\\*** · 3 codings"


def test_md_takes_app_made_markdown_as_it_is():
    swatched = md("{}{}", swatch("#4e79a7"), "<b>name</b>")
    assert swatched.startswith('<span style="display:inline-block;')
    assert swatched.endswith("\\<b\\>name\\<\\/b\\>")


def test_a_value_that_looks_like_a_placeholder_is_not_filled_in():
    assert md("{}", "{} {0} {name}") == "\\{\\} \\{0\\} \\{name\\}"


def test_swatch_takes_only_a_colour():
    with pytest.raises(ValueError):
        swatch('red"></span><img src=http://203.0.113.9/z.png>')


def test_indent_and_highlight_make_their_html_around_inert_text():
    assert indent(2) == '<span style="display:inline-block;width:2.8em"></span>'
    assert highlight("a <b>", "*x*", "c") == "a \\<b\\><mark>\\*x\\*</mark>c"


def test_markdown_and_caption_refuse_a_plain_string():
    from consult_coder.ui import render

    with pytest.raises(TypeError, match="render.md"):
        render.markdown("**user text**")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="render.md"):
        render.caption("user text", html=True)  # type: ignore[arg-type]
