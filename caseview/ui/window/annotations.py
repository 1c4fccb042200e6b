"""The review window's annotations: highlight a selection with a note, edit, remove, and show them in the viewer.

Every change goes through the review controller (``ReviewController.submit``),
so highlights share the answers' undo stack and "Saved"; the lists refresh from
the controller's state whenever its annotations change (a write, an undo, a redo).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from ...core.review import AddAnnotation, Anchor, Annotation, EditAnnotation, RemoveAnnotation, new_id
from ...core.store import now_utc
from .. import style
from .docks import HighlightDialog
from ..models import annotation_views

__all__ = ["AnnotationsMixin"]


class AnnotationsMixin:
    """Mixed into :class:`~caseview.ui.window.main_window.ReviewWindow` (which has the viewer, panels and controller)."""

    def _viewer_annotations(self, doc_id: str) -> list[tuple[Anchor, QColor]]:
        return [(v.anchor, style.tag_colour(v.annotation.tag, 110)) for v in self.annotations
                if v.anchor.doc_id == doc_id and not v.orphaned]

    def highlight_selection(self) -> None:
        if self.snapshot is None or self._read_only:
            return
        anchor = self.viewer.selection()
        if anchor is None:
            self.statusBar().showMessage("Select some text in the document first, then press Ctrl+H.", 5000)
            return
        dialog = HighlightDialog(anchor.exact, parent=self)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.accepted.connect(lambda: self.add_annotation(anchor, *dialog.values()))
        dialog.open()

    def add_annotation(self, anchor: Anchor, note: str, tag: str) -> None:
        annotation = Annotation(new_id("A"), anchor, note, tag, now_utc())
        self._write(AddAnnotation(annotation), select=annotation.id)

    def edit_annotation(self, annotation_id: str) -> None:
        view = self.annotations_panel.annotation(annotation_id)
        if view is None or self._read_only:
            return
        a = view.annotation
        dialog = HighlightDialog(a.anchor.exact, a.note, a.tag, editing=True, parent=self)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.accepted.connect(lambda: self._write(EditAnnotation(a.id, *dialog.values()), select=a.id))
        dialog.open()

    def remove_annotation(self, annotation_id: str, *, confirm: bool = True) -> None:
        view = self.annotations_panel.annotation(annotation_id)
        if view is None or self._read_only:
            return
        if confirm:
            box = QMessageBox(QMessageBox.Question, "Remove highlight",
                              f"Remove the highlight on {view.ref} and its note?",
                              QMessageBox.Cancel, self)
            remove = box.addButton("Remove", QMessageBox.DestructiveRole)
            box.setDefaultButton(QMessageBox.Cancel)
            box.setWindowModality(Qt.WindowModal)
            box.finished.connect(lambda *_: box.clickedButton() is remove and self._write(RemoveAnnotation(annotation_id)))
            box.open()
            return
        self._write(RemoveAnnotation(annotation_id))

    def _write(self, command, select: str | None = None) -> None:
        """An annotation change: through the review controller, so it joins the answers' undo stack."""
        if self.snapshot is None:
            return
        self._select_after = select
        self.review_controller.submit(command)

    def refresh_annotations(self) -> None:
        """The controller's annotations changed (a write, an undo, a redo): resolve them again and show them."""
        snap = self.snapshot
        if snap is None:
            return
        self._annotation_serial += 1
        serial, case_id, documents = self._annotation_serial, snap.case.id, snap.documents
        annotations = self.review_controller.state.annotations

        def done(views) -> None:
            if serial != self._annotation_serial or self.snapshot is None or self.snapshot.case.id != case_id:
                return
            self.annotations = views
            self.annotations_panel.set_annotations(views)
            select, self._select_after = self._select_after, None
            if select and any(v.annotation.id == select for v in views):
                self.annotations_panel.select(select)
            if self.doc_id:
                self.viewer.set_annotations(self._viewer_annotations(self.doc_id))

        self.runner.submit(lambda ws: tuple(annotation_views(ws, case_id, annotations, documents)), done)
