"""Pattern suggestion against spaCy's bare tokenizer on a 1M-word corpus, timed in one run.

The corpus is the sample study's participant speech, repeated until it holds ``--words`` words.
Suggestion is everything ``PatternMatcher.match_many`` does for whole transcripts with the shipped
codebook (turns cut out, apostrophes folded, sentences split, tokenised, matched, the interviewer's
question before each answer read too, hits decided by the passage rules). The baseline is
``spacy.blank("en").tokenizer.pipe`` over the same texts suggestion reads — the participants' turns and
the question before each — and, for comparison, over the participants' turns alone. The issue's bar is
a ratio of at most 3.

    python benchmarks/suggestion_speed.py [--words 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import spacy

from consult_coder.codebook import Codebook, load_codebook_file
from consult_coder.importers import parse_file
from consult_coder.sample import CODEBOOK_FILE, SAMPLE_DIR
from consult_coder.sentences import speech_turns
from consult_coder.suggestions.engine import PatternMatcher
from consult_coder.suggestions.rules import questions_before
from consult_coder.suggestions.weigher import shipped_for

Item = tuple[int, str, list[tuple[int, int]], list[tuple[int, int]]]


def corpus(words: int) -> list[Item]:
    """(key, text, participant turns, interviewer turns) for sample transcripts, repeated up to ``words``
    spoken words (participants' words: the interviewer's questions are read on top)."""
    base = []
    for path in sorted(SAMPLE_DIR.glob("P*_consultation.*")):
        t = parse_file(path.name, path.read_bytes())
        turns = speech_turns((u.start, u.end, u.speaker_kind) for u in t.turns)
        prompts = [(u.start, u.end) for u in t.turns if u.speaker_kind == "interviewer"]
        base.append((t.text, turns, prompts, sum(len(t.text[a:b].split()) for a, b in turns)))
    items: list[Item] = []
    total = 0
    while total < words:
        for text, turns, prompts, n in base:
            items.append((len(items), text, turns, prompts))
            total += n
            if total >= words:
                break
    return items


def time_bare_tokenizer(items: list[Item], questions: bool = True) -> float:
    """The bare tokenizer over the answers, and (``questions``) the question before each, as suggestion
    reads them."""
    nlp = spacy.blank("en")
    texts = [text[a:b] for _, text, turns, _ in items for a, b in turns]
    if questions:
        texts += [text[a:b] for _, text, turns, prompts in items
                  for a, b in questions_before(text, turns, prompts).values()]
    start = time.perf_counter()
    for _ in nlp.tokenizer.pipe(texts, batch_size=256):
        pass
    return time.perf_counter() - start


def shipped_matcher(book: Codebook, weigh: bool = True) -> PatternMatcher:
    """The shipped codebook's patterns as the app runs them: passage rules and, unless ``weigh`` is off,
    the shipped weigher."""
    weigher = shipped_for(book.codes) if weigh else None
    return PatternMatcher({c.id: c.patterns for c in book.codes if c.patterns}, weigher=weigher)


def time_suggestions(items: list[Item], matcher: PatternMatcher) -> tuple[float, int]:
    start = time.perf_counter()
    hits = sum(len(h) for _, h in matcher.match_many(items))
    return time.perf_counter() - start, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rules-only", action="store_true", help="without the weigher")
    args = parser.parse_args()
    items = corpus(args.words)
    book = load_codebook_file(CODEBOOK_FILE)
    matcher = shipped_matcher(book, not args.rules_only)
    n_patterns = sum(len(c.patterns) for c in book.codes)
    bare, answers, suggest, hits = [], [], [], 0
    for _ in range(args.repeat):  # interleaved, so all see the same machine load
        bare.append(time_bare_tokenizer(items))
        answers.append(time_bare_tokenizer(items, questions=False))
        seconds, hits = time_suggestions(items, matcher)
        suggest.append(seconds)
    b, a, s = statistics.median(bare), statistics.median(answers), statistics.median(suggest)
    print(f"{args.words:,} words, {len(items)} transcripts, {n_patterns} patterns, {hits:,} suggestions")
    print(f"bare tokenizer over the same texts (answers and the questions before them) {b:.2f} s; "
          f"suggestion {s:.2f} s ({args.words / s:,.0f} words/s); ratio {s / b:.2f} (bar: 3)")
    print(f"bare tokenizer over the participants' turns alone {a:.2f} s ({args.words / a:,.0f} words/s); "
          f"ratio {s / a:.2f}")


if __name__ == "__main__":
    main()
