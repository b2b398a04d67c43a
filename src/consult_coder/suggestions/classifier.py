"""An optional second source: a local spaCy ``textcat_multilabel`` model trained on a coder's codings.

It learns from one coder's (or the consensus layer's) finished transcripts, sentence by sentence, on the
CPU in seconds: a bag-of-words model over words and word pairs, no pretrained vectors, nothing
downloaded. Its figures are cross-validated **across transcripts**: the transcripts are split into
folds, each fold is scored by a model trained on the other folds only, so no sentence is ever scored by
a model that saw it (nor saw its neighbours in the same consultation).

Each code gets its own threshold, chosen for precision: the lowest probability at which the code's
suggestions are right at least ``TARGET_PRECISION`` of the time. To keep that choice honest the figures
for fold *k* use a threshold chosen on the other folds' out-of-fold scores; the stored model's
thresholds are chosen on all of them. A code that never reaches the target gets no classifier
suggestions. Codes with fewer than ``MIN_POSITIVES`` coded sentences are not learnt.

The trained model's suggestions are stored with source ``classifier`` and shown to the coder whose
codings trained it, and to nobody else (blind coding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import Viewer, visible
from consult_coder.errors import UserError
from consult_coder.model import Coder, Suggestion, SuggestionModel, Transcript
from consult_coder.sentences import split_sentences
from consult_coder.suggestions.quality import (
    QualityTable,
    code_quality,
    per_transcript_gold,
    reference,
    score,
)
from consult_coder.suggestions.rules import Hit
from consult_coder.suggestions.store import settings, suggested_turns, suggestion_rows

TARGET_PRECISION = 0.7
MIN_POSITIVES = 5
FOLDS = 5
EPOCHS = 12
GRID = [round(0.05 * i, 2) for i in range(2, 20)]  # thresholds tried: 0.10 … 0.95
HASH_LENGTH = 2**16  # bag-of-words feature table: bounds the stored model (~3 MB for a dozen codes)
Progress = Callable[[int, int, str], None]


def _blank_model(labels: Sequence[str]):  # noqa: ANN202 - a spaCy Language
    import spacy

    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 2,
        "no_output_layer": False, "length": HASH_LENGTH}})
    for label in labels:
        textcat.add_label(label)
    return nlp


def fit(texts: Sequence[str], labels: Sequence[set[str]], codes: Sequence[str], seed: int = 0):  # noqa: ANN201
    """A trained pipeline for ``codes`` from sentences and their code sets."""
    import random

    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    nlp = _blank_model(codes)
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": {c: float(c in ls) for c in codes}})
                for t, ls in zip(texts, labels, strict=True)]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    return nlp


def predict(nlp, texts: Sequence[str]) -> list[dict[str, float]]:  # noqa: ANN001
    return [dict(doc.cats) for doc in nlp.pipe(texts, batch_size=256)]


def choose_threshold(scores: Sequence[float], truth: Sequence[bool], target: float = TARGET_PRECISION
                     ) -> float | None:
    """The lowest threshold on the grid whose suggestions are right at least ``target`` of the time."""
    for t in GRID:
        chosen = [y for p, y in zip(scores, truth, strict=True) if p >= t]
        if chosen and sum(chosen) / len(chosen) >= target:
            return t
    return None


def _folds(tids: Sequence[int], k: int) -> list[list[int]]:
    k = min(k, len(tids))
    return [list(tids[i::k]) for i in range(k)]


def train(session: Session, coder: str, progress: Progress | None = None, folds: int = FOLDS, *,
          viewer: Viewer) -> QualityTable:
    """Cross-validate, train on everything, store the model and its suggestions; return the CV table.
    ``viewer`` is who asks: a blind coder trains on their own codings only."""
    visible(viewer, coder, "The codings")
    ref = reference(session, coder)
    gold = per_transcript_gold(ref)
    tids = sorted(gold)
    if len(tids) < 2:
        raise UserError(f"Coder {coder!r} has finished {len(tids)} transcript; the classifier needs at least "
                        "two to be measured across transcripts")
    texts = {tid: session.get(Transcript, tid).text for tid in tids}
    data = {tid: [(texts[tid][s:e], codes) for (s, e), codes in sorted(gold[tid].items())] for tid in tids}
    counts: dict[str, int] = {}
    for rows in data.values():
        for _, codes in rows:
            for c in codes:
                counts[c] = counts.get(c, 0) + 1
    learnt = [cid for cid, _ in ref.codes if counts.get(cid, 0) >= MIN_POSITIVES]
    if not learnt:
        raise UserError(f"Coder {coder!r} has no code on {MIN_POSITIVES}+ sentences yet: nothing to learn")
    parts = _folds(tids, folds)
    steps, step = len(parts) + 2, 0
    oof: dict[int, list[dict[str, float]]] = {}
    fold_of: dict[int, int] = {}
    for k, held in enumerate(parts):
        train_rows = [r for tid in tids if tid not in held for r in data[tid]]
        nlp = fit([t for t, _ in train_rows], [c for _, c in train_rows], learnt)
        for tid in held:
            oof[tid] = predict(nlp, [t for t, _ in data[tid]])
            fold_of[tid] = k
        step += 1
        if progress:
            progress(step, steps, f"fold {k + 1} of {len(parts)}")
    table, thresholds = _cross_validated(ref, data, oof, fold_of, len(parts), learnt, coder)
    all_rows = [r for tid in tids for r in data[tid]]
    nlp = fit([t for t, _ in all_rows], [c for _, c in all_rows], learnt)
    step += 1
    if progress:
        progress(step, steps, "final model")
    who = session.scalars(select(Coder).where(Coder.name == coder)).one()
    model = SuggestionModel(coder_id=who.id, data=nlp.to_bytes(), thresholds=thresholds,
                            metrics=table_to_dict(table))
    session.add(model)
    session.flush()
    store_suggestions(session, who.id, nlp, thresholds)
    audit.suggestion_model_trained(session, coder, model.id, coder, model.metrics)
    if progress:
        progress(steps, steps, "suggestions stored")
    return table


def _cross_validated(ref, data, oof, fold_of, n_folds, learnt, coder) -> tuple[QualityTable, dict[str, Any]]:  # noqa: ANN001
    gold: set = set()
    predicted: set = set()
    thresholds: dict[str, Any] = {}
    for cid in learnt:
        pairs = [(tid, i, p[cid], cid in codes) for tid in oof
                 for i, (p, (_, codes)) in enumerate(zip(oof[tid], data[tid], strict=True))]
        thresholds[cid] = choose_threshold([p for *_, p, _ in pairs], [y for *_, y in pairs])
        for k in range(n_folds):
            others = [(p, y) for tid, _, p, y in pairs if fold_of[tid] != k]
            t = choose_threshold([p for p, _ in others], [y for _, y in others])
            for tid, i, p, y in pairs:
                if fold_of[tid] != k:
                    continue
                if y:
                    gold.add(((tid, i), cid))
                if t is not None and p >= t:
                    predicted.add(((tid, i), cid))
    sentences = sum(len(rows) for rows in data.values())
    codes = [(cid, name) for cid, name in ref.codes if cid in learnt]
    table = score(codes, gold, predicted, coder, "classifier (cross-validated)", len(data), sentences)
    return table, thresholds


def table_to_dict(table: QualityTable) -> dict[str, Any]:
    def row(r) -> dict[str, Any]:  # noqa: ANN001
        return {"code_id": r.code_id, "code": r.code, "tp": r.tp, "fp": r.fp, "fn": r.fn}

    return {"reference": table.reference, "transcripts": table.transcripts, "sentences": table.sentences,
            "rows": [row(r) for r in table.rows], "micro": row(table.micro),
            "macro": {"precision": table.macro.precision, "recall": table.macro.recall, "f1": table.macro.f1}}


def table_from_dict(d: dict[str, Any]) -> QualityTable:
    table = QualityTable(d["reference"], "classifier (cross-validated)", d["transcripts"], d["sentences"])
    table.rows = [code_quality(r["code_id"], r["code"], r["tp"], r["fp"], r["fn"]) for r in d["rows"]]
    m = d["micro"]
    table.micro = code_quality("micro", m["code"], m["tp"], m["fp"], m["fn"])
    table.macro = table.micro.__class__("macro", "mean over codes (macro)", m["tp"], m["fp"], m["fn"],
                                        d["macro"]["precision"], d["macro"]["recall"], d["macro"]["f1"])
    return table


def latest_model(session: Session, coder: str) -> SuggestionModel | None:
    q = (select(SuggestionModel).join(Coder, Coder.id == SuggestionModel.coder_id)
         .where(Coder.name == coder).order_by(SuggestionModel.id.desc()).limit(1))
    return session.scalars(q).first()


def cross_validated_table(session: Session, coder: str, *, viewer: Viewer) -> QualityTable:
    visible(viewer, coder, "The codings")
    model = latest_model(session, coder)
    if model is None:
        raise UserError(f"No classifier has been trained on {coder!r}'s codings yet (suggest --train)")
    return table_from_dict(model.metrics)


def load_model(model: SuggestionModel):  # noqa: ANN201
    nlp = _blank_model([k for k in model.thresholds])
    return nlp.from_bytes(model.data)


def store_suggestions(session: Session, coder_id: int, nlp, thresholds: dict[str, Any],  # noqa: ANN001
                      transcript_ids: Sequence[int] | None = None) -> int:
    """Replace this coder's classifier suggestions (on every transcript, or those given)."""
    all_speakers = settings(session).all_speakers
    q = delete(Suggestion).where(Suggestion.source == "classifier", Suggestion.coder_id == coder_id)
    if transcript_ids is not None:
        q = q.where(Suggestion.transcript_id.in_(transcript_ids))
    session.execute(q)
    tids = transcript_ids if transcript_ids is not None else list(session.scalars(select(Transcript.id)))
    added = 0
    for tid in tids:
        text = session.get(Transcript, tid).text
        sentences = split_sentences(text, suggested_turns(session, tid, all_speakers))
        cats = predict(nlp, [text[s.start:s.end] for s in sentences])
        hits = [Hit(cid, s.start, s.end, ((s.start, s.end),), round(p[cid], 4))
                for s, p in zip(sentences, cats, strict=True)
                for cid, t in thresholds.items() if t is not None and p.get(cid, 0.0) >= t]
        session.add_all(suggestion_rows(tid, hits, "classifier", coder_id))
        added += len(hits)
    session.flush()
    return added
