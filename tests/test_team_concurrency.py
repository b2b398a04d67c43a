"""Two people starting at the same moment: the first use of a new coder name, and the first coding of a
transcript (its progress row), by several at once, end in one coder and one progress row — never a
raw IntegrityError."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from consult_coder import coding
from consult_coder.model import Coder, Progress
from consult_coder.storage import Project
from tests.factories import build_coding_study

THREADS = 8
ROUNDS = 6


def _at_once(work: Callable[[int], object]) -> list[BaseException]:
    """Run ``work(i)`` in THREADS threads released together; the errors they raised."""
    gate = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        gate.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_first_use_of_a_new_coder_name_by_many_at_once_gives_one_coder(project: Project):
    for round_ in range(ROUNDS):
        name = f"newcomer-{round_}"
        ids: list[int] = []

        def first_use(_: int, name: str = name, ids: list[int] = ids) -> None:
            with project.session() as s:
                ids.append(coding.get_or_create_coder(s, name).id)

        assert _at_once(first_use) == []
        assert len(set(ids)) == 1
        with project.session() as s:
            assert s.scalar(select(func.count()).where(Coder.name == name)) == 1


def test_first_codings_of_a_transcript_by_many_at_once_give_one_progress_row(project: Project):
    tid = build_coding_study(project)
    for round_ in range(ROUNDS):
        name = f"pair-{round_}"

        def code_or_mark(i: int, name: str = name) -> None:
            with project.session() as s:
                if i % 2:
                    coding.add_coding(s, tid, 0, 11, ["empathy"], name)
                else:
                    coding.set_progress(s, tid, name, "done")

        assert _at_once(code_or_mark) == []
        with project.session() as s:
            who = s.scalars(select(Coder).where(Coder.name == name)).one()
            rows = s.scalars(select(Progress).where(Progress.coder_id == who.id)).all()
            assert len(rows) == 1 and rows[0].status in ("in_progress", "done")


def test_a_unit_of_work_that_fails_after_naming_a_new_coder_keeps_no_coder(project: Project):
    try:
        with project.session() as s:
            coding.get_or_create_coder(s, "only-for-a-moment")
            raise RuntimeError("the action failed later")
    except RuntimeError:
        pass
    with project.session() as s:
        assert s.scalars(select(Coder.name)).all() == []
