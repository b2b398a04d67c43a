"""The word lists the anonymity rules read: names, places and common English words (src/consult_coder/
data/, whose README says where each came from and under which licence)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

NAME_FILES = ("names_faker.txt", "names_shona.txt", "names_ndebele.txt")


def _lines(file: str) -> list[str]:
    text = resources.files("consult_coder").joinpath("data", file).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    """Given names and surnames, lower-case."""
    return frozenset(n.casefold() for f in NAME_FILES for n in _lines(f))


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Frequent English words, lower-case: a name that is one ("Hope", "Will") needs context."""
    return frozenset(_lines("common_words.txt"))


@lru_cache(maxsize=1)
def places() -> dict[tuple[str, ...], str]:
    """Place names by their words ("Victoria", "Falls"), as written."""
    return {tuple(p.split()): p for p in _lines("places.txt")}
