"""The thematic codebook as plain data: validated, loaded from and saved to YAML or CSV.

A codebook file is the source of truth a team shares; ``apply_codebook`` brings a project's codes in
line with it (new codes added, changed fields updated, every change versioned and audited). Codes
missing from the file are left alone, because they may carry codings.

:class:`CodeView` is the one record of a code that pages, exports and audit events read
(:func:`list_codes`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import require_lead
from consult_coder.cells import csv_text, unescape_cell
from consult_coder.errors import UserError
from consult_coder.importers.encoding import decode_text
from consult_coder.importers.table import csv_records
from consult_coder.limits import (
    MAX_CODEBOOK_BYTES,
    MAX_CODES,
    MAX_NESTING,
    check_count,
    check_size,
    column_width,
    read_limited,
)
from consult_coder.model import Code, utcnow
from consult_coder.storage import get_setting, set_setting
from consult_coder.suggestions.patterns import check_patterns, to_json

SLUG = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#888888"
VERSION_SETTING = "codebook_version"
CSV_COLUMNS = ["id", "name", "parent", "colour", "definition", "when_to_use", "when_not_to_use", "example",
               "patterns"]
EDITABLE = ("name", "definition", "when_to_use", "when_not_to_use", "example", "colour", "parent_id",
            "patterns")


def slugify(name: str) -> str:
    """A code id made from a name: 'Non-judgement' → 'non_judgement' (ASCII, starts with a letter)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_") or "code"
    if not slug[0].isalpha():
        slug = "code_" + slug
    return slug[:56].rstrip("_")


@dataclass(frozen=True)
class CodeView:
    """A code as the pages, the exports and the audit trail see it."""

    id: str
    name: str
    definition: str
    when_to_use: str
    when_not_to_use: str
    example: str
    colour: str  # as stored; see display_colour
    parent_id: str | None
    sort_order: int
    archived: bool
    patterns: tuple[Any, ...] = ()

    @classmethod
    def of(cls, code: Code) -> CodeView:
        return cls(code.id, code.name, code.definition or "", code.when_to_use or "",
                   code.when_not_to_use or "", code.example or "", code.colour or "", code.parent_id,
                   code.sort_order or 0, bool(code.archived), tuple(code.patterns or ()))

    @property
    def display_colour(self) -> str:
        """The colour to draw with: the stored one when it is a valid #rrggbb, else grey."""
        return self.colour if COLOUR.match(self.colour) else DEFAULT_COLOUR

    def snapshot(self) -> audit.CodeSnapshot:
        """The code as an audit event records it."""
        return audit.CodeSnapshot(**{**asdict(self), "patterns": list(self.patterns)})


def list_codes(session: Session, include_archived: bool = True) -> list[CodeView]:
    """Every code in codebook order (archived ones too, unless asked not to)."""
    q = select(Code).order_by(Code.sort_order, Code.name, Code.id)
    if not include_archived:
        q = q.where(Code.archived.is_(False))
    return [CodeView.of(c) for c in session.scalars(q)]


def has_codes(session: Session) -> bool:
    return session.scalar(select(Code.id).limit(1)) is not None


def codebook_version(session: Session) -> str:
    """The version ``bump_version`` raises with every change ("0" before the first)."""
    return get_setting(session, VERSION_SETTING, "0")


def codebook_stamp(session: Session) -> str:
    """Changes whenever the codebook does: its version, plus a cheap guard on the rows themselves
    (codes written without a version bump, e.g. by hand). A key for caching the codebook."""
    n, latest = session.execute(select(func.count(Code.id), func.max(Code.updated_at))).one()
    return f"{codebook_version(session)}|{n}|{latest}"


class CodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str
    name: str = Field(min_length=1, max_length=column_width(Code, "name"))
    definition: str = Field(min_length=1)
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    colour: str = DEFAULT_COLOUR
    parent: str | None = None
    # Phrases and spaCy Matcher token patterns, used by suggestions (see suggestions.patterns).
    patterns: list[Any] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("must be a lowercase slug such as 'goal_setting'")
        return v

    @field_validator("colour")
    @classmethod
    def _colour(cls, v: str) -> str:
        if not COLOUR.match(v):
            raise ValueError(f"{v!r} is not a #rrggbb colour")
        return v.lower()

    @field_validator("patterns", mode="before")
    @classmethod
    def _patterns(cls, v: Any) -> list[Any]:
        return check_patterns(v)

    @field_validator("parent", mode="before")
    @classmethod
    def _blank_parent(cls, v: Any) -> Any:
        return v or None


class Codebook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "Codebook"
    description: str = ""
    codes: list[CodeSpec] = Field(max_length=MAX_CODES)

    @model_validator(mode="after")
    def _consistent(self) -> Codebook:
        seen: set[str] = set()
        for code in self.codes:
            if code.id in seen:
                raise ValueError(f"code {code.id!r}: id is used twice")
            seen.add(code.id)
        for code in self.codes:
            if code.parent and code.parent not in seen:
                raise ValueError(f"code {code.id!r} field 'parent': no code {code.parent!r} in this codebook")
        parents = {c.id: c.parent for c in self.codes}
        for code in self.codes:
            walk, steps = code.parent, 0
            while walk:
                if walk == code.id or steps > len(parents):
                    raise ValueError(f"code {code.id!r} field 'parent': codes are nested in a cycle")
                walk, steps = parents.get(walk), steps + 1
        return self


def _explain(source: str, data: Any, exc: ValidationError) -> str:
    """One line naming the code and the field, from pydantic's first error."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if len(loc) >= 2 and loc[0] == "codes" and isinstance(loc[1], int):
        try:
            code_id = data["codes"][loc[1]].get("id") or f"#{loc[1] + 1}"
        except (KeyError, IndexError, TypeError, AttributeError):
            code_id = f"#{loc[1] + 1}"
        field = ".".join(str(p) for p in loc[2:]) or "(code)"
        return f"{source}: code {code_id!r} field {field!r}: {msg}"
    where = ".".join(str(p) for p in loc)
    return f"{source}: {where + ': ' if where else ''}{msg}"


def parse_codebook(data: Any, source: str = "codebook") -> Codebook:
    if not isinstance(data, dict) or "codes" not in data:
        raise UserError(f"{source}: expected a mapping with a 'codes' list")
    if isinstance(data["codes"], list):
        check_count(source, "codes", len(data["codes"]), MAX_CODES)
    try:
        return Codebook.model_validate(data)
    except ValidationError as exc:
        raise UserError(_explain(source, data, exc)) from None


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases (a few hundred bytes of ``*a`` references expand to
    gigabytes) and nesting deeper than :data:`~consult_coder.limits.MAX_NESTING` (Python's stack
    would overflow). A codebook needs neither."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a codebook",
                                              self.peek_event().start_mark)
        if self.depth >= MAX_NESTING:
            raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_NESTING} levels deep",
                                              self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(text: str, name: str) -> Any:
    """The data of a YAML text, bounded in memory and depth; one line naming ``name`` if it is not
    valid or not allowed."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise UserError(f"{name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    finally:
        loader.dispose()


def read_codebook_bytes(raw: bytes, name: str) -> Codebook:
    check_size(name, len(raw), MAX_CODEBOOK_BYTES)
    text = decode_text(raw, name)
    if name.lower().endswith(".csv"):
        return _from_csv(text, name)
    return parse_codebook(load_yaml(text, name), name)


def load_codebook_file(path: str | Path) -> Codebook:
    path = Path(path)
    return read_codebook_bytes(read_limited(path, MAX_CODEBOOK_BYTES), path.name)


def _from_csv(text: str, source: str) -> Codebook:
    records = csv_records(text, source)
    header = [h.strip() for h in next(records, (0, []))[1]]
    missing = {"id", "name", "definition"} - set(header)
    if missing:
        raise UserError(f"{source}: missing column(s) {', '.join(sorted(missing))}")
    codes = []
    for _, values in records:
        if not any(v.strip() for v in values):
            continue
        check_count(source, "codes", len(codes) + 1, MAX_CODES)
        row = {h: unescape_cell(v) for h, v in zip(header, values, strict=False)}
        code = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS if k in row}
        if not code.get("colour"):
            code.pop("colour", None)
        codes.append(code)
    return parse_codebook({"name": Path(source).stem, "codes": codes}, source)


