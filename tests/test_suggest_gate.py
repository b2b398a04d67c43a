"""The gate: which sentences each token pattern is worth running in, found for a whole batch at once.

A pattern can only match a sentence holding a word of each token it cannot do without; the gate must
never keep a pattern out of a sentence it could match (that would lose suggestions), and should let it
into no other.
"""

import itertools
import random

import numpy as np

from consult_coder.suggestions.gate import Gate

WORDS = list(range(1, 13))  # word hashes


def _sentences(rng: random.Random, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[int]]]:
    """n sentences of random words with a few words between them (a speaker label) that belong to none."""
    words: list[int] = []
    starts, ends, sentences = [], [], []
    for _ in range(n):
        words += [rng.choice(WORDS) for _ in range(rng.randint(0, 2))]
        sentence = [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
        starts.append(len(words))
        words += sentence
        ends.append(len(words))
        sentences.append(sentence)
    return _words(words), _tokens(starts), _tokens(ends), sentences


def _words(hashes: list[int]) -> np.ndarray:
    return np.array(hashes, dtype=np.uint64)


def _tokens(indices: list[int]) -> np.ndarray:
    return np.array(indices, dtype=np.int64)


def test_a_pattern_is_run_exactly_where_every_word_set_it_needs_is_present():
    rng = random.Random(4)
    required = [[frozenset({1})], [frozenset({2, 3}), frozenset({4})], [frozenset({5}), frozenset({5})],
                [frozenset({6, 7}), frozenset({7, 8}), frozenset({9})], [], [frozenset({100})]]
    gate = Gate(required)
    for _ in range(200):
        lower, starts, ends, sentences = _sentences(rng, rng.randint(0, 8))
        rows, patterns = gate.pairs(lower, starts, ends)
        expected = {(g, n) for g, sentence in enumerate(sentences) for n, sets in enumerate(required)
                    if all(not s.isdisjoint(sentence) for s in sets)}
        assert set(zip(rows.tolist(), patterns.tolist(), strict=True)) == expected
        assert len(rows) == len(expected)  # each pair once


def test_a_gate_with_nothing_to_check_and_an_empty_batch():
    assert [len(x) for x in Gate([]).pairs(_words([1, 2, 3]), _tokens([0]), _tokens([3]))] == [0, 0]
    rows, patterns = Gate([[], []]).pairs(_words([]), _tokens([0, 0]), _tokens([0, 0]))  # run everywhere
    pairs = sorted(zip(rows.tolist(), patterns.tolist(), strict=True))
    assert pairs == list(itertools.product([0, 1], [0, 1]))
    assert [len(x) for x in Gate([[frozenset({1})]]).pairs(_words([]), _tokens([]), _tokens([]))] == [0, 0]
