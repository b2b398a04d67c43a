"""Per-browser-session state shared by the pages: the open project, who is logged in and who is coding.

A solo project (no accounts) trusts the person at the machine: they pick the coder they code as in the
sidebar. In a team project the coder is the logged-in account's, and the login ends after
``accounts.IDLE_TIMEOUT`` without use, ``accounts.ABSOLUTE_TIMEOUT`` in all, or at once when the lead
changes the account (:func:`check_login`, run before every page).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import streamlit as st

from consult_coder import accounts
from consult_coder.access import Viewer, actor_viewer
from consult_coder.accounts import Account
from consult_coder.storage import Project, default_location, open_project
from consult_coder.ui.render import md

T = TypeVar("T")

ACCOUNT = "auth_account"  # the logged-in accounts.Account (team projects)
STARTED = "auth_started"  # when the login began
LAST_SEEN = "auth_last_seen"  # the last run of any page while logged in
ENDED = "auth_ended"  # why the last login ended, shown above the login form once


@st.cache_resource(show_spinner=False)
def _project(location: str) -> Project:
    return open_project(location)


def get_project() -> Project:
    """The project this app serves (``CONSULT_CODER_DB`` or the embedded default file)."""
    return _project(default_location())


def in_session(action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one core function as one user action: committed when it returns, rolled back whole if it
    raises (a page catches the UserError around this call, outside the unit of work)."""
    with get_project().session() as s:
        return action(s, *args, **kwargs)


def current_account() -> Account | None:
    """The account this browser is logged in as (team projects), or None."""
    return st.session_state.get(ACCOUNT)


def current_coder() -> str | None:
    """The coder this browser codes as: the logged-in account's, else the one chosen in the sidebar."""
    account = current_account()
    return account.coder if account else st.session_state.get("coder")


def current_viewer(show_others: bool = True) -> Viewer:
    """Who is looking, for the core's read functions: a coder account is blind while the project is;
    ``show_others=False`` is the reader's own wish to see only their own codings."""
    return in_session(actor_viewer, current_coder(), show_others)


def is_lead() -> bool:
    return current_viewer().is_lead


def lead_only(what: str) -> bool:
    """For a page only a lead may use: says so and returns False to anyone else (the page list already
    leaves such pages out for coders; this is the second check)."""
    if is_lead():
        return True
    st.error(md("{} is for the project's lead.", what))
    return False


# ---------------------------------------------------------------- logging in and out

def start_login(account: Account) -> None:
    now = accounts.utcnow()
    st.session_state.update({ACCOUNT: account, STARTED: now, LAST_SEEN: now, "coder": account.coder})
    st.session_state.pop(ENDED, None)


def end_login(why: str, message: str = "") -> None:
    """Log this browser out (``why`` goes to the audit trail; ``message`` is shown on the login form)."""
    account = current_account()
    if account is not None:
        in_session(accounts.log_out, account, why)
    for key in (ACCOUNT, STARTED, LAST_SEEN, "coder"):
        st.session_state.pop(key, None)
    if message:
        st.session_state[ENDED] = message


def check_login(now: datetime | None = None) -> Account | None:
    """The logged-in account if the login still holds (not idle too long, not too old, the account
    unchanged); otherwise logs out and returns None."""
    account = current_account()
    if account is None:
        return None
    now = now or accounts.utcnow()
    why = accounts.expired(st.session_state[STARTED], st.session_state[LAST_SEEN], now)
    if why is None and in_session(accounts.current_account, account.login, account.session_version) is None:
        why = "Your account was changed by the project's lead: please log in again."
    if why is not None:
        end_login("session ended", why)
        return None
    st.session_state[LAST_SEEN] = now
    return account