def to_yaml(book: Codebook) -> str:
    data = book.model_dump(exclude_defaults=False)
    for code in data["codes"]:
        if not code["patterns"]:
            del code["patterns"]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def to_csv(book: Codebook) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for code in book.codes:
        row = code.model_dump()
        row["patterns"] = to_json(code.patterns) if code.patterns else ""
        writer.writerow({k: csv_text(row.get(k) or "") for k in CSV_COLUMNS})
    return out.getvalue()


def codebook_from_store(session: Session, name: str = "Codebook", include_archived: bool = False) -> Codebook:
    codes = list_codes(session, include_archived)
    kept = {c.id for c in codes}
    specs = [
        CodeSpec(id=c.id, name=c.name, definition=c.definition or c.name, when_to_use=c.when_to_use,
                 when_not_to_use=c.when_not_to_use, example=c.example, colour=c.colour,
                 parent=c.parent_id if c.parent_id in kept else None, patterns=list(c.patterns))
        for c in codes
    ]
    return Codebook(name=name, codes=specs)


def _code_fields(spec: CodeSpec) -> audit.CodeFields:
    return audit.CodeFields(name=spec.name, definition=spec.definition, when_to_use=spec.when_to_use,
                            when_not_to_use=spec.when_not_to_use, example=spec.example, colour=spec.colour,
                            parent_id=spec.parent, patterns=spec.patterns)


def bump_version(session: Session) -> int:
    """The codebook version: raised by every change, so a coding session can tell what it saw."""
    version = int(get_setting(session, VERSION_SETTING, "0") or 0) + 1
    set_setting(session, VERSION_SETTING, str(version))
    return version


def apply_codebook(session: Session, book: Codebook, actor: str) -> dict[str, list[str]]:
    """Add and update the project's codes from ``book``; returns ids added, updated and left alone."""
    require_lead(session, actor, "Changing the codebook")
    existing = {c.id: c for c in session.scalars(select(Code))}
    added, updated = [], []
    # Parents first, so foreign keys hold whatever order the file lists codes in.
    ordered = sorted(enumerate(book.codes), key=lambda ic: _depth(ic[1], book))
    for position, spec in ordered:
        fields = _code_fields(spec)
        code = existing.get(spec.id)
        if code is None:
            code = Code(id=spec.id, sort_order=position, archived=False, **fields)
            session.add(code)
            session.flush()
            audit.code_created(session, actor, CodeView.of(code).snapshot())
            added.append(spec.id)
            continue
        before = {k: getattr(code, k) for k in EDITABLE}
        if before != fields or code.archived:
            for k, v in fields.items():
                setattr(code, k, v)
            code.archived = False
            code.updated_at = utcnow()
            audit.code_updated(session, actor, spec.id, before, fields)
            updated.append(spec.id)
    if added or updated:
        version = bump_version(session)
        audit.codebook_applied(session, actor, version, book.name, added, updated)
    untouched = sorted(set(existing) - {c.id for c in book.codes})
    return {"added": added, "updated": updated, "not_in_file": untouched}


def _depth(spec: CodeSpec, book: Codebook) -> int:
    parents = {c.id: c.parent for c in book.codes}
    depth, walk = 0, spec.parent
    while walk:
        depth, walk = depth + 1, parents.get(walk)
    return depth
