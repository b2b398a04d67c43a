"""Adjudication: the coders' disagreements, passage by passage, settled into the consensus layer.

    disagreement_queue(session, AgreementOptions(coders=("A", "B")), viewer=…) -> Queue
    passage_context(session, item, viewer=…) -> Context        the text around one disagreement
    decide(session, item, "keep", viewer=…, keep="A")          or union, overlap, discard, edit (span=…)
    copy_coding(session, coding_id, "consensus", viewer=…)     a colleague's coding, from the reader
    undo_last(session, viewer=…)                               the same undo as for coding

A lead — or anyone while coding is not blind — may compare coders and read the queue
(:func:`consult_coder.agreement.oversight.may_compare`); only a lead settles disagreements into the
consensus, which is the lead's layer (checked against the account behind the name, as every writer is).
"""

from consult_coder.adjudication.context import Context, ContextTurn, Piece, passage_context
from consult_coder.adjudication.decisions import (
    COPY,
    DISCARD,
    EDIT,
    KEEP,
    OVERLAP,
    UNION,
    can_undo,
    copy_coding,
    decide,
    undo_last,
)
from consult_coder.adjudication.queue import (
    BOUNDARY,
    ONLY,
    Disagreement,
    Passage,
    Queue,
    Settlement,
    TranscriptProgress,
    disagreement_queue,
)
from consult_coder.model import CONSENSUS_CODER as CONSENSUS  # the layer decisions settle into

__all__ = [
    "BOUNDARY", "CONSENSUS", "COPY", "DISCARD", "EDIT", "KEEP", "ONLY", "OVERLAP", "UNION", "Context",
    "ContextTurn", "Disagreement", "Passage", "Piece", "Queue", "Settlement", "TranscriptProgress",
    "can_undo", "copy_coding", "decide", "disagreement_queue", "passage_context", "undo_last",
]
