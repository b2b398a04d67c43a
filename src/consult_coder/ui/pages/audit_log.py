"""Page "Audit log" (the lead's): who did what, when, with the values before and after.

Filterable by person, action and dates, read a page at a time (``audit.audit_log``), and exported as a
formula-safe CSV (``audit.audit_csv``). Every value is shown as text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from consult_coder import audit
from consult_coder.audit import ACTION_LABELS, AuditFilter
from consult_coder.ui.render import md
from consult_coder.ui.state import current_viewer, in_session, lead_only

PAGE_SIZE = 50


def _day(value: date | None, after: bool = False) -> datetime | None:
    if value is None:
        return None
    start = datetime.combine(value, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if after else start


def _filters(actors: list[str]) -> AuditFilter:
    who, what, since, until = st.columns([1.3, 2.4, 1, 1], vertical_alignment="bottom")
    actor = who.selectbox("Person", ["", *actors], format_func=lambda a: a or "Everyone", key="audit_actor")
    actions = what.multiselect("Action", list(ACTION_LABELS), format_func=lambda a: ACTION_LABELS[a],
                               placeholder="Every action", key="audit_actions")
    first = since.date_input("From (UTC)", value=None, key="audit_since", format="YYYY-MM-DD")
    last = until.date_input("Until (UTC)", value=None, key="audit_until", format="YYYY-MM-DD")
    return AuditFilter(actor or None, tuple(actions), _day(first), _day(last, after=True))


def _table(events: list[audit.EventView]) -> pd.DataFrame:
    return pd.DataFrame([{
        "when (UTC)": f"{ev.at:%Y-%m-%d %H:%M:%S}", "who": ev.actor, "what": ev.label, "on": ev.target,
        "before": audit.readable(ev.before), "after": audit.readable(ev.after),
        "details": audit.readable(ev.details or None) + (" (undone)" if ev.undone else ""),
    } for ev in events], columns=["when (UTC)", "who", "what", "on", "before", "after", "details"])


def _pager(total: int) -> int:
    pages = max(1, -(-total // PAGE_SIZE))
    if st.session_state.get("audit_page", 1) > pages:
        st.session_state["audit_page"] = 1
    left, right = st.columns([1, 4], vertical_alignment="bottom")
    number = int(left.number_input(md("Page (of {})", pages), min_value=1, max_value=pages, step=1,
                                   key="audit_page"))
    right.caption(md("{} event{}, newest first; {} a page.", f"{total:,}", "s" if total != 1 else "",
                     PAGE_SIZE))
    return number


def render() -> None:
    st.title("Audit log")
    if not lead_only("The audit log"):
        return
    viewer = current_viewer()
    flt = _filters(in_session(audit.audit_actors, viewer))
    _, total = in_session(audit.audit_log, viewer, flt, limit=1)
    number = _pager(total)
    events, _ = in_session(audit.audit_log, viewer, flt, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    st.dataframe(_table(events), hide_index=True, width="stretch", key="audit_table",
                 column_config={"before": st.column_config.TextColumn(width="large"),
                                "after": st.column_config.TextColumn(width="large")})
    st.download_button("Download these events (CSV)", lambda: in_session(audit.audit_csv, viewer, flt),
                       file_name="audit-log.csv", mime="text/csv", icon=":material/download:",
                       on_click="ignore", disabled=total == 0, key="audit_csv")
