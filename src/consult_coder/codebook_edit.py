"""Editing the codebook while coding: create, edit, nest, order, merge, archive and delete codes.

Each function works inside the caller's unit of work: a refused edit raises UserError, and the caller's
rollback leaves the codebook as it was. Each change writes an audit event and raises the codebook
version (``codebook.bump_version``) so coding sessions and UI caches see it.

Choices made here, so that no coding is ever lost silently:
- A code's ``id`` is stable; renaming changes only its ``name``.
- Merging moves the source's codings to the target (a coding the target already has for the same coder
  and span is dropped, its memo appended to the kept one), folds the source's memos into the target's,
  re-parents its children to the target, and then deletes the source: an archived empty shell would add
  nothing, and the audit event keeps the source's full definition.
- Deleting a code that has codings needs a choice: ``reassign`` (codings move to another code, as in a
  merge) or ``archive`` (code and codings kept, hidden from the palette). Children of a removed or
  archived code move up to its parent so they stay visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder import audit, memos
from consult_coder.access import Viewer, coder_clause, require_lead
from consult_coder.codebook import COLOUR, DEFAULT_COLOUR, SLUG, CodeView, bump_version, list_codes, slugify
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, utcnow

TEXT_FIELDS = ("name", "definition", "when_to_use", "when_not_to_use", "example")
EDITABLE = (*TEXT_FIELDS, "colour")


@dataclass
class CodeNode:
    """A code in the codebook tree, with its coding count, depth and sub-codes."""

    code: CodeView
    count: int  # codings on this code itself
    depth: int = 0
    children: list[CodeNode] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.code.id

    @property
    def total(self) -> int:
        """Codings on this code and everything nested under it."""
        return self.count + sum(c.total for c in self.children)

    def walk(self) -> list[CodeNode]:
        """This node and its descendants, depth first, in display order."""
        return [self, *(n for c in self.children for n in c.walk())]


def _snapshot(code: Code) -> audit.CodeSnapshot:
    return CodeView.of(code).snapshot()


def _actor(session: Session, actor: str | None) -> str:
    if not actor or not actor.strip():
        raise UserError("Choose who you are (the coder) before changing the codebook")
    require_lead(session, actor.strip(), "Changing the codebook")
    return actor.strip()


def _get(session: Session, code_id: str | None, role: str = "Code") -> Code:
    code = session.get(Code, code_id) if code_id else None
    if code is None:
        raise UserError(f"{role} {code_id!r}: no such code")
    return code


def _colour(label: str, colour: str) -> str:
    colour = (colour or "").strip()
    if not COLOUR.match(colour):
        raise UserError(f"Code {label!r} field 'colour': {colour!r} is not a #rrggbb colour")
    return colour.lower()


def _name(session: Session, label: str, name: str, own_id: str | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise UserError(f"Code {label!r} field 'name': a name is required")
    if len(name) > 255:
        raise UserError(f"Code {label!r} field 'name': longer than 255 characters")
    same = select(Code.id).where(func.lower(Code.name) == name.lower(), Code.archived.is_(False),
                                 Code.id != (own_id or ""))
    clash = session.scalars(same).first()
    if clash:
        raise UserError(f"Code {label!r} field 'name': {name!r} is already the name of code {clash!r}")
    return name


def slug_for(session: Session, name: str) -> str:
    """A free id derived from a name: 'Non-judgement' → 'non_judgement' (then _2, _3 … if taken)."""
    base = slugify(name)
    slug, n = base, 1
    while session.get(Code, slug) is not None:
        n += 1
        slug = f"{base}_{n}"
    return slug


def _parents(session: Session) -> dict[str, str | None]:
    return dict(session.execute(select(Code.id, Code.parent_id)).all())


def _is_within(parents: dict[str, str | None], code_id: str, ancestor_id: str) -> bool:
    """Whether ``code_id`` is ``ancestor_id`` or nested (at any depth) under it."""
    walk, seen = code_id, set()
    while walk and walk not in seen:
        if walk == ancestor_id:
            return True
        seen.add(walk)
        walk = parents.get(walk)
    return False


def _next_order(session: Session, parent_id: str | None) -> int:
    where = Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
    return (session.scalar(select(func.max(Code.sort_order)).where(where)) or 0) + 1


def _live_parent(session: Session, label: str, parent_id: str | None) -> str | None:
    if not parent_id:
        return None
    parent = _get(session, parent_id, f"Code {label!r} field 'parent':")
    if parent.archived:
        raise UserError(f"Code {label!r} field 'parent': {parent.name!r} is archived")
    return parent.id


def create_code(session: Session, *, name: str, actor: str, id: str | None = None,  # noqa: A002
                definition: str = "", when_to_use: str = "", when_not_to_use: str = "", example: str = "",
                colour: str = DEFAULT_COLOUR, parent_id: str | None = None) -> str:
    """Add a code at the end of its siblings; returns its id (derived from the name when not given)."""
    actor = _actor(session, actor)
    label = (name or "").strip() or (id or "new code")
    name = _name(session, label, name)
    if id:
        if not SLUG.match(id):
            raise UserError(f"Code {name!r} field 'id': {id!r} must be a lowercase slug such as "
                            "'goal_setting'")
        if session.get(Code, id) is not None:
            raise UserError(f"Code {name!r} field 'id': {id!r} is already used")
    code = Code(id=id or slug_for(session, name), name=name, definition=definition.strip(),
                when_to_use=when_to_use.strip(), when_not_to_use=when_not_to_use.strip(),
                example=example.strip(), colour=_colour(name, colour),
                parent_id=_live_parent(session, name, parent_id), patterns=[])
    code.sort_order = _next_order(session, code.parent_id)
    session.add(code)
    session.flush()
    audit.code_created(session, actor, _snapshot(code), bump_version(session))
    return code.id


def update_code(session: Session, code_id: str, actor: str, **fields: str) -> bool:
    """Change a code's name (a rename: the id stays), texts or colour; returns whether anything changed."""
    actor = _actor(session, actor)
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise UserError(f"Code {code_id!r}: cannot edit field {unknown[0]!r} here")
    code = _get(session, code_id)
    wanted: dict[str, str] = {}
    for key, value in fields.items():
        if key == "name":
            wanted[key] = _name(session, code.name, value, own_id=code.id)
        elif key == "colour":
            wanted[key] = _colour(code.name, value)
        else:
            wanted[key] = (value or "").strip()
    before = {k: getattr(code, k) for k in wanted if getattr(code, k) != wanted[k]}
    if not before:
        return False
    for key in before:
        setattr(code, key, wanted[key])
    code.updated_at = utcnow()
    audit.code_updated(session, actor, code.id, before, {k: wanted[k] for k in before},
                       bump_version(session))
    return True


