"""The patterns a code carries, in spaCy's own conventions, and their validation.

A code's ``patterns`` is a list; each item is either

- a **phrase**: a string, matched as a whole phrase ignoring case (``"further than this room"``), or
- a **token pattern**: a list of token dicts as spaCy's ``Matcher`` takes them
  (``[{"LEMMA": "hear"}, {"LOWER": "me"}]``, with ``LOWER``, ``LEMMA``, ``IN``, ``OP``, ``REGEX`` …), or
- a **trap**: ``{"not": <phrase or token pattern>}`` — the theme's word in another sense ("my goal in
  football", "the boundaries of the village"): a sentence holding it is never suggested this code, or
- a **question**: ``{"asked": <phrase or token pattern>}`` — matched only in the interviewer's question
  right before an answer ("And confidentiality?", "How often did you see her?"): the question names the
  theme, so every sentence of the answer is suggested this code.

That is the convention of spaCy's ``EntityRuler`` (a string is a phrase, a list is a token pattern),
minus the label, which is the code. Token patterns are checked by ``Matcher(vocab, validate=True)``;
a bad one is refused with one line naming its index (counting from 1) and what is wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

from consult_coder.errors import UserError
from consult_coder.limits import MAX_PATTERN_TOKENS, MAX_PATTERNS_PER_CODE, MAX_PHRASE_CHARS

Pattern = str | list[dict[str, Any]] | dict[str, Any]
TRAP = "not"  # {"not": pattern}: a sentence holding it does not get the code
ASKED = "asked"  # {"asked": pattern}: a question holding it sets the code as the answer's theme
WRAPPERS = (TRAP, ASKED)

# Filled only by a trained pipeline; the default blank pipeline leaves them empty, so a pattern
# using them would silently match nothing there (the engine refuses it with one line instead).
TRAINED_ONLY = frozenset({"POS", "TAG", "DEP", "MORPH", "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID",
                          "SENT_START", "IS_SENT_START", "IS_SENT_END", "HEAD"})
_SPACY_LOC = re.compile(r"^\[pattern -> (\d+) -> (\w+).*?\] (.*)$")


def _vocab():  # noqa: ANN202 - spaCy is imported only when a pattern is checked
    from spacy.vocab import Vocab

    global _VOCAB
    if _VOCAB is None:
        _VOCAB = Vocab()
    return _VOCAB


_VOCAB = None


def _spacy_reason(exc: Exception) -> str:
    """spaCy's first complaint about a token pattern, as a short phrase."""
    lines = [ln.strip().removeprefix("- ") for ln in str(exc).splitlines() if ln.strip().startswith("- [")]
    if not lines:
        return str(exc).splitlines()[0].split("] ", 1)[-1].strip() if str(exc).strip() else type(exc).__name__
    m = _SPACY_LOC.match(lines[0])
    if not m:
        return lines[0]
    token, where, msg = int(m.group(1)) + 1, m.group(2), m.group(3)
    if msg == "Extra inputs are not permitted":
        msg = "not a token attribute spaCy knows"
    return f"token {token}, {where}: {msg}"


def kind(pattern: Pattern) -> str:
    """``""`` for a phrase or token pattern, else its wrapper: ``"not"`` (a trap) or ``"asked"``."""
    return next(iter(pattern)) if isinstance(pattern, dict) else ""


def unwrap(pattern: Pattern) -> str | list[dict[str, Any]]:
    """The phrase or token pattern inside a trap or question pattern (the pattern itself otherwise)."""
    return pattern[kind(pattern)] if isinstance(pattern, dict) else pattern


