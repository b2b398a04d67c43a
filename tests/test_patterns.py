"""Patterns in the codebook: spaCy's conventions, checked by spaCy, refused with one line naming the code
and the pattern; and matched the way a reader expects (any inflection, any case, either apostrophe)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from consult_coder.cli import main
from consult_coder.codebook import load_codebook_file, read_codebook_bytes, to_csv, to_yaml
from consult_coder.errors import UserError
from consult_coder.model import Code
from consult_coder.refi.codebook_qdc import export_qdc, import_qdc
from consult_coder.suggestions.engine import PatternMatcher, expand_token
from tests.factories import CODEBOOK

CODE = {"id": "empathy", "name": "Empathy", "definition": "Feeling understood."}


def book_with(patterns) -> bytes:  # noqa: ANN001
    return yaml.safe_dump({"codes": [{**CODE, "patterns": patterns}]}).encode()


@pytest.mark.parametrize(("patterns", "reason"), [
    ([[{"LEMA": "hear"}]], "pattern #1: token 1, LEMA: not a token attribute spaCy knows"),
    (["heard me", [{"LOWER": "me", "OP": "*+"}]],
     "pattern #2: token 1, OP: Input should be '+', '*', '?' or '!'"),
    ([[{"LOWER": {"IN": "heard"}}]], "pattern #1: token 1, LOWER: Input should be a valid list"),
    ([[{"LOWER": {"REGEX": "(heard"}}]], "pattern #1: missing ), unterminated subpattern at position 0"),
    (["  "], "pattern #1: an empty phrase"),
    ([[]], "pattern #1: an empty token pattern"),
    ([[{"OP": "*"}]], "pattern #1: matches any token: give at least one token an attribute"),
    ([42], "pattern #1: should be a phrase (text), a token pattern (a list of token dicts), a trap "
           '({"not": pattern}) or a question ({"asked": pattern})'),
    ([{"not": [{"LEMA": "goal"}]}], 'pattern #1: in "not": token 1, LEMA: not a token attribute spaCy knows'),
    ([{"not": "football", "also": "x"}],
     'pattern #1: a dict here is a trap, {"not": pattern}, or a question, {"asked": pattern}, with '
     "nothing else in it"),
    ([{"asked": {"not": "goal"}}], 'pattern #1: "asked" holds a phrase or a token pattern, not another dict'),
])
def test_an_invalid_pattern_is_refused_with_one_line_naming_code_and_index(patterns, reason):
    with pytest.raises(UserError) as err:
        read_codebook_bytes(book_with(patterns), "book.yaml")
    assert str(err.value) == f"book.yaml: code 'empathy' field 'patterns': {reason}"


def test_codebook_validate_prints_the_one_line_and_fails(tmp_path, capsys):
    path = tmp_path / "book.yaml"
    path.write_bytes(book_with(["she heard me", [{"LEMMA": "hear"}, {"LOWR": "me"}]]))
    assert main(["codebook", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == ("Error: book.yaml: code 'empathy' field 'patterns': pattern #2: token 2, LOWR: "
                   "not a token attribute spaCy knows\n")


def test_valid_patterns_survive_yaml_and_csv_round_trips():
    patterns = ["it won't go further than this room", [{"LEMMA": "hear"}, {"LOWER": "me"}],
                [{"LOWER": {"IN": ["mum", "dad"]}}, {"OP": "?"}, {"LEMMA": "find"}, {"LOWER": "out"}]]
    book = read_codebook_bytes(book_with(patterns), "book.yaml")
    assert book.codes[0].patterns == patterns
    assert read_codebook_bytes(to_yaml(book).encode(), "again.yaml").codes[0].patterns == patterns
    csv_text = to_csv(book)
    assert json.dumps(patterns[1]).replace(" ", "") in csv_text.replace(" ", "").replace('""', '"')
    assert read_codebook_bytes(csv_text.encode(), "book.csv").codes[0].patterns == patterns


def test_a_bad_pattern_in_a_csv_cell_names_the_code():
    text = "id,name,definition,patterns\nempathy,Empathy,Feeling understood.,\"[[{\"\"LEMMA\"\": 3}]]\"\n"
    with pytest.raises(UserError, match=r"^book.csv: code 'empathy' field 'patterns': pattern #1: token 1"):
        read_codebook_bytes(text.encode(), "book.csv")
    with pytest.raises(UserError, match="not a JSON list of patterns"):
        read_codebook_bytes(b"id,name,definition,patterns\nempathy,Empathy,Feeling.,[oops\n", "book.csv")


def test_refi_codebook_carries_patterns_in_the_description_and_refuses_bad_ones(sqlite_project):
    patterns = ["she really heard me", [{"LEMMA": "listen"}]]
    with sqlite_project.session() as s:
        s.add(Code(id="empathy", name="Empathy", definition="Feeling understood.", patterns=patterns))
    with sqlite_project.session() as s:
        data = export_qdc(s)
    assert b'Patterns: ["she really heard me", [{"LEMMA": "listen"}]]' in data
    with sqlite_project.session() as s:
        s.get(Code, "empathy").patterns = []
    with sqlite_project.session() as s:
        import_qdc(s, data, "tester")
    with sqlite_project.session() as s:
        assert s.get(Code, "empathy").patterns == patterns
    bad = data.replace(b'{"LEMMA": "listen"}', b'{"LEMMA": "listen", "OP": "++"}')
    with sqlite_project.session() as s, pytest.raises(
            UserError, match=r"^code 'Empathy' field 'patterns': pattern #2: token 1, OP"):
        import_qdc(s, bad, "tester")


def test_the_shipped_codebook_has_valid_patterns_for_every_code():
    book = load_codebook_file(CODEBOOK)
    assert book.codes and all(code.patterns for code in book.codes)


def words(matcher: PatternMatcher, text: str) -> list[tuple[str, str]]:
    """What the patterns match, each sentence on its own words (the matchers here read context 0)."""
    return [(h.code_id, text[a:b]) for h in matcher.match(text, [(0, len(text))]) for a, b in h.evidence
            if h.start <= a < h.end]  # the matching sentence's own words, not its neighbours


def test_lemma_patterns_match_every_inflection_and_case_without_a_lemmatizer():
    matcher = PatternMatcher({"empathy": [[{"LEMMA": "hear"}, {"LOWER": "me"}]],
                              "confidentiality": ["won't go further"]}, context=0)
    assert "lemmatizer" not in matcher.nlp.pipe_names  # lemmas were expanded to word forms up front
    text = "Heard me. She hears me. HEARING ME out. It won’t go further. Hear him."
    assert words(matcher, text) == [("empathy", "Heard me"), ("empathy", "hears me"),
                                    ("empathy", "HEARING ME"), ("confidentiality", "won’t go further")]
    assert expand_token({"LEMMA": "feel", "OP": "?"}) == {"OP": "?", "LOWER": {"IN": ["feel", "feeling",
                                                                                    "feels", "felt"]}}


def test_a_lemma_that_cannot_be_expanded_turns_the_lookup_lemmatizer_on():
    matcher = PatternMatcher({"empathy": [[{"LEMMA": {"REGEX": "^underst"}}]]}, context=0)
    assert "lemmatizer" in matcher.nlp.pipe_names
    assert words(matcher, "they understood") == [("empathy", "understood")]


def test_attributes_only_a_trained_pipeline_fills_are_refused_on_the_blank_one():
    with pytest.raises(UserError, match=r"^code 'empathy' pattern #1: POS needs a trained spaCy pipeline"):
        PatternMatcher({"empathy": [[{"POS": "VERB"}]]})


def test_an_installed_pipeline_folder_can_be_chosen_and_a_missing_one_is_named(tmp_path: Path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.to_disk(tmp_path / "my_pipeline")
    folder = str(tmp_path / "my_pipeline")
    matcher = PatternMatcher({"empathy": [[{"LEMMA": "hear"}, {"LOWER": "me"}]]}, folder, context=0)
    assert matcher.nlp.pipe_names == ["lemmatizer"]  # its own components run: LEMMA is matched as is
    assert words(matcher, "she heard me") == [("empathy", "heard me")]
    with pytest.raises(UserError, match="'en_core_web_xx' is not installed here"):
        PatternMatcher({"empathy": ["x"]}, "en_core_web_xx")
