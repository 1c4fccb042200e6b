"""The review controller on a real workspace: writes go through the runner, undo/redo replay the core's inverses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caseview.core.frameworks import CASE
from caseview.core.review import (AddAnnotation, Anchor, Annotation, SetAnswer, new_id, read_state)
from caseview.core.store import Workspace

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo-case.cvb"


def _import(root: Path, bundle: Path) -> str:
    from caseview.core.importer import import_bundle

    with Workspace(root, backup=False) as ws:
        return import_bundle(ws, bundle).case_id


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    """Workspaces imported once: the demo case (outcome-verification) and the factory's (case-file-audit)."""
    from tests.factory import BundleFactory

    base = tmp_path_factory.mktemp("review-templates")
    demo_root = base / "demo"
    demo_id = _import(demo_root, DEMO)
    audit_root = base / "audit"
    audit_id = _import(audit_root, BundleFactory(base / "bundles").build())
    return {"demo": (demo_root, demo_id), "audit": (audit_root, audit_id)}


def copy_workspace(templates, name: str, dest: Path) -> tuple[Path, str]:
    src, case_id = templates[name]
    root = dest / f"ws-{name}"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("import.lock"))
    return root, case_id


class Session:
    """A runner and a controller on a copy of a template workspace."""

    def __init__(self, qtbot, root: Path, case_id: str):
        from caseview.ui.tasks import WorkspaceRunner
        from caseview.ui.review.undo import ReviewController

        self.qtbot, self.root, self.case_id = qtbot, root, case_id
        self.runner = WorkspaceRunner(root)
        self.controller = ReviewController(self.runner)
        self.failures: list[str] = []
        self.saves: list[str] = []
        self.controller.failed.connect(self.failures.append)
        self.controller.saved.connect(self.saves.append)
        self.controller.open_case(case_id)
        qtbot.waitUntil(lambda: self.controller.snapshot is not None, timeout=5000)

    def settle(self) -> None:
        self.qtbot.waitUntil(self.controller.is_idle, timeout=5000)

    def read(self):
        """The review as the database holds it, read through a separate connection."""
        self.settle()
        with Workspace(self.root, backup=False) as ws:
            return read_state(ws, self.case_id)

    def history(self) -> list[dict]:
        with Workspace(self.root, backup=False) as ws:
            return ws.history_rows(self.case_id)

    def close(self) -> None:
        self.runner.shutdown()


@pytest.fixture
def demo(qtbot, templates, tmp_path):
    s = Session(qtbot, *copy_workspace(templates, "demo", tmp_path))
    yield s
    s.close()


@pytest.fixture
def audit(qtbot, templates, tmp_path):
    s = Session(qtbot, *copy_workspace(templates, "audit", tmp_path))
    yield s
    s.close()


# -- tests -----------------------------------------------------------------------------------------

def test_an_answer_is_written_once_and_saved_is_said_after_the_commit(demo):
    c = demo.controller
    c.set_answer("O1", "threshold", "Met")
    assert c.answer("O1", "threshold") == "Met"  # the form never waits for the database
    demo.settle()
    assert demo.saves == ["Saved"]
    assert demo.read().answers[("O1", "threshold")] == "Met"
    assert len(demo.history()) == 1  # pushing the undo step did not apply it a second time
    assert c.undo_stack.count() == 1
    c.set_answer("O1", "threshold", "Met")  # unchanged: nothing sent
    demo.settle()
    assert len(demo.history()) == 1


def test_undo_and_redo_restore_answers_and_evidence(demo):
    c = demo.controller
    c.set_answer("K1", "judgement", 3)
    c.set_answer("K1", "judgement", 2)
    c.cite("K1", Anchor("DOC01", 2, "Often hungry", "", ""))
    demo.settle()
    state = demo.read()
    assert state.answers[("K1", "judgement")] == 2 and len(state.evidence) == 1
    evidence_id = state.evidence[0].id

    c.undo()  # the citation
    demo.settle()
    assert demo.read().evidence == () and c.state.evidence == ()
    c.undo()  # 2 → 3
    demo.settle()
    assert demo.read().answers[("K1", "judgement")] == 3 == c.answer("K1", "judgement")
    c.undo()  # 3 → unanswered
    demo.settle()
    assert ("K1", "judgement") not in demo.read().answers
    assert not c.undo_stack.canUndo()

    for _ in range(3):
        c.redo()
    demo.settle()
    state = demo.read()
    assert state.answers[("K1", "judgement")] == 2
    assert [e.id for e in state.evidence] == [evidence_id]  # the same citation comes back, not a copy
    assert c.state.evidence == state.evidence

    c.remove_evidence(evidence_id)
    c.undo()  # queued behind the write, then undoes it
    demo.settle()
    assert [e.id for e in demo.read().evidence] == [evidence_id]
    assert demo.failures == []