def check_pattern(pattern: Any) -> Pattern:
    """One pattern in its stored form, or ValueError saying what is wrong with it."""
    if isinstance(pattern, dict):
        if len(pattern) != 1 or next(iter(pattern)) not in WRAPPERS:
            raise ValueError(f'a dict here is a trap, {{"{TRAP}": pattern}}, or a question, {{"{ASKED}": '
                             "pattern}, with nothing else in it")
        key, inner = next(iter(pattern.items()))
        if isinstance(inner, dict):
            raise ValueError(f'"{key}" holds a phrase or a token pattern, not another dict')
        try:
            return {key: check_pattern(inner)}
        except ValueError as exc:
            raise ValueError(f'in "{key}": {exc}') from None
    if isinstance(pattern, str):
        phrase = " ".join(pattern.split())
        if not phrase:
            raise ValueError("an empty phrase")
        if len(phrase) > MAX_PHRASE_CHARS:
            raise ValueError(f"a phrase longer than {MAX_PHRASE_CHARS} characters")
        return phrase
    if not isinstance(pattern, list):
        raise ValueError("should be a phrase (text), a token pattern (a list of token dicts), a trap "
                         f'({{"{TRAP}": pattern}}) or a question ({{"{ASKED}": pattern}})')
    if not pattern:
        raise ValueError("an empty token pattern")
    if len(pattern) > MAX_PATTERN_TOKENS:
        raise ValueError(f"more than {MAX_PATTERN_TOKENS} tokens")
    for i, token in enumerate(pattern, 1):
        if not isinstance(token, dict):
            raise ValueError(f"token {i}: should be a dict such as {{\"LOWER\": \"room\"}}, not {token!r}")
        if any(str(k) == "_" for k in token):
            raise ValueError(f"token {i}: custom attributes ('_') are not available here")
    if all(set(map(str.upper, t)) <= {"OP"} for t in pattern):
        raise ValueError("matches any token: give at least one token an attribute")
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher

    try:
        Matcher(_vocab(), validate=True).add("pattern", [pattern])
    except (MatchPatternError, ValueError, TypeError, re.error) as exc:
        raise ValueError(_spacy_reason(exc)) from None
    return pattern


def check_patterns(patterns: Any) -> list[Pattern]:
    """A code's whole list, each item checked; the error names the pattern by its index from 1."""
    if patterns is None:
        return []
    if isinstance(patterns, str):  # a CSV cell or a form field: JSON text
        text = patterns.strip()
        if not text:
            return []
        try:
            patterns = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON list of patterns ({exc.msg} at character {exc.pos + 1})") from None
    if not isinstance(patterns, list):
        raise ValueError("should be a list of patterns")
    if len(patterns) > MAX_PATTERNS_PER_CODE:
        raise ValueError(f"{len(patterns)} patterns; at most {MAX_PATTERNS_PER_CODE} per code")
    checked: list[Pattern] = []
    for index, pattern in enumerate(patterns, 1):
        try:
            item = check_pattern(pattern)
        except ValueError as exc:
            raise ValueError(f"pattern #{index}: {exc}") from None
        if item not in checked:  # the same pattern twice adds nothing
            checked.append(item)
    return checked


def patterns_for_code(code_label: str, patterns: Any) -> list[Pattern]:
    """:func:`check_patterns` for callers outside a codebook file: one-line UserError naming the code."""
    try:
        return check_patterns(patterns)
    except ValueError as exc:
        raise UserError(f"code {code_label!r} field 'patterns': {exc}") from None


def to_json(patterns: list[Pattern]) -> str:
    """One line of JSON: how patterns travel in a CSV cell or a REFI-QDA description."""
    return json.dumps(patterns, ensure_ascii=False, separators=(", ", ": "))


def attributes(pattern: Pattern) -> set[str]:
    """The token attributes a pattern uses, upper-cased (a phrase uses LOWER)."""
    if isinstance(pattern, dict):
        return attributes(unwrap(pattern))
    if isinstance(pattern, str):
        return {"LOWER"}
    return {str(k).upper() for token in pattern for k in token if str(k).upper() != "OP"}


def needs_trained_pipeline(pattern: Pattern) -> set[str]:
    return attributes(pattern) & TRAINED_ONLY
