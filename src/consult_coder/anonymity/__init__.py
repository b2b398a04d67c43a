"""The anonymity check: residual identifiers in transcripts, and their redaction.

    scan(text) -> [Finding(start, end, text, kind)]   offsets in code points of ``text``
    scan_parsed(parsed) -> findings in a parsed transcript's text and its front matter
    redact(text, findings, choices) -> (new_text, OffsetMap)
    redact_parsed(parsed, findings, choices) -> the parsed transcript redacted, turns moved (before import)
    redact_transcript(session, transcript_id, findings, choices, actor) -> RedactionReport
        a stored transcript, its turns and every coding moved with the text, audited

Kinds: NAME, PLACE, PHONE, EMAIL, URL, DATE, ID, SCHOOL, CLINIC (docs/anonymity.md: what each rule
finds, why Presidio is not used, and the measured recall and precision). Fully offline: rules, spaCy's
tokenizer and shipped word lists, no model.
"""

from __future__ import annotations

from consult_coder.anonymity.redact import PLACEHOLDERS, Finding, OffsetMap, redact
from consult_coder.anonymity.scan import KINDS, scan, scan_parsed
from consult_coder.anonymity.stored import (
    RedactionReport,
    redact_parsed,
    redact_transcript,
    scan_transcript,
)

__all__ = ["KINDS", "PLACEHOLDERS", "Finding", "OffsetMap", "RedactionReport", "redact", "redact_parsed",
           "redact_transcript", "scan", "scan_parsed", "scan_transcript"]
