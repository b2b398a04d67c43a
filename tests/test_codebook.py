"""The codebook is plain data: validated with errors that name the code and field, and round-trips."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder.codebook import (
    apply_codebook,
    codebook_from_store,
    load_codebook_file,
    parse_codebook,
    read_codebook_bytes,
    to_csv,
    to_yaml,
)
from consult_coder.errors import UserError
from consult_coder.model import Code, Event
from consult_coder.storage import get_setting
from tests.factories import CODEBOOK

REQUIRED = {"confidentiality", "goal_setting", "empathy", "boundaries", "non_judgement",
            "communication", "therapy_environment", "regular_meetings"}


def test_shipped_codebook_has_the_study_themes_fully_described():
    book = load_codebook_file(CODEBOOK)
    ids = {c.id for c in book.codes}
    assert REQUIRED <= ids
    for code in book.codes:
        assert code.name and code.definition and code.when_to_use and code.when_not_to_use and code.example
    assert len({c.colour for c in book.codes}) == len(book.codes), "each code has its own colour"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "code 'empathy' field 'colour': 'blue' is not a #rrggbb colour"),
        ({"definition": ""}, "code 'empathy' field 'definition'"),
        ({"parent": "nothing"}, "code 'empathy' field 'parent': no code 'nothing'"),
        ({"id": "Empathy!"}, "field 'id': must be a lowercase slug"),
        ({"colour_typo": "#ffffff"}, "code 'empathy' field 'colour_typo'"),
    ],
)
def test_a_bad_code_is_named_with_its_field(change, message):
    data = {"codes": [{"id": "empathy", "name": "Empathy", "definition": "Feeling understood."} | change]}
    with pytest.raises(UserError) as err:
        parse_codebook(data, "book.yaml")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_duplicate_ids_and_cycles_are_rejected():
    dup = {"codes": [{"id": "a", "name": "A", "definition": "x"},
                     {"id": "a", "name": "B", "definition": "y"}]}
    with pytest.raises(UserError, match="code 'a': id is used twice"):
        parse_codebook(dup)
    cycle = {"codes": [{"id": "a", "name": "A", "definition": "x", "parent": "b"},
                       {"id": "b", "name": "B", "definition": "y", "parent": "a"}]}
    with pytest.raises(UserError, match="cycle"):
        parse_codebook(cycle)


def test_broken_yaml_names_the_line():
    with pytest.raises(UserError, match=r"book.yaml line \d+: not valid YAML"):
        read_codebook_bytes(b"codes:\n  - id: [unclosed\n", "book.yaml")


def test_yaml_and_csv_round_trip():
    book = load_codebook_file(CODEBOOK)
    assert read_codebook_bytes(to_yaml(book).encode(), "x.yaml").codes == book.codes
    from_csv = read_codebook_bytes(to_csv(book).encode("utf-8-sig"), "x.csv")
    assert [c.model_dump(exclude={"patterns"}) for c in from_csv.codes] == [
        c.model_dump(exclude={"patterns"}) for c in book.codes]


def test_applying_a_codebook_adds_updates_versions_and_audits(project):
    book = load_codebook_file(CODEBOOK)
    with project.session() as s:
        first = apply_codebook(s, book, "amira")
    assert set(first["added"]) == {c.id for c in book.codes}
    with project.session() as s:
        assert get_setting(s, "codebook_version") == "1"
        again = apply_codebook(s, book, "amira")
    assert again == {"added": [], "updated": [], "not_in_file": []}

    changed = book.model_copy(deep=True)
    changed.codes[0].definition = "A better definition."
    with project.session() as s:
        result = apply_codebook(s, changed, "ben")
        assert result["updated"] == [changed.codes[0].id]
        assert get_setting(s, "codebook_version") == "2"
        ev = s.scalars(select(Event).where(Event.action == "code.update")).one()
        assert ev.actor == "ben" and ev.payload["after"]["definition"] == "A better definition."
        assert s.get(Code, changed.codes[0].id).definition == "A better definition."
        assert codebook_from_store(s).codes == changed.codes


def test_cli_validate_reports_one_line(tmp_path, capsys):
    from consult_coder.cli import main

    assert main(["codebook", "validate", str(CODEBOOK)]) == 0
    assert "valid, 12 codes" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - id: empathy\n    name: Empathy\n", encoding="utf-8")
    assert main(["codebook", "validate", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "Error: bad.yaml: code 'empathy' field 'definition': Field required"


@pytest.mark.parametrize(("name", "slug"), [("Non-judgement", "non_judgement"),
                                            ("Café culture", "cafe_culture"),
                                            ("2nd wave", "code_2nd_wave"), ("!!!", "code")])
def test_ids_made_from_names_are_valid_slugs(name, slug):
    from consult_coder.codebook import SLUG, slugify

    assert slugify(name) == slug and SLUG.match(slug)
