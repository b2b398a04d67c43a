"""The anonymity check's findings in one transcript, each shown in context and answered with one click.

A finding is a possible identifier (``anonymity.Finding``). Each is *replaced* by its typed placeholder
([NAME], [PLACE], [PHONE] …), *kept* as written (not an identifier), or not yet decided; nothing is
dropped silently: an undecided finding holds the import (or the redaction) until it is answered, one by
one, all of a kind, or all in the file. Used by the Import page, for files before import and for
transcripts already in the project.

The answers live in ``st.session_state[state_key]``: finding index → True (replace) / False (keep).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import streamlit as st

from consult_coder.anonymity import PLACEHOLDERS, Finding
from consult_coder.ui import render as show
from consult_coder.ui.render import md

CONTEXT = 70  # characters of the line shown either side of a finding
SHOWN = 100  # findings drawn one by one at most; the buttons for all of a kind reach the rest


def answers(state_key: str) -> dict[int, bool]:
    return st.session_state.setdefault(state_key, {})


def choices(state_key: str, findings: Sequence[Finding]) -> list[bool]:
    """For the core's redaction: True where the finding is to be replaced."""
    given = answers(state_key)
    return [given.get(i) is True for i in range(len(findings))]


def undecided(state_key: str, findings: Sequence[Finding]) -> int:
    given = answers(state_key)
    return sum(1 for i in range(len(findings)) if i not in given)


def _set(state_key: str, indices: Sequence[int], value: bool | None) -> None:
    given = answers(state_key)
    for i in indices:
        if value is None:
            given.pop(i, None)
        else:
            given[i] = value


def placeholder(f: Finding) -> str:
    return PLACEHOLDERS.get(f.kind, f"[{f.kind}]")


def in_context(f: Finding, text: str) -> show.Md:
    """The words around a finding, on its line, the finding marked."""
    line_start = text.rfind("\n", 0, f.start) + 1
    line_end = text.find("\n", f.end)
    line_end = len(text) if line_end < 0 else line_end
    lo, hi = max(line_start, f.start - CONTEXT), min(line_end, f.end + CONTEXT)
    before = ("…" if lo > line_start else "") + text[lo:f.start]
    after = text[f.end:hi] + ("…" if hi < line_end else "")
    return show.highlight(before, f.text, after)


def summary(state_key: str, findings: Sequence[Finding]) -> str:
    """``3 possible identifiers (2 NAME, 1 DATE): 1 to replace, 1 kept as written, 1 to decide``."""
    if not findings:
        return "no possible identifiers found"
    given = answers(state_key)
    kinds = ", ".join(f"{n} {kind}" for kind, n in Counter(f.kind for f in findings).most_common())
    replace = sum(1 for i in range(len(findings)) if given.get(i) is True)
    keep = sum(1 for i in range(len(findings)) if given.get(i) is False)
    open_ = len(findings) - replace - keep
    parts = [f"{replace} to replace", f"{keep} kept as written"] + ([f"{open_} to decide"] if open_ else [])
    plural = "" if len(findings) == 1 else "s"
    return f"{len(findings)} possible identifier{plural} ({kinds}): " + ", ".join(parts)


def review(state_key: str, findings: Sequence[Finding], text: str, front_matter: str = "") -> None:
    """Every finding of one transcript in context, with its button; and buttons for all of a kind,
    all in the transcript, and keeping what is left."""
    if not findings:
        st.caption("No possible identifiers found.")
        return
    given = answers(state_key)
    everything = list(range(len(findings)))
    by_kind: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        by_kind.setdefault(f.kind, []).append(i)
    row = st.container(horizontal=True)
    row.button(md("Replace all {}", len(findings)), key=f"{state_key}-all", on_click=_set,
               args=(state_key, everything, True), icon=":material/auto_fix_high:")
    if len(by_kind) > 1:
        for kind, indices in by_kind.items():
            row.button(md("Replace all {} ({})", kind, len(indices)), key=f"{state_key}-kind-{kind}",
                       on_click=_set, args=(state_key, indices, True))
    rest = [i for i in everything if i not in given]
    row.button("Keep the rest as written", key=f"{state_key}-rest", on_click=_set,
               args=(state_key, rest, False), disabled=not rest)
    for i, f in enumerate(findings[:SHOWN]):
        _finding(state_key, i, f, front_matter if f.part == "front_matter" else text, given.get(i))
    if len(findings) > SHOWN:
        st.caption(md("… and {} more, not drawn one by one: the buttons above answer them too.",
                      len(findings) - SHOWN))


def _finding(state_key: str, i: int, f: Finding, text: str, answer: bool | None) -> None:
    # The answer column fits its longest button, "Replaced by [CLINIC] · undo".
    kind, words, action = st.columns([1.0, 5.8, 3.0], vertical_alignment="center")
    kind.caption(md("**{}**{}", f.kind, " · header" if f.part == "front_matter" else ""))
    show.markdown(in_context(f, text), html=True, where=words)
    if answer is True:
        action.button(md("Replaced by {} · undo", placeholder(f)), key=f"{state_key}-{i}", on_click=_set,
                      args=(state_key, [i], None), icon=":material/check:", width="stretch")
    elif answer is False:
        action.button("Kept as written · undo", key=f"{state_key}-{i}", on_click=_set,
                      args=(state_key, [i], None), width="stretch")
    else:
        replace, keep = action.columns(2)
        replace.button(md("{}", placeholder(f)), key=f"{state_key}-{i}", on_click=_set,
                       args=(state_key, [i], True), type="primary", width="stretch",
                       help=md("Replace “{}” with {}", f.text, placeholder(f)))
        keep.button("Keep", key=f"{state_key}-{i}-keep", on_click=_set, args=(state_key, [i], False),
                    width="stretch", help="Not an identifier: keep the words as they are")
