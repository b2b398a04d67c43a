"""Who is speaking: interviewer or participant, from the label a transcript uses.

Interview transcripts label the research side as Interviewer, Facilitator, Moderator, Int, I or Q
(often numbered: "Interviewer 2", or qualified: "Facilitator (Research team)"); everyone else is a
participant. A transcript can be corrected speaker by speaker with ``coding.set_speaker_kind``.
"""

from __future__ import annotations

import re

_QUALIFIER = r"(?:\s*[-_#]?\s*\d{1,3})?(?:\s*\([^()]{0,40}\))?"
_INTERVIEWER = re.compile(
    rf"^(?:interviewer|facilitator|moderator|researcher|int|i|q){_QUALIFIER}$", re.IGNORECASE
)
# Participant labels that are certainly speaker labels even when used only once in a file.
_PARTICIPANT = re.compile(
    rf"^(?:respondent|participant|interviewee|young person|clinician|speaker|resp|r|a"
    rf"|[a-z]{{1,3}}\s?\d{{1,3}}){_QUALIFIER}$",
    re.IGNORECASE,
)


_ROLE_IN_BRACKETS = re.compile(r"\(\s*([^()]+?)\s*\)\s*$")


def speaker_kind(label: str) -> str:
    """``interviewer`` for the research side's labels (also "Jane Doe (Facilitator)"), else
    ``participant``."""
    label = label.strip()
    role = _ROLE_IN_BRACKETS.search(label)
    if _INTERVIEWER.match(label) or (role and _INTERVIEWER.match(role.group(1))):
        return "interviewer"
    return "participant"


def is_known_label(label: str) -> bool:
    """A label transcripts use for speakers, so it starts a turn even if it occurs only once."""
    label = label.strip()
    return bool(_INTERVIEWER.match(label) or _PARTICIPANT.match(label))
