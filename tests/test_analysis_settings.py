"""Both "Include interviewer speech" settings come from one read of the database (``load_studies``), and
each is exactly the study ``load_study`` loads for that setting alone: every frame equal, with the same
dtypes and column order, for every layer — on the analysis study of tests/factories.py, the sample
study, and a generated programme whose coders also coded interviewer questions (and a retired code
that holds only such codings, so even the codebook differs between the settings)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import event, select

from benchmarks.runner import Bench
from benchmarks.sizes import SIZES
from consult_coder.analysis import Study, layer_options, load_studies, load_study
from consult_coder.analysis.offsets import TranscriptIndex
from consult_coder.coding import add_coding, set_pinned
from consult_coder.errors import UserError
from consult_coder.model import Code, Turn
from consult_coder.sample import load_demo
from consult_coder.storage import Project, open_project
from tests.factories import EVERYONE, stored_turns


@pytest.fixture
def sample_study(tmp_path: Path) -> Iterator[Project]:
    project = open_project(str(tmp_path / "sample.sqlite"))
    with project.session() as s:
        load_demo(s)
    yield project
    project.close()


@pytest.fixture
def generated_study(tmp_path: Path) -> Iterator[Project]:
    """The benchmarks' tiny programme (codings that start in a question and run into the answer), plus
    every third interviewer question coded by two coders — one of them pinned — in a code since retired."""
    bench = Bench(SIZES["tiny"], tmp_path, ["sqlite"], cache=tmp_path / "corpus")
    project = bench.study("sqlite")
    with project.session() as s:
        s.add(Code(id="retired", name="Retired theme", sort_order=99))
        s.flush()
        questions = s.execute(select(Turn.transcript_id, Turn.start, Turn.end)
                              .where(Turn.speaker_kind == "interviewer")
                              .order_by(Turn.transcript_id, Turn.start)).all()
        for tid, start, end in questions[::3]:
            add_coding(s, tid, start, end, ["retired"], "coder_1")
            set_pinned(s, add_coding(s, tid, start, end, ["retired"], "coder_2")[0], True, "coder_2")
        s.get(Code, "retired").archived = True
    yield project
    bench.close()


def assert_same_study(derived: Study, alone: Study) -> None:
    for name in ("codes", "participants", "codings"):
        a, b = getattr(derived, name), getattr(alone, name)
        assert list(a.columns) == list(b.columns), name
        assert list(a.dtypes) == list(b.dtypes), name
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    assert (derived.layer, derived.include_interviewer) == (alone.layer, alone.include_interviewer)
    assert derived.texts == alone.texts
    assert derived.speech == alone.speech
    assert {t: i.speech for t, i in derived.index.items()} == {t: i.speech for t, i in alone.index.items()}


def assert_each_setting_as_if_loaded_alone(project: Project) -> dict[str, dict[bool, Study]]:
    loaded = {}
    with project.session() as s:
        for layer in layer_options(s, EVERYONE):
            try:
                alone = {setting: load_study(s, layer, setting, viewer=EVERYONE) for setting in (False, True)}
            except UserError as refused:  # a consensus layer offered before anyone reconciled
                with pytest.raises(UserError, match=re.escape(str(refused))):
                    load_studies(s, layer, viewer=EVERYONE)
                continue
            both = load_studies(s, layer, viewer=EVERYONE)
            assert list(both) == [False, True]
            for setting in (False, True):
                assert_same_study(both[setting], alone[setting])
            loaded[layer] = both
    return loaded


def test_on_the_analysis_study_each_setting_is_what_loading_it_alone_gives(analysis_study):
    loaded = assert_each_setting_as_if_loaded_alone(analysis_study)
    alice = loaded["alice"]
    # Not a vacuous comparison: the interviewer's questions count only with the setting on.
    assert len(alice[True].codings) == len(alice[False].codings) + 2
    assert (alice[True].participants["words"] > alice[False].participants["words"]).all()


def test_on_the_sample_study_each_setting_is_what_loading_it_alone_gives(sample_study):
    loaded = assert_each_setting_as_if_loaded_alone(sample_study)
    assert list(loaded) == ["coder_a", "coder_b", "consensus", "union"]
    union = loaded["union"]
    assert (union[True].participants["words"] >= union[False].participants["words"]).all()
    assert union[True].participants["words"].sum() > union[False].participants["words"].sum()


def test_on_a_generated_programme_each_setting_is_what_loading_it_alone_gives(generated_study):
    loaded = assert_each_setting_as_if_loaded_alone(generated_study)
    union = loaded["union"]
    off, on = union[False], union[True]
    # Questions coded on their own count only with the setting on, and so does the retired code.
    assert "retired" in set(on.codes["code_id"]) and "retired" not in set(off.codes["code_id"])
    retired = on.codings[on.codings["code_id"] == "retired"]
    assert len(retired) > 0 and retired["pinned"].all() and (retired["coders"] == "coder_1, coder_2").all()
    assert (retired["speaker_kind"] == "interviewer").all()
    # Codings that start in a question keep their span, but count more words with the setting on.
    both = off.codings.merge(on.codings, on="coding_id", suffixes=("_off", "_on"))
    longer = both[both["words_on"] > both["words_off"]]
    assert len(longer) > 0 and (longer["speaker_kind_on"] == "mixed").all()
    assert (both["start_off"] == both["start_on"]).all() and (both["end_off"] == both["end_on"]).all()


def test_both_settings_cost_one_read_of_the_database(generated_study):
    def statements(load) -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
            seen.append(statement)

        event.listen(generated_study.engine, "before_cursor_execute", count)
        try:
            with generated_study.session() as s:
                load(s)
        finally:
            event.remove(generated_study.engine, "before_cursor_execute", count)
        return len(seen)

    # The setting with interviewer speech also reads the retired code: the most one setting reads.
    one = statements(lambda s: load_study(s, "union", True, viewer=EVERYONE))
    both = statements(lambda s: load_studies(s, "union", viewer=EVERYONE))
    assert both == one


@pytest.mark.parametrize("first", [False, True])
def test_an_index_recounted_for_the_other_setting_is_the_index_built_for_it(first):
    text, rows = stored_turns([("Interviewer", "interviewer", "How did it feel, at first?"),
                               ("P01", "participant", "Safe. I could say anything."),
                               ("Interviewer", "interviewer", "Anything else?"),
                               ("P01", "participant", "No, that's it.")])
    turns = [(t.speaker_kind, (t.start, t.end)) for t in rows]
    built = TranscriptIndex(text, turns, first)
    other = built.counting(not first)
    direct = TranscriptIndex(text, turns, not first)
    assert other.speech == direct.speech != built.speech
    for span in [(0, len(text)), (2, 30), (rows[1].start, rows[2].end)]:
        assert other.clip(span) == direct.clip(span)
        assert other.words(other.clip(span)) == direct.words(direct.clip(span))
    assert other.word_starts is built.word_starts  # found once, shared
    assert built.speech == TranscriptIndex(text, turns, first).speech  # the original is unchanged