def move_code(session: Session, code_id: str, new_parent_id: str | None, actor: str) -> None:
    """Nest a code under another (``None``: top level), last among its new siblings."""
    actor = _actor(session, actor)
    code = _get(session, code_id)
    new_parent = _live_parent(session, code.name, new_parent_id)
    if new_parent is not None and _is_within(_parents(session), new_parent, code.id):
        raise UserError(f"Code {code.name!r} field 'parent': cannot nest it under itself or under "
                        f"{session.get(Code, new_parent).name!r}, which is nested under it")
    if new_parent == code.parent_id:
        return
    before = audit.Placement(parent_id=code.parent_id, sort_order=code.sort_order)
    code.parent_id, code.sort_order, code.updated_at = new_parent, _next_order(session, new_parent), utcnow()
    audit.code_moved(session, actor, code.id, before,
                     audit.Placement(parent_id=code.parent_id, sort_order=code.sort_order),
                     bump_version(session))


def _siblings(session: Session, parent_id: str | None) -> list[Code]:
    where = Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
    return list(session.scalars(select(Code).where(where).order_by(Code.sort_order, Code.name)))


def _listed_siblings(session: Session, ordered_ids: list[str]) -> list[Code]:
    """The codes listed, each once, all under one parent; refused otherwise."""
    if len(set(ordered_ids)) != len(ordered_ids) or not ordered_ids:
        raise UserError("Reorder: list each code exactly once")
    codes = [_get(session, cid) for cid in ordered_ids]
    stray = next((c for c in codes if c.parent_id != codes[0].parent_id), None)
    if stray is not None:
        raise UserError(f"Code {stray.name!r} field 'parent': not a sibling of {codes[0].name!r}")
    return codes


def reorder(session: Session, ordered_ids: list[str], actor: str) -> None:
    """Put codes that share a parent in the given order; archived siblings not listed go last."""
    actor = _actor(session, actor)
    codes = _listed_siblings(session, ordered_ids)
    parent = codes[0].parent_id
    siblings = _siblings(session, parent)
    missing = [c for c in siblings if not c.archived and c.id not in ordered_ids]
    if missing:
        raise UserError(f"Reorder: code {missing[0].name!r} is missing from the new order")
    final = codes + [c for c in siblings if c.id not in ordered_ids]
    before = [c.id for c in siblings]
    if [c.id for c in final] == before and all(c.sort_order == i for i, c in enumerate(final)):
        return
    for i, c in enumerate(final):
        c.sort_order = i
    audit.codes_reordered(session, actor, parent, before, [c.id for c in final], bump_version(session))


