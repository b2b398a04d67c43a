"""Accounts of a team project: who may log in, as which coder, in which role, and for how long.

A project with no accounts is a *solo* project: the person at the machine is its lead, with no login.
Any account makes it a *team* project, where the app shows a login form before anything else; a
PostgreSQL project is shared by nature and needs accounts (:func:`project_mode`).

Passwords are kept only as argon2id hashes (argon2-cffi, its default parameters). Wrong passwords back
off: after :data:`FREE_ATTEMPTS` the account is locked for 30 s, doubling with every further failure up
to :data:`MAX_LOCK` (the right password is refused too while locked, so guessing costs time). A login
lives until :data:`IDLE_TIMEOUT` without use or :data:`ABSOLUTE_TIMEOUT` after it began, and ends at
once when the account's password, role or access changes (``User.session_version``).

An institution's single sign-on (Streamlit's ``st.login``, OpenID Connect) logs in the account whose
e-mail it vouches for. Every change and every login is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import ROLES, Viewer, require_lead
from consult_coder.coding import get_or_create_coder
from consult_coder.errors import UserError
from consult_coder.limits import check_width
from consult_coder.model import CONSENSUS_CODER, Coder, User, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing time is bounded, whatever is pasted in
FREE_ATTEMPTS = 3  # wrong passwords before the first lock
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=10)
PASSWORD_ENV = "CONSULT_CODER_PASSWORD"  # where the command line takes a password from, if not asked

_hasher = PasswordHasher()
# Verified when the login name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("consult-coder: not a password of anyone")


@dataclass(frozen=True)
class UserView:
    """An account as the lead sees it (never its hash)."""

    login: str
    coder: str
    role: str
    email: str | None
    has_password: bool
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class Account:
    """The account a browser or a command is logged in as."""

    login: str
    coder: str
    role: str
    session_version: int


@dataclass(frozen=True)
class LoginOutcome:
    """A login attempt: the account, or one line saying why not. The caller commits either way, so the
    failed attempt is counted."""

    account: Account | None
    message: str = ""


# ---------------------------------------------------------------- mode

def has_accounts(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def project_mode(session: Session) -> str:
    """``solo`` (no accounts, SQLite: no login), ``team`` (login required) or ``needs_lead`` (a shared
    PostgreSQL project without accounts: nothing is shown until a lead is created)."""
    if has_accounts(session):
        return "team"
    return "needs_lead" if session.get_bind().dialect.name == "postgresql" else "solo"


# ---------------------------------------------------------------- managing accounts (the lead)

def _as_utc(when: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones.
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UserError(f"The password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"The password is too long: at most {MAX_PASSWORD} characters")
    return password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}: use {' or '.join(ROLES)}")
    return role


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    if "@" not in email or any(c.isspace() for c in email):
        raise UserError(f"{email!r} is not an e-mail address")
    check_width("The e-mail address", User, "email", email, "it")
    return email


def _user(session: Session, login: str) -> User:
    user = session.scalars(select(User).where(User.login == (login or "").strip())).first()
    if user is None:
        raise UserError(f"There is no account {login!r} (see `consult-coder users list`)")
    return user


def _first_account(session: Session, actor: str) -> None:
    """The first account of a project may be made by whoever holds the database; later ones by a lead."""
    if has_accounts(session):
        require_lead(session, actor, "Managing accounts")


def add_user(session: Session, login: str, role: str, actor: str, *, password: str | None = None,
             email: str | None = None, coder: str | None = None) -> UserView:
    """Create an account that codes as ``coder`` (default: a coder named like the login). The first
    account must be a lead, with a password or an e-mail for single sign-on."""
    login = (login or "").strip()
    if not login or any(c.isspace() for c in login):
        raise UserError("A login name is needed, without spaces (e.g. amira or a.khan)")
    check_width("The login name", User, "login", login, "it")
    _check_role(role)
    _first_account(session, actor)
    if not has_accounts(session) and role != "lead":
        raise UserError("The first account of a project must be its lead: add it with --role lead")
    if password is None and not email:
        raise UserError("An account needs a password, or an e-mail for the institution's sign-in")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise UserError(f"There is already an account {login!r}")
    name = (coder or login).strip()
    if name == CONSENSUS_CODER:
        raise UserError(f"'{CONSENSUS_CODER}' is the reconciled layer, not a person: choose another coder")
    who = get_or_create_coder(session, name)
    if session.scalar(select(User.login).where(User.coder_id == who.id)) is not None:
        raise UserError(f"Coder {name!r} already has an account: each coder logs in with one account")
    email = _clean_email(email)
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"The e-mail {email} is already another account's")
    user = User(login=login, coder_id=who.id, role=role, email=email,
                password_hash=_hasher.hash(_check_password(password)) if password is not None else None)
    session.add(user)
    session.flush()
    audit.user_added(session, actor, login, {"coder": who.name, "role": role, "email": email,
                                             "password": password is not None})
    return _view(user, who.name)


def _view(user: User, coder: str) -> UserView:
    return UserView(user.login, coder, user.role, user.email, user.password_hash is not None,
                    bool(user.disabled), user.failed_attempts, _as_utc(user.locked_until),
                    _as_utc(user.created_at), _as_utc(user.last_login_at))


def list_users(session: Session, viewer: Viewer) -> list[UserView]:
    """Every account, by login (for a lead)."""
    if not viewer.is_lead:
        raise UserError("The list of accounts is for the project's lead")
    rows = session.execute(select(User, Coder.name).join(Coder, Coder.id == User.coder_id)
                           .order_by(User.login))
    return [_view(user, name) for user, name in rows]


def _active_leads(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == "lead", User.disabled.is_(False)))


def _change(session: Session, user: User, actor: str, **after: object) -> bool:
    before = {k: getattr(user, k) for k in after}
    if before == after:
        return False
    for key, value in after.items():
        setattr(user, key, value)
    user.session_version += 1  # a changed role or access takes effect at once
    session.flush()
    if _active_leads(session) == 0:
        raise UserError("A project needs an active lead: make another account lead first")
    audit.user_updated(session, actor, user.login, before, after)
    return True


def set_role(session: Session, login: str, role: str, actor: str) -> bool:
    require_lead(session, actor, "Managing accounts")
    return _change(session, _user(session, login), actor, role=_check_role(role))


def set_disabled(session: Session, login: str, disabled: bool, actor: str) -> bool:
    """Disable an account (it can no longer log in, and a browser logged in as it is logged out), or
    enable it again (its failed attempts forgotten)."""
    require_lead(session, actor, "Managing accounts")
    user = _user(session, login)
    if not disabled:
        user.failed_attempts, user.locked_until = 0, None
    return _change(session, user, actor, disabled=bool(disabled))


def set_email(session: Session, login: str, email: str | None, actor: str) -> bool:
    require_lead(session, actor, "Managing accounts")
    user = _user(session, login)
    email = _clean_email(email)
    if email and session.scalar(select(User.id).where(User.email == email, User.id != user.id)):
        raise UserError(f"The e-mail {email} is already another account's")
    return _change(session, user, actor, email=email)


def reset_password(session: Session, login: str, password: str, actor: str) -> None:
    """Set a new password (a lead for anyone; everyone for themselves); unlocks the account and logs
    out its browsers."""
    user = _user(session, login)
    if user.coder.name != actor:
        require_lead(session, actor, "Setting another account's password")
    user.password_hash = _hasher.hash(_check_password(password))
    user.failed_attempts, user.locked_until = 0, None
    user.session_version += 1
    audit.password_set(session, actor, user.login)


# ---------------------------------------------------------------- logging in

def _lock_for(failures: int) -> timedelta | None:
    if failures <= FREE_ATTEMPTS:
        return None
    return min(FIRST_LOCK * 2 ** (failures - FREE_ATTEMPTS - 1), MAX_LOCK)


def _wait(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"


def _account(user: User) -> Account:
    return Account(user.login, user.coder.name, user.role, user.session_version)


def _refused(session: Session, user: User, now: datetime) -> LoginOutcome:
    user.failed_attempts += 1
    lock = _lock_for(user.failed_attempts)
    user.locked_until = now + lock if lock else None
    audit.login_failed(session, user.coder.name, user.failed_attempts, user.locked_until)
    if lock:
        return LoginOutcome(None, f"Wrong login name or password. Too many failed attempts: try again in "
                                  f"{_wait(user.locked_until, now)}.")
    return LoginOutcome(None, "Wrong login name or password.")


def _locked(user: User, now: datetime) -> LoginOutcome | None:
    until = _as_utc(user.locked_until)
    if until is not None and until > now:
        return LoginOutcome(None, f"Too many failed attempts: try again in {_wait(until, now)}.")
    return None


def _welcome(session: Session, user: User, now: datetime, how: str) -> LoginOutcome:
    user.failed_attempts, user.locked_until, user.last_login_at = 0, None, now
    audit.logged_in(session, user.coder.name, user.login, how)
    return LoginOutcome(_account(user))


def authenticate(session: Session, login: str, password: str, now: datetime | None = None) -> LoginOutcome:
    """Check a login name and password, counting a failure; the caller commits the unit of work."""
    now = now or utcnow()
    user = session.scalars(select(User).where(User.login == (login or "").strip())).first()
    if user is None or user.disabled or user.password_hash is None:
        _verify(_DUMMY_HASH, password)  # the same time as a real check: names are not revealed
        return LoginOutcome(None, "Wrong login name or password.")
    if (locked := _locked(user, now)) is not None:
        return locked
    if not _verify(user.password_hash, password):
        return _refused(session, user, now)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return _welcome(session, user, now, "password")


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, (password or "")[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def login_by_email(session: Session, email: str | None, now: datetime | None = None) -> LoginOutcome:
    """The institution's sign-in vouched for ``email``: log in the account it belongs to."""
    address = (email or "").strip().lower()
    user = session.scalars(select(User).where(User.email == address)).first() if address else None
    if user is None or user.disabled:
        return LoginOutcome(None, f"You are signed in as {address or 'someone without an e-mail'}, but no "
                                  "active account of this project has that e-mail: ask the project's lead.")
    return _welcome(session, user, now or utcnow(), "single sign-on")


def current_account(session: Session, login: str, session_version: int) -> Account | None:
    """The logged-in account as it is now, or None if it was disabled or changed since the login."""
    user = session.scalars(select(User).where(User.login == login)).first()
    if user is None or user.disabled or user.session_version != session_version:
        return None
    return _account(user)


def expired(started: datetime, last_seen: datetime, now: datetime | None = None) -> str | None:
    """Why a login has ended (idle too long, or too old), or None while it is still good."""
    now = now or utcnow()
    if now - started > ABSOLUTE_TIMEOUT:
        return f"You were logged in for {ABSOLUTE_TIMEOUT.seconds // 3600} hours: please log in again."
    if now - last_seen > IDLE_TIMEOUT:
        return (f"You were logged out after {IDLE_TIMEOUT.seconds // 60} minutes without activity: "
                "please log in again.")
    return None


def log_out(session: Session, account: Account, why: str = "logged out") -> None:
    audit.logged_out(session, account.coder, account.login, why)