def test_typing_in_one_field_is_one_undo_step_but_every_save_is_written(demo):
    c = demo.controller
    key = ("K1", "rationale", 1)
    for text in ("The", "The decision", "The decision was timely."):
        c.set_answer("K1", "rationale", text, merge_key=key)
        demo.settle()
    assert demo.read().answers[("K1", "rationale")] == "The decision was timely."
    assert len(demo.history()) == 3  # each save persisted
    assert c.undo_stack.count() == 1
    c.set_answer("K1", "rationale", "Another session", merge_key=("K1", "rationale", 2))
    demo.settle()
    assert c.undo_stack.count() == 2
    c.undo()
    c.undo()
    demo.settle()
    assert ("K1", "rationale") not in demo.read().answers


def test_typing_back_to_the_start_leaves_nothing_to_undo(demo):
    c = demo.controller
    key = ("K1", "rationale", 7)
    c.set_answer("K1", "rationale", "x", merge_key=key)
    c.set_answer("K1", "rationale", None, merge_key=key)
    demo.settle()
    assert c.undo_stack.count() == 0


def test_annotations_share_the_undo_stack(demo):
    c = demo.controller
    changed = []
    c.annotationsChanged.connect(lambda: changed.append(1))
    note = Annotation(new_id("N"), Anchor("DOC03", 1, None), "Chair not named", "Concern", "")
    c.submit(AddAnnotation(note))
    c.set_answer(CASE, "payment_summary", "Pay O3; defer O1 and O2.")
    demo.settle()
    assert [a.id for a in demo.read().annotations] == [note.id]
    c.undo()
    c.undo()
    demo.settle()
    state = demo.read()
    assert state.annotations == () and state.answers == {}
    assert changed and c.state.annotations == ()
    assert c.undo_stack.undoText() == "" and c.undo_stack.redoText() == "adding an annotation"


def test_a_refused_change_is_said_in_words_and_the_state_follows_the_database(demo, qtbot):
    c = demo.controller
    c.set_answer("O1", "threshold", "Maybe")  # not an option
    qtbot.waitUntil(lambda: bool(demo.failures), timeout=5000)
    assert "must be one of" in demo.failures[0]
    qtbot.waitUntil(lambda: c.answer("O1", "threshold") is None, timeout=5000)
    assert c.undo_stack.count() == 0 and demo.saves == []


def test_undo_and_redo_actions_follow_the_stack(demo, qtbot):
    from PySide6.QtWidgets import QWidget

    host = QWidget()
    qtbot.addWidget(host)
    undo, redo = demo.controller.make_undo_action(host), demo.controller.make_redo_action(host)
    assert not undo.isEnabled() and not redo.isEnabled()
    assert undo.shortcut().toString() == "Ctrl+Z" and "Ctrl+Shift+Z" in [k.toString() for k in redo.shortcuts()]
    demo.controller.submit(SetAnswer("O2", "sustained", "Yes"))
    demo.settle()
    assert undo.isEnabled() and "Sustained" in undo.text()
    undo.trigger()
    demo.settle()
    assert redo.isEnabled() and not undo.isEnabled()
    assert demo.read().answers == {}


def test_a_signed_case_refuses_changes(demo, qtbot):
    with Workspace(demo.root, backup=False) as ws:
        ws.set_case_status(demo.case_id, "signed", "2026-11-20T10:00:00Z")
    demo.controller.reload()
    qtbot.waitUntil(lambda: demo.controller.read_only, timeout=5000)
    demo.controller.set_answer("O1", "threshold", "Met")
    assert "read-only" in demo.failures[-1]
    assert demo.read().answers == {}