def nudge(session: Session, code_id: str, step: int, actor: str) -> None:
    """Move a code ``step`` places up (negative) or down among its visible siblings."""
    code = _get(session, code_id)
    order = [c.id for c in _siblings(session, code.parent_id) if not c.archived or c.id == code_id]
    i = order.index(code_id)
    j = max(0, min(len(order) - 1, i + step))
    if i != j:
        order.insert(j, order.pop(i))
        reorder(session, order, actor)


def _absorb(session: Session, source: Code, target: Code) -> dict[str, list[int]]:
    """Move ``source``'s codings and memos onto ``target``; identical span+coder codings are merged."""
    have = {
        (t, a, b, c): cid
        for cid, t, a, b, c in session.execute(
            select(Coding.id, Coding.transcript_id, Coding.start, Coding.end, Coding.coder_id)
            .where(Coding.code_id == target.id))
    }
    moved, dropped = [], []
    own = select(Coding).where(Coding.code_id == source.id).order_by(Coding.id)
    for coding in session.scalars(own).all():
        key = (coding.transcript_id, coding.start, coding.end, coding.coder_id)
        if key in have:
            kept = session.get(Coding, have[key])
            if coding.memo.strip() and coding.memo.strip() not in kept.memo:
                kept.memo = f"{kept.memo.rstrip()}\n{coding.memo}".strip()
            kept.pinned = kept.pinned or coding.pinned
            kept.updated_at = utcnow()
            dropped.append(coding.id)
            session.delete(coding)
        else:
            coding.code_id, coding.updated_at = target.id, utcnow()
            have[key] = coding.id
            moved.append(coding.id)
    session.flush()
    memos.fold_memos(session, "code", source.id, target.id, f"[from merged code {source.name}]")
    extra = [p for p in (source.patterns or []) if p not in (target.patterns or [])]
    if extra:
        target.patterns = [*(target.patterns or []), *extra]
    target.updated_at = utcnow()
    return {"moved": moved, "dropped": dropped}


def _rehome_children(session: Session, code: Code, new_parent: str | None) -> list[str]:
    """Children of ``code`` go, in their order, to the end of ``new_parent``'s children."""
    children = _siblings(session, code.id)
    start = _next_order(session, new_parent)
    for i, child in enumerate(children):
        child.parent_id, child.sort_order = new_parent, start + i
    session.flush()
    return [c.id for c in children]


def merge_codes(session: Session, source_id: str, target_id: str, actor: str) -> dict[str, list[int]]:
    """Fold ``source`` into ``target`` and delete ``source``; returns coding ids moved and dropped."""
    actor = _actor(session, actor)
    source, target = _get(session, source_id, "Merge source"), _get(session, target_id, "Merge target")
    if source.id == target.id:
        raise UserError(f"Code {source.name!r}: cannot merge a code into itself")
    if target.archived:
        raise UserError(f"Code {target.name!r}: archived; restore it before merging into it")
    before = {"source": _snapshot(source), "target": _snapshot(target)}
    if _is_within(_parents(session), target.id, source.id):
        # The target sits under the source: it takes the source's place before the rest move under it.
        target.parent_id, target.sort_order = source.parent_id, source.sort_order
        session.flush()
    result = _absorb(session, source, target)
    children = _rehome_children(session, source, target.id)
    session.delete(source)
    session.flush()
    audit.code_merged(session, actor, before["source"], before["target"], _snapshot(target),
                      children=children, moved=result["moved"], dropped=result["dropped"],
                      version=bump_version(session))
    return result


def coding_count(session: Session, code_id: str) -> int:
    return session.scalar(select(func.count(Coding.id)).where(Coding.code_id == code_id)) or 0


