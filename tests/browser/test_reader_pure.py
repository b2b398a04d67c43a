"""The reader's pure helpers, run in Chromium on a bare page: code points <-> UTF-16 units, stacked
underline tracks, moving a passage's edges by words, and finding what a segment or a click belongs to.

reader_pure.js is loaded on its own (no app, no DOM wiring), so each helper is tested as a function.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import consult_coder
from tests.browser.support import CHROMIUM, launch

pytestmark = pytest.mark.browser

PURE_JS = Path(consult_coder.__file__).parent / "ui" / "component" / "reader_pure.js"
# Astral characters (two UTF-16 units each) before and inside the words.
TEXT = "Honestly 🌧️ better. She listens 🙂 and never judges me."


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A bare page with reader_pure.js loaded; call ``js(expression, arg)``."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
                    "(the browser tests never download a browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = launch(pw, tmp_path_factory.mktemp("pure") / "profile")
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_content("<!doctype html><html><body></body></html>")
            page.add_script_tag(content=PURE_JS.read_text(encoding="utf-8"))
            yield lambda expression, arg=None: page.evaluate(expression, arg)
        finally:
            context.close()


def test_dom_offsets_and_stored_offsets_convert_both_ways(js) -> None:  # noqa: ANN001
    for cp in range(len(TEXT) + 1):
        units = js("([s, n]) => codePointsToUnits(s, n)", [TEXT, cp])
        assert units == len(TEXT[:cp].encode("utf-16-le")) // 2
        assert js("([s, n]) => unitsToCodePoints(s, n)", [TEXT, units]) == cp
    assert js("(s) => cpLen(s)", TEXT) == len(TEXT)


def test_overlapping_codings_get_their_own_underline_and_others_share_the_top_one(js) -> None:  # noqa: ANN001
    codings = [{"id": 1, "start": 0, "end": 10}, {"id": 2, "start": 5, "end": 20},
               {"id": 3, "start": 12, "end": 15}, {"id": 4, "start": 20, "end": 30},
               {"id": 5, "start": 0, "end": 10}]
    got = js("(cs) => { const r = assignTracks(cs); return [Object.fromEntries(r.track), r.count]; }",
             codings)
    tracks, count = got
    assert count == 3
    assert tracks == {"1": 0, "5": 1, "2": 2, "3": 0, "4": 0}
    over = js("(cs) => codingsOver(cs, assignTracks(cs).track, 5, 10).map((c) => c.id)", codings)
    assert over == [1, 5, 2]  # top line first


def test_a_click_finds_the_codings_under_it_in_codebook_order(js) -> None:  # noqa: ANN001
    codings = [{"id": 7, "start": 0, "end": 10, "code_id": "trust"},
               {"id": 3, "start": 5, "end": 12, "code_id": "empathy"},
               {"id": 4, "start": 10, "end": 12, "code_id": "goals"}]
    order = ["empathy", "goals", "trust"]
    at = js("([cs, order, offset]) => codingsAt(cs, new Map(order.map((c, i) => [c, i])), offset)"
            ".map((c) => c.id)", [codings, order, 9])
    assert at == [3, 7]
    assert js("([cs, offset]) => codingsAt(cs, new Map(), offset).map((c) => c.id)", [codings, 10]) == [3, 4]
    assert js("([cs, offset]) => codingsAt(cs, new Map(), offset)", [codings, 12]) == []


def _move(js, phrase: str, how: str) -> str:  # noqa: ANN001
    start = TEXT.index(phrase)
    end = start + len(phrase)
    s, e = js("([s, a, b, how]) => moveEdge(Array.from(s), a, b, how)", [TEXT, start, end, how])
    return TEXT[s:e]


def test_edges_move_by_whole_words_and_never_empty_the_passage(js) -> None:  # noqa: ANN001
    assert _move(js, "listens 🙂 and", "grow-start") == "She listens 🙂 and"
    assert _move(js, "listens 🙂 and", "grow-end") == "listens 🙂 and never"
    assert _move(js, "listens 🙂 and", "shrink-start") == "and"
    assert _move(js, "listens 🙂 and", "shrink-end") == "listens"
    assert _move(js, "better.", "grow-end") == "better. She"
    assert _move(js, "judges", "shrink-start") == "judges"  # one word left: it stays
    assert _move(js, "judges", "shrink-end") == "judges"
    assert _move(js, "Honestly", "grow-start") == "Honestly"  # already at the start of the text


def test_selection_edges_are_trimmed_and_long_quotes_shortened(js) -> None:  # noqa: ANN001
    padded = "  She listens \n"
    assert js("(s) => trimSpan(Array.from(s), 0, Array.from(s).length)", padded) == [2, 13]
    assert js("(s) => trimSpan(Array.from(s), 0, 2)", padded) == [2, 2]
    assert js("(s) => spanTextOf(Array.from(s), 0, Array.from(s).length, 10)", TEXT) == "Honestly …"


def test_a_turn_is_cut_at_every_span_edge_inside_it(js) -> None:  # noqa: ANN001
    turn = {"start": 10, "end": 50}
    spans = [{"start": 12, "end": 20}, None, {"start": 0, "end": 15}, {"start": 45, "end": 60},
             {"start": 20, "end": 30}]
    assert js("([t, spans]) => segmentBounds(t, spans)", [turn, spans]) == [10, 12, 15, 20, 30, 45, 50]


def test_a_segment_belongs_to_the_search_hit_that_holds_it(js) -> None:  # noqa: ANN001
    hits = [{"start": 3, "end": 7}, {"start": 10, "end": 12}, {"start": 20, "end": 30}]
    found = [js("([hits, a, b]) => hitAt(hits, a, b)", [hits, a, b])
             for a, b in [(3, 7), (4, 6), (10, 12), (25, 30), (7, 10), (0, 3), (5, 9), (30, 31)]]
    assert found == [0, 0, 1, 2, -1, -1, -1, -1]


def test_a_code_colour_is_drawn_only_when_it_is_a_plain_hex_colour(js) -> None:  # noqa: ANN001
    colours = [{"colour": "#E07A5F"}, {"colour": "red"}, {"colour": "#abc"}, {}, None,
               {"colour": "#123456; background:url(x)"}]
    assert js("(cs) => cs.map(colourOf)", colours) == ["#E07A5F", "#888888", "#888888", "#888888", "#888888",
                                                        "#888888"]
