"""Blind coding holds in the core: every read function alice (a coder) reaches, while the lead keeps the
project blind, gives her only her own layer — nothing of bob's codings, quotes, counts or memos — and
the lead, or alice once the lead unblinds, sees everyone's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consult_coder import analysis, coding, memos, search
from consult_coder.access import Viewer, actor_viewer, project_blind, set_blinding
from consult_coder.agreement import AgreementOptions, load_material
from consult_coder.agreement.defaults import project_agreement
from consult_coder.codebook_edit import codebook_tree
from consult_coder.errors import UserError
from consult_coder.export import ExportOptions, export_file
from consult_coder.refi import export_qdpx
from consult_coder.storage import Project
from consult_coder.suggestions import classifier, mining, quality, store
from tests.factories import (
    BOB_MEMOS,
    BOB_ONLY_QUOTE,
    SHARED_CODE_MEMO,
    build_team_study,
    document_text,
)

EXPORTS = ("docx", "theme-table", "xlsx", "csv", "qdpx")


@pytest.fixture
def team(sqlite_project: Project) -> Iterator[tuple[Project, dict[str, int]]]:
    yield sqlite_project, build_team_study(sqlite_project)


@pytest.fixture
def any_team(project: Project) -> Iterator[tuple[Project, dict[str, int]]]:
    """The team study on SQLite and on PostgreSQL (team mode's own database)."""
    yield project, build_team_study(project)


def as_(project: Project, coder: str) -> Viewer:
    with project.session() as s:
        return actor_viewer(s, coder)


def nothing_of_bob(text: str) -> None:
    assert not any(marker in text for marker in BOB_MEMOS.values())


def test_coders_are_blind_until_the_lead_unblinds(any_team):
    project, _ = any_team
    alice, lena = as_(project, "alice"), as_(project, "lena")
    assert (alice.role, alice.blind) == ("coder", True)
    assert (lena.role, lena.blind) == ("lead", False)
    with project.session() as s:
        assert project_blind(s)
        set_blinding(s, "lena", False)
    assert not as_(project, "alice").blind


def test_the_code_page_reads_only_her_codings_and_memos(any_team):
    project, ids = any_team
    alice = as_(project, "alice")
    with project.session() as s:
        for tid in (ids["P01"], ids["P22"]):
            assert {c.coder for c in coding.codings_for(s, tid, alice)} <= {"alice"}
        shown = [m.text for views in memos.code_memos(s, alice).values() for m in views]
        assert SHARED_CODE_MEMO in shown
        nothing_of_bob(" ".join(shown))
        assert memos.get_memo(s, "transcript", ids["P01"], "alice", viewer=alice) == ""
        with pytest.raises(UserError, match="blind"):
            memos.get_memo(s, "transcript", ids["P01"], "bob", viewer=alice)


def test_coded_segments_counts_and_memo_lists_hold_only_hers(any_team):
    project, _ = any_team
    alice = as_(project, "alice")
    with project.session() as s:
        for code in ("boundaries", "confidentiality", "empathy", "trust_bond"):
            rows = search.coded_segments(s, code, viewer=alice)
            assert {r.coder for r in rows} <= {"alice"}
            assert all(BOB_ONLY_QUOTE not in r.quote and r.memo != BOB_MEMOS["coding"] for r in rows)
        counts = {n.id: n.count for root in codebook_tree(s, viewer=alice) for n in root.walk()}
        assert counts["confidentiality"] == 1 and counts["trust_bond"] == 1 and counts["boundaries"] == 0
        for kind, target in (("code", "confidentiality"), ("project", "project")):
            views = memos.list_memos(s, kind, target, viewer=alice)
            assert {v.coder for v in views} <= {None, "alice"}
            nothing_of_bob(" ".join(v.text for v in views))
        # Searching the transcripts is fine: it finds words, not codings.
        assert search.search(s, BOB_ONLY_QUOTE)


def test_analysis_offers_and_loads_only_her_layer(any_team):
    project, _ = any_team
    alice = as_(project, "alice")
    with project.session() as s:
        assert analysis.layer_options(s, alice) == ["alice"]
        assert analysis.default_layer(s, alice) == "alice"
        study = analysis.load_study(s, "alice", viewer=alice)
        assert set(study.codings["coder"]) == {"alice"}
        for other in ("bob", "consensus", "union"):
            with pytest.raises(UserError, match="blind"):
                analysis.load_study(s, other, viewer=alice)
            with pytest.raises(UserError, match="blind"):
                analysis.theme_frequency(s, other, viewer=alice)
        assert analysis.exemplars(s, "alice", viewer=alice)["coding_id"].notna().all()


@pytest.mark.parametrize("kind", EXPORTS)
def test_every_export_she_makes_holds_only_her_layer(team, kind):
    project, _ = team
    alice = as_(project, "alice")
    with project.session() as s:
        text = document_text(export_file(s, kind, ExportOptions(layer="alice", viewer=alice)).data, kind)
        for other in ("bob", "union", "consensus"):
            with pytest.raises(UserError, match="blind"):
                export_file(s, kind, ExportOptions(layer=other, viewer=alice))
    nothing_of_bob(text)
    if kind == "qdpx":  # the archive carries the transcripts' text; no coding or user of bob's
        assert 'name="bob"' not in text
    else:
        assert BOB_ONLY_QUOTE not in text and "bob" not in text.lower()


def test_agreement_and_suggestions_built_on_bob_are_refused(team):
    project, _ = team
    alice = as_(project, "alice")
    with project.session() as s:
        with pytest.raises(UserError, match="blind"):
            load_material(s, AgreementOptions(("alice", "bob"), all_transcripts=True), viewer=alice)
        result = project_agreement(s, viewer=alice)
        assert result.coders == () and not result.results
        for read in (lambda: store.pending(s, "bob", viewer=alice),
                     lambda: store.counts_by_code(s, "bob", viewer=alice),
                     lambda: quality.evaluate(s, "bob", viewer=alice),
                     lambda: quality.false_hits(s, "bob", "empathy", viewer=alice),
                     lambda: mining.candidates(s, "bob", "empathy", viewer=alice),
                     lambda: classifier.cross_validated_table(s, "bob", viewer=alice),
                     lambda: classifier.train(s, "bob", viewer=alice),
                     lambda: export_qdpx(s, None, viewer=alice),
                     lambda: export_file(s, "agreement-csv", ExportOptions(layer="alice", viewer=alice))):
            with pytest.raises(UserError):
                read()
        assert store.pending(s, "alice", viewer=alice) == []


def test_the_lead_sees_everyone_and_unblinding_opens_it_to_the_coders(any_team):
    project, ids = any_team
    lena = as_(project, "lena")
    with project.session() as s:
        assert "bob" in analysis.layer_options(s, lena) and "union" in analysis.layer_options(s, lena)
        assert any(r.coder == "bob" for r in search.coded_segments(s, "boundaries", viewer=lena))
        set_blinding(s, "lena", False)
    alice = as_(project, "alice")
    with project.session() as s:
        assert "bob" in {c.coder for c in coding.codings_for(s, ids["P22"], alice)}
        code_memos = memos.list_memos(s, "code", "confidentiality", viewer=alice)
        assert BOB_MEMOS["code"] in [m.text for m in code_memos]
        text = document_text(export_file(s, "csv", ExportOptions(layer="union", viewer=alice)).data, "csv")
        assert BOB_ONLY_QUOTE in text


# ---------------------------------------------------------------- writers check the actor

def test_a_coder_cannot_change_anothers_coding_through_any_writer(any_team):
    project, ids = any_team
    cid = ids["bob_coding"]
    with project.session() as s:
        for change in (lambda: coding.remove_coding(s, cid, "alice"),
                       lambda: coding.resize_coding(s, cid, 0, 5, "alice"),
                       lambda: coding.set_coding_memo(s, cid, "mine now", "alice"),
                       lambda: coding.set_pinned(s, cid, True, "alice")):
            with pytest.raises(UserError):
                change()
    with project.session() as s:
        row = [c for c in coding.codings_for(s, ids["P22"], as_(project, "lena")) if c.id == cid][0]
        assert (row.memo, row.pinned) == (BOB_MEMOS["coding"], False)
        assert coding.undo(s, "alice", ids["P22"]) is None  # her undo reaches only her own actions


def test_coders_cannot_do_the_leads_work(team, tmp_path):
    from consult_coder import codebook_edit as ce
    from consult_coder.accounts import add_user, reset_password, set_role
    from consult_coder.anonymity.stored import redact_transcript
    from consult_coder.codebook import Codebook, apply_codebook
    from consult_coder.codings_io import load_codings_csv
    from consult_coder.ingest import import_files
    from consult_coder.sample import load_demo

    project, ids = team
    lead_only = [
        lambda s: ce.create_code(s, name="Hope", actor="alice"),
        lambda s: ce.update_code(s, "empathy", "alice", name="Sympathy"),
        lambda s: ce.delete_code(s, "regular_meetings", "alice"),
        lambda s: apply_codebook(s, Codebook(name="x", codes=[]), "alice"),
        lambda s: mining.set_patterns(s, "empathy", [[{"LOWER": "kind"}]], "alice"),
        lambda s: import_files(s, [("P09.txt", b"Interviewer: Hi\n\nP09: Hello")], actor="alice"),
        lambda s: load_codings_csv(s, b"transcript,start,end,code\n1,0,5,empathy\n", source_name="x.csv",
                                   actor="alice"),
        lambda s: load_demo(s, actor="alice"),
        lambda s: coding.set_speaker_kind(s, ids["P01"], "P01", "interviewer", "alice"),
        lambda s: redact_transcript(s, ids["P01"], [], None, "alice"),
        lambda s: memos.set_memo(s, "code", "empathy", None, "a team memo", actor="alice"),
        lambda s: memos.set_memo(s, "code", "empathy", "bob", "in bob's name", actor="alice"),
        lambda s: store.choose_pipeline(s, "", "alice"),
        lambda s: set_blinding(s, "alice", False),
        lambda s: add_user(s, "mallory", "lead", "alice", password="mallory-password"),
        lambda s: set_role(s, "alice", "lead", "alice"),
        lambda s: reset_password(s, "bob", "taken-over-pass", "alice"),
    ]
    for action in lead_only:
        with pytest.raises(UserError, match="lead"), project.session() as s:
            action(s)
    with project.session() as s:
        assert project_blind(s) and as_(project, "alice").role == "coder"
        # …while her own work is hers: a memo, her progress, her password.
        assert memos.set_memo(s, "code", "empathy", "alice", "my own note")
        coding.set_progress(s, ids["P01"], "alice", "done")
        reset_password(s, "alice", "alice-new-password", "alice")
