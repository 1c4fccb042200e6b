"""A corrected bundle for a case already reviewed: offer to carry the review forward, and show what was orphaned."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QListWidget, QMessageBox, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ...core.errors import CaseViewError
from ...core.findings import ImportedFindings, carry_forward_from_case
from ...core.store import CaseRow, Workspace
from .. import style
from ..tasks import WorkspaceRunner
from ..widgets import button_row, dialog_layout, heading, human_time, label, message_box

__all__ = ["CarryForward", "CarryOffer", "CarryResultDialog", "offer_carry_forward", "show_orphans"]


@dataclass(frozen=True)
class CarryOffer:
    new: CaseRow
    old: CaseRow
    old_counts: tuple[int, int, int]  # answers, citations, annotations in the earlier review
    new_has_work: bool  # the new case already has answers, citations or annotations (they would be replaced)


def _offer_job(new_case_id: str, bundle_id: str):
    def job(ws: Workspace) -> CarryOffer | None:
        new = ws.case(new_case_id)
        earlier = [c for c in ws.versions_of(bundle_id) if c.id != new.id and c.version < new.version]
        if not earlier:
            return None
        old = max(earlier, key=lambda c: (c.version, c.imported_at))
        counts = (len(ws.answers(old.id)), len(ws.evidence_rows(old.id)), len(ws.annotation_rows(old.id)))
        if not any(counts):
            return None  # nothing was reviewed in the earlier version: nothing to offer
        new_work = bool(ws.answers(new.id) or ws.evidence_rows(new.id) or ws.annotation_rows(new.id))
        return CarryOffer(new, old, counts, new_work)
    return job


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class CarryResultDialog(QDialog):
    """What was carried, and every citation or annotation that was not (never silently)."""

    def __init__(self, reference: str, result: ImportedFindings | None, orphans: list[str],
                 parent: QWidget | None = None, *, title: str = "Review carried forward"):
        super().__init__(parent)
        lay = dialog_layout(self, title)
        lay.addWidget(heading(self, title))
        if result is not None:
            lay.addWidget(label(f"Case {reference}: carried into the new version: "
                                f"{_plural(result.answers, 'answer')}, {_plural(result.evidence, 'evidence citation')} "
                                f"and {_plural(result.annotations, 'annotation')}.", "muted"))
        self.orphans = list(orphans)
        if self.orphans:
            n = len(self.orphans)
            self.summary = label(f"{_plural(n, 'item')} could not be carried forward. Check each one against the "
                                 "corrected documents and cite or annotate again where it still matters:", "warning")
        else:
            self.summary = label("Everything was carried forward: no citation or annotation was orphaned.")
        lay.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setAccessibleName("Orphaned citations and annotations")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.addItems(self.orphans)
        self.list.setVisible(bool(self.orphans))
        lay.addWidget(self.list, 1)
        if self.orphans:
            lay.addWidget(label("This list is kept with the case; the change history records the carry-forward.",
                                "muted"))
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        lay.addLayout(button_row(close))
        self.resize(620, 440 if self.orphans else 220)


class CarryForward(QObject):
    """The offer, the background carry and the result; dialogs are attributes while they are open.

    ``carried(case_id, ImportedFindings)`` after the review was carried (refresh the review panel);
    ``finished()`` when the offer is over, whether accepted, declined or not needed.
    """

    carried = Signal(str, object)
    finished = Signal()

    def __init__(self, runner: WorkspaceRunner, new_case_id: str, bundle_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.new_case_id, self.bundle_id, self.window = runner, new_case_id, bundle_id, parent
        self.offer: CarryOffer | None = None
        self.question: QMessageBox | None = None
        self.busy_dialog: QDialog | None = None
        self.result_dialog: CarryResultDialog | None = None
        self.message_box: QMessageBox | None = None
        self.result: ImportedFindings | None = None

    def start(self) -> None:
        self.runner.submit(_offer_job(self.new_case_id, self.bundle_id), self._offered, self._fail)

    def _offered(self, offer: CarryOffer | None) -> None:
        if offer is None:
            self.finished.emit()
            return
        self.offer = offer
        answers, cites, notes = offer.old_counts
        state = (f"signed on {human_time(offer.old.signed_at)}" if offer.old.status == "signed" and offer.old.signed_at
                 else "not signed")
        info = (f"Your review of version {offer.old.version} ({state}) has {_plural(answers, 'answer')}, "
                f"{_plural(cites, 'evidence citation')} and {_plural(notes, 'annotation')}.\n\n"
                "Answers are copied. Citations and annotations are copied only where the document is unchanged and "
                "the quoted text is still there; you will see a list of every one that is not.")
        if offer.new_has_work:
            info += "\n\nWhat you have already done in this version will be replaced."
        box = message_box(self.window, QMessageBox.Question, "Carry the review forward?",
                          f"This is version {offer.new.version} of case {offer.new.reference}. "
                          f"Carry your review of version {offer.old.version} forward?", info)
        self.carry_button = box.addButton("Carry forward", QMessageBox.AcceptRole)
        self.afresh_button = box.addButton("Start afresh", QMessageBox.RejectRole)
        box.setDefaultButton(self.carry_button)
        box.finished.connect(lambda _r: self._answered(box))
        self.question = box
        box.open()

    def _answered(self, box: QMessageBox) -> None:
        if box.clickedButton() is not self.carry_button:
            self.finished.emit()
            return
        self.carry()

    def carry(self) -> None:
        assert self.offer is not None
        old_id, new_id = self.offer.old.id, self.offer.new.id
        self.busy_dialog = _busy(self.window, "Carrying the review forward…")
        self.runner.submit(lambda ws: carry_forward_from_case(ws, old_id, new_id), self._carried, self._fail)

    def _carried(self, result: ImportedFindings) -> None:
        self._close_busy()
        self.result = result
        assert self.offer is not None
        self.carried.emit(self.offer.new.id, result)
        self.result_dialog = CarryResultDialog(self.offer.new.reference, result, list(result.orphans), self.window)
        self.result_dialog.finished.connect(lambda _r: self.finished.emit())
        self.result_dialog.open()

    def _fail(self, error: CaseViewError) -> None:
        self._close_busy()
        box = message_box(self.window, QMessageBox.Warning, "Review not carried forward",
                          "The review was not carried forward.", f"{error}\n\nNothing in the new version was changed.")
        box.finished.connect(lambda _r: self.finished.emit())
        self.message_box = box
        box.open()

    def _close_busy(self) -> None:
        if self.busy_dialog is not None:
            self.busy_dialog.done(QDialog.Accepted)
            self.busy_dialog = None


def _busy(parent: QWidget | None, text: str) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("CaseView")
    dialog.setWindowModality(Qt.WindowModal)
    lay = QVBoxLayout(dialog)
    lay.setContentsMargins(style.GAP, style.GAP, style.GAP, style.GAP)
    lay.addWidget(label(text))
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMinimumWidth(320)
    lay.addWidget(bar)
    dialog.open()
    return dialog


def offer_carry_forward(parent: QWidget | None, runner: WorkspaceRunner, new_case_id: str,
                        bundle_id: str) -> CarryForward:
    """After importing a case: if an earlier version of the bundle was reviewed, offer to carry that review forward.

    Returns the controller at once; it asks only when there is something to carry (else it just emits
    ``finished``). Connect ``carried`` to refresh the review.
    """
    flow = CarryForward(runner, new_case_id, bundle_id, parent)
    flow.start()
    return flow


def show_orphans(parent: QWidget | None, runner: WorkspaceRunner, case_id: str) -> None:
    """Show the orphans recorded for a case (e.g. from Review → Orphaned citations…)."""
    def job(ws: Workspace):
        return ws.case(case_id).reference, [str(r["detail"]) for r in ws.orphan_rows(case_id)]

    def done(found) -> None:
        reference, orphans = found
        dialog = CarryResultDialog(reference, None, orphans, parent, title="Not carried forward")
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()

    runner.submit(job, done)
