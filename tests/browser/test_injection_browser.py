"""Hostile text in every field a user can fill shows as text on every page, in a real browser.

A project is seeded with strings that would do something if interpreted: markdown images and links
pointing at an outside host, raw HTML with an ``onerror`` handler, a ``<script>``, a ``javascript:``
link, bold, Streamlit's colour and icon syntax, maths, a list marker and spreadsheet formula prefixes.
They sit in the transcript's title, file name, front matter, speakers and words; the participant's id
and attributes; a code's name, definition and guidance; a memo on the code; a coding's memo; and the
coder's name. A researcher then visits every page. On each one:

- the browser asked no host but the app (the images point at 203.0.113.9, a documentation address);
- no script ran (``window.__pwned`` stays unset), no outside image, ``javascript:`` link or ``onerror``
  attribute is in the page, and no element holds just a payload's marker word (``**zqtitle**`` drawn
  bold would be a ``<strong>`` holding ``zqtitle``);
- the strings that page shows are there literally, character for character.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from consult_coder import coding, memos
from consult_coder.model import Code, Participant, Transcript
from consult_coder.storage import open_project
from consult_coder.text import content_hash
from tests.browser.actions import choose_coder, open_tab, settled
from tests.browser.support import serve
from tests.factories import in_session, stored_turns

pytestmark = pytest.mark.browser

HOST = "203.0.113.9"  # TEST-NET-3 (RFC 5737): never a real machine
LOCAL_SCHEMES = {"data", "blob", "about"}


def payload(tag: str, lead: str = "") -> str:
    """A string that would fetch, run or format something if any of it were read as markup; ``tag`` is
    its marker word, ``lead`` what it starts with (a formula or list prefix)."""
    return (f"{lead}{tag} ![{tag}](http://{HOST}/{tag}.png) <img src=http://{HOST}/{tag}.gif "
            f"onerror=\"window.__pwned='{tag}'\"> <script>window.__pwned='{tag}'</script> "
            f"[{tag}](javascript:window.__pwned='{tag}') **{tag}** _{tag}_ `{tag}` :red[{tag}] "
            f":material/home: $x^2$ =HYPERLINK(\"http://{HOST}/{tag}\")")


def short(tag: str) -> str:
    """The same, short enough for an id or a name."""
    return f"{tag} **{tag}** <img src=http://{HOST}/{tag}.gif onerror=\"window.__pwned='{tag}'\"> :red[{tag}]"


TITLE = payload("zqtitle", "# ")
SOURCE = short("zqsource") + ".txt"
FRONT = payload("zqfront", "> ")
PARTICIPANT = short("zqpid")
GROUP, ROLE, AGE = short("zqgroup"), short("zqrole"), "=1+1 zqage"
NOTE = payload("zqnote", "@")
INTERVIEWER, SPEAKER = short("zqasker"), short("zqspeaker")
QUESTION, ANSWER = payload("zqquestion", "- "), payload("zqanswer", "+")
CODE_NAME, DEFINITION, WHEN = short("zqcode"), payload("zqdefinition", "1. "), payload("zqwhen", "-")
CODE_MEMO, CODING_MEMO = payload("zqcodememo", "="), payload("zqcodingmemo", "=")
CODER = short("zqcoder")
TAGS = ["zqtitle", "zqsource", "zqfront", "zqpid", "zqgroup", "zqrole", "zqnote", "zqasker", "zqspeaker",
        "zqquestion", "zqanswer", "zqcode", "zqdefinition", "zqwhen", "zqcodememo", "zqcodingmemo", "zqcoder"]


def seed(db: str) -> None:
    project = open_project(db)
    text, turns = stored_turns([(INTERVIEWER, "interviewer", QUESTION), (SPEAKER, "participant", ANSWER)])
    with project.session() as s:
        s.add(Participant(id=PARTICIPANT, group=GROUP, role=ROLE, age_band=AGE, attributes={"note": NOTE}))
        s.add(Code(id="hostile", name=CODE_NAME, definition=DEFINITION, when_to_use=WHEN, colour="#4e79a7"))
        s.add(Code(id="plain", name="Plain code", colour="#f28e2b", sort_order=1))  # to merge into
        tr = Transcript(participant_id=PARTICIPANT, title=TITLE, text=text, content_hash=content_hash(text),
                        source_name=SOURCE, source_format="txt", front_matter=FRONT, turns=turns)
        s.add(tr)
        s.flush()
        tid = tr.id
    start = text.index(ANSWER)
    [cid] = in_session(project, coding.add_coding, tid, start, start + len(ANSWER), ["hostile"], CODER)
    in_session(project, coding.set_coding_memo, cid, CODING_MEMO, CODER)
    in_session(project, memos.set_memo, "code", "hostile", CODER, CODE_MEMO)
    project.close()


# What each element of the page (and of any frame in it) would show if a payload had been interpreted.
INTERPRETED = """(tags) => {
    const all = [...document.querySelectorAll('*')];
    return {
        pwned: window.__pwned ?? null,
        images: [...document.images].map((i) => i.getAttribute('src') || '')
            .filter((s) => s.includes('203.0.113')),
        links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))
            .filter((h) => /^\\s*javascript:/i.test(h) || h.includes('203.0.113')),
        handlers: all.filter((e) => e.hasAttribute('onerror')).map((e) => e.outerHTML.slice(0, 120)),
        scripts: [...document.scripts].filter((s) => s.textContent.includes('__pwned')).length,
        // <mark> is the app's own highlight of a search hit
        marked: all.filter((e) => e.tagName !== 'MARK' && tags.includes(e.textContent.trim()))
            .map((e) => e.outerHTML.slice(0, 120)),
    };
}"""


def nothing_interpreted(page: Page, where: str) -> None:
    for frame in page.frames:
        found = frame.evaluate(INTERPRETED, TAGS)
        assert found == {"pwned": None, "images": [], "links": [], "handlers": [], "scripts": 0,
                         "marked": []}, f"{where} ({frame.url}): markup from user text was rendered"


def shows_literally(page: Page, where: str, *strings: str) -> None:
    """Each string is on the page character for character (the invisible word joiners that keep
    Streamlit from reading icons and links in plain text aside)."""
    for s in strings:
        expect(page.locator("body")).to_contain_text(s[:12])  # drawn by the run we are looking at
    seen = page.evaluate("() => document.body.innerText").replace("\u2060", "")
    missing = [s for s in strings if s not in seen]
    assert not missing, f"{where}: not shown as written: {missing}"


def visit(page: Page, title: str, heading: str | None = None) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=heading or title, exact=True)).to_be_visible()
    settled(page)


def open_expander(page: Page, label: str) -> None:
    page.locator('[data-testid="stExpander"] summary').filter(has_text=label).click()


def test_hostile_text_is_shown_as_text_on_every_page(page: Page, tmp_path: Path) -> None:
    db = str(tmp_path / "project.sqlite")
    seed(db)
    with serve(db, tmp_path / "streamlit.log") as url:
        app_origin = urlsplit(url).netloc
        requested: list[str] = []
        page.context.on("request", lambda request: requested.append(request.url))

        # Participants & transcripts: the transcript, its participant and its front matter.
        page.goto(url)
        expect(page.get_by_role("heading", name="Read a transcript")).to_be_visible()
        open_expander(page, "Front matter")
        shows_literally(page, "Participants & transcripts", TITLE, SOURCE, PARTICIPANT, GROUP, ROLE, AGE,
                        INTERVIEWER, SPEAKER, QUESTION, ANSWER, FRONT)
        nothing_interpreted(page, "Participants & transcripts")
        page.get_by_role("button", name="Speaker roles").click()  # each speaker labels a control
        expect(page.locator('[data-testid="stPopoverBody"]')).to_contain_text("zqspeaker **zqspeaker**")
        shows_literally(page, "Speaker roles", INTERVIEWER, SPEAKER)
        nothing_interpreted(page, "Speaker roles")
        page.keyboard.press("Escape")

        # Code: the reader, the coder's caption and the code definitions in the sidebar.
        visit(page, "Code")
        choose_coder(page, CODER)
        open_expander(page, "Code definitions")
        shows_literally(page, "Code", TITLE, CODER, INTERVIEWER, SPEAKER, QUESTION, ANSWER, CODE_NAME,
                        DEFINITION, WHEN, CODE_MEMO)
        page.locator('.ccr-seg[data-codes~="hostile"]').first.click()  # the coding's panel
        expect(page.locator(".ccr-panel")).to_be_visible()
        expect(page.locator(".ccr-panel")).to_contain_text(CODE_NAME)
        nothing_interpreted(page, "Code")

        # Coded segments: the quote, who said it, who coded it and the coding's memo.
        visit(page, "Coded segments")
        shows_literally(page, "Coded segments", ANSWER.strip(), PARTICIPANT, SPEAKER, CODER, TITLE,
                        CODING_MEMO)
        page.get_by_role("tab", name="Search transcripts").click()
        page.get_by_label("Find in transcripts").fill("zqanswer")
        page.get_by_label("Find in transcripts").press("Enter")
        expect(page.locator("mark").first).to_have_text("zqanswer")  # the one HTML the app makes itself
        settled(page)
        nothing_interpreted(page, "Coded segments")

        # Codebook: the tree and the code's memo.
        visit(page, "Codebook")
        shows_literally(page, "Codebook", CODE_NAME)
        for tab in ["Merge", "Delete", "Memos"]:  # the tabs that name the code in their captions
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("tabpanel", name=tab)).to_be_visible()
            if tab != "Memos":
                expect(page.get_by_role("tabpanel", name=tab)).to_contain_text("zqcode **zqcode**")
                shows_literally(page, f"Codebook, {tab}", CODE_NAME)
            nothing_interpreted(page, f"Codebook, {tab}")

        # Analysis: every tab; the exemplar quotes say who said them and who coded them.
        visit(page, "Analysis")
        for tab in ["Theme frequency", "Comparison", "Co-occurrence", "Participants × themes",
                    "Exemplar quotes"]:
            open_tab(page, tab)
            nothing_interpreted(page, f"Analysis, {tab}")
        shows_literally(page, "Analysis, Exemplar quotes", ANSWER, PARTICIPANT, ROLE, CODER,
                        GROUP)  # a group without a label of its own: as written

        visit(page, "Export")
        nothing_interpreted(page, "Export")

        # Import: the anonymity check of the stored transcript shows each finding in its line, marked
        # (the one place user text goes into HTML the app makes).
        visit(page, "Import", "Import transcripts")
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Transcript to check")
        picker.locator("input").click()
        page.keyboard.type("zqtitle")
        expect(page.get_by_role("option").first).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator("mark").first).to_be_visible()
        settled(page)
        marked = [m.replace("\u2060", "") for m in page.locator("mark").all_inner_texts()]
        assert f"http://{HOST}/zqanswer.png" in marked  # a URL: a possible identifier, shown as text
        nothing_interpreted(page, "Import")

    assert any(urlsplit(u).netloc == app_origin for u in requested)  # the recording did record
    elsewhere = sorted({u for u in requested
                        if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).netloc != app_origin})
    assert elsewhere == [], f"the browser asked other hosts: {elsewhere}"