def delete_code(session: Session, code_id: str, actor: str, *, on_codings: str | None = None,
                reassign_to: str | None = None) -> str:
    """Delete a code; one with codings needs ``on_codings`` = "reassign" (to ``reassign_to``) or
    "archive". Returns what happened: "deleted", "reassigned" or "archived"."""
    actor = _actor(session, actor)
    code = _get(session, code_id)
    n = coding_count(session, code.id)
    before = _snapshot(code)
    if n == 0:
        children = _rehome_children(session, code, code.parent_id)
        gone = memos.drop_memos(session, "code", code.id)
        session.delete(code)
        session.flush()
        audit.code_deleted(session, actor, before, children=children, memos=gone,
                           version=bump_version(session))
        return "deleted"
    if on_codings not in ("reassign", "archive"):
        raise UserError(f"Code {code.name!r} has {n} coding{'s' if n != 1 else ''}: choose to reassign "
                        "them to another code or to archive the code")
    if on_codings == "archive":
        code.archived, code.updated_at = True, utcnow()
        children = _rehome_children(session, code, code.parent_id)
        audit.code_archived(session, actor, before, _snapshot(code), children=children,
                            version=bump_version(session))
        return "archived"
    target = _get(session, reassign_to, f"Code {code.name!r} field 'reassign to':")
    if target.id == code.id or target.archived:
        why = "itself" if target.id == code.id else f"archived code {target.name!r}"
        raise UserError(f"Code {code.name!r} field 'reassign to': cannot reassign codings to {why}")
    children = _rehome_children(session, code, code.parent_id)
    result = _absorb(session, code, target)
    session.delete(code)
    session.flush()
    audit.code_deleted(session, actor, before, children=children, reassigned_to=target.id,
                       moved=result["moved"], dropped=result["dropped"], version=bump_version(session))
    return "reassigned"


def restore_code(session: Session, code_id: str, actor: str) -> None:
    """Bring an archived code back into the palette (at top level if its parent is archived or gone)."""
    actor = _actor(session, actor)
    code = _get(session, code_id)
    if not code.archived:
        return
    _name(session, code.name, code.name, own_id=code.id)
    before = _snapshot(code)
    parent = session.get(Code, code.parent_id) if code.parent_id else None
    if parent is None or parent.archived:
        code.parent_id = None
    code.archived, code.sort_order, code.updated_at = False, _next_order(session, code.parent_id), utcnow()
    audit.code_restored(session, actor, before, _snapshot(code), bump_version(session))


def _coding_counts(session: Session, viewer: Viewer, coder: str | None) -> dict[str, int]:
    q = (select(Coding.code_id, func.count(Coding.id)).join(Coder, Coder.id == Coding.coder_id)
         .where(coder_clause(viewer)).group_by(Coding.code_id))
    if coder is not None:
        q = q.where(Coder.name == coder)
    return dict(session.execute(q).all())


def _visible_parent(code: CodeView, nodes: dict[str, CodeNode], by_id: dict[str, CodeView]) -> str | None:
    """The nearest shown ancestor: a hidden (archived) parent is skipped."""
    walk, seen = code.parent_id, {code.id}
    while walk and walk not in nodes and walk in by_id and walk not in seen:
        seen.add(walk)
        walk = by_id[walk].parent_id
    return walk if walk in nodes and walk not in seen else None


def _settle(roots: list[CodeNode], nodes: dict[str, CodeNode]) -> list[CodeNode]:
    """Set depths from the roots down; codes caught in a parent cycle (only possible in hand-edited
    data) are shown at top level."""
    placed: set[str] = set()

    def settle(node: CodeNode, depth: int) -> bool:
        if node.id in placed:
            return False
        placed.add(node.id)
        node.depth = depth
        node.children = [c for c in node.children if settle(c, depth + 1)]
        return True

    roots = [r for r in roots if settle(r, 0)]
    return roots + [n for cid, n in nodes.items() if cid not in placed and settle(n, 0)]


def codebook_tree(session: Session, include_archived: bool = False, *, viewer: Viewer,
                  coder: str | None = None, counts: Mapping[str, int] | None = None) -> list[CodeNode]:
    """The codes as an ordered tree with coding counts (of one coder, or of everyone ``viewer`` may
    see: a blind coder's own), or with the ``counts`` given (e.g. an analysis layer's segments per code;
    a code missing from them has 0)."""
    counts = _coding_counts(session, viewer, coder) if counts is None else counts
    codes = list_codes(session)
    by_id = {c.id: c for c in codes}
    shown = [c for c in codes if include_archived or not c.archived]
    nodes = {c.id: CodeNode(c, counts.get(c.id, 0)) for c in shown}
    roots: list[CodeNode] = []
    for code in shown:
        parent = _visible_parent(code, nodes, by_id)
        (nodes[parent].children if parent else roots).append(nodes[code.id])
    return _settle(roots, nodes)
