"""Page "Team & accounts" (the lead's): blind coding for the whole project, and who may log in as whom.

Every change goes through ``consult_coder.accounts`` / ``consult_coder.access`` (which refuse it to
anyone but a lead) and is recorded in the audit log. A solo project can make its first lead here, which
turns it into a team project: from then on everyone logs in.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from consult_coder import accounts
from consult_coder.access import ROLES, project_blind, set_blinding
from consult_coder.accounts import UserView
from consult_coder.errors import UserError
from consult_coder.ui import render as show
from consult_coder.ui.render import md
from consult_coder.ui.state import current_account, current_coder, current_viewer, in_session, lead_only

FLASH = "users_flash"


def _run(action: Callable[[], object], done: str) -> None:
    try:
        action()
    except UserError as exc:
        show.error(exc)
        return
    st.session_state[FLASH] = done
    st.rerun()


def _status(u: UserView) -> str:
    if u.disabled:
        return "disabled"
    if u.locked_until is not None and u.locked_until > accounts.utcnow():
        return f"locked until {u.locked_until:%H:%M} UTC"
    return "active"


def _sign_in(u: UserView) -> str:
    return " + ".join([*(["password"] if u.has_password else []), *([u.email] if u.email else [])])


def _table(users: list[UserView]) -> None:
    rows = [{"login": u.login, "codes as": u.coder, "role": u.role, "sign-in": _sign_in(u),
             "status": _status(u), "failed attempts": u.failed_attempts,
             "last login (UTC)": f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"}
            for u in users]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="users_table")


def _blinding(actor: str) -> None:
    blind = in_session(project_blind)
    st.subheader("Blind coding")
    st.caption("While coding is blind, each coder sees only their own codings and memos on every page and "
               "in every export, count and command; the lead always sees everyone's. Unblind for "
               "reconciliation; the switch is recorded in the audit log.")
    wanted = st.toggle("Blind coding for every coder", value=blind, key="users_blind")
    if wanted != blind:
        _run(lambda: in_session(set_blinding, actor, wanted),
             "Coding is blind again." if wanted else "Unblinded: coders now see each other's work.")


def _passwords(prefix: str) -> str | None:
    first = st.text_input("Password", type="password", key=f"{prefix}_pw1", autocomplete="new-password")
    again = st.text_input("Password again", type="password", key=f"{prefix}_pw2", autocomplete="new-password")
    if first != again:
        st.error("The two passwords differ.")
        return None
    return first


def _add(actor: str, first: bool) -> None:
    with st.form("users_add", clear_on_submit=True):
        login = st.text_input("Login name", key="users_add_login")
        role = "lead" if first else st.selectbox("Role", ROLES, index=1, key="users_add_role")
        coder = "" if first else st.text_input("Codes as (blank: the login name)", key="users_add_coder")
        email = st.text_input("E-mail for the institution's sign-in (optional)", key="users_add_email")
        password = _passwords("users_add")
        label = "Create the lead account" if first else "Add account"
        submitted = st.form_submit_button(label, type="primary", icon=":material/person_add:")
        if submitted and password is not None:
            def add() -> None:
                in_session(accounts.add_user, login, role, actor, password=password or None,
                           email=email or None, coder=coder or None)
            _run(add, f"Account {login.strip()} created.")


def _manage(actor: str, users: list[UserView]) -> None:
    by_login = {u.login: u for u in users}
    login = st.selectbox("Account", list(by_login), key="users_pick")
    u = by_login[login]
    left, right = st.columns(2)
    with left:
        role = st.segmented_control("Role", ROLES, default=u.role, key=f"users_role_{login}")
        if role and role != u.role and st.button("Change role", key=f"users_role_save_{login}"):
            _run(lambda: in_session(accounts.set_role, login, role, actor), f"{login} is now a {role}.")
        if u.disabled:
            if st.button("Enable account", key=f"users_enable_{login}", icon=":material/lock_open:"):
                _run(lambda: in_session(accounts.set_disabled, login, False, actor), f"{login} enabled.")
        elif st.button("Disable account", key=f"users_disable_{login}", icon=":material/block:"):
            _run(lambda: in_session(accounts.set_disabled, login, True, actor),
                 f"{login} disabled: they can no longer log in.")
    with right, st.form(f"users_reset_{login}", clear_on_submit=True):
        st.markdown("**Set a new password**")
        password = _passwords(f"users_reset_{login}")
        if st.form_submit_button("Set password") and password is not None:
            _run(lambda: in_session(accounts.reset_password, login, password, actor),
                 f"New password set for {login}; they are logged out everywhere.")


def _solo(actor: str | None) -> None:
    st.info("This is a solo project: no one logs in, and whoever opens the app is its lead. To share it "
            "with a team, create its lead account; from then on everyone logs in, and the lead adds the "
            "coders here. (A project on a database server always needs accounts.)")
    _add(actor or "app", first=True)


def render() -> None:
    st.title("Team & accounts")
    if not lead_only("Managing the team"):
        return
    if message := st.session_state.pop(FLASH, None):
        show.success(message)
    actor = current_coder()
    if current_account() is None:
        _solo(actor)
        return
    _blinding(actor)
    st.subheader("Accounts")
    users = in_session(accounts.list_users, current_viewer())
    _table(users)
    with st.expander("Add an account", icon=":material/person_add:"):
        _add(actor, first=False)
    st.subheader("Change an account")
    _manage(actor, users)
    st.caption(md("Logins end after {} minutes without use and after {} hours in all. After {} wrong "
                  "passwords an account is locked for a while, longer each time.",
                  accounts.IDLE_TIMEOUT.seconds // 60, accounts.ABSOLUTE_TIMEOUT.seconds // 3600,
                  accounts.FREE_ATTEMPTS))
