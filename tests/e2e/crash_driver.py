"""Run the real review window on a workspace and make changes through its widgets until killed.

    python tests/e2e/crash_driver.py WORKSPACE CASE_ID SEED

Used by ``test_crash_recovery.py``, which kills this process with SIGKILL at
random moments. One JSON line per event on stdout, flushed at once:

- ``{"event": "ready"}`` once the case is shown;
- ``{"event": "intent", ...}`` just before a change is made (it may or may not be committed when the kill comes);
- ``{"event": "saved", ...}`` only once the controller has said "Saved" for it and nothing is in flight, so
  the change is committed: the test holds the workspace to every one of these.

Changes are answers (radio buttons, scale levels), typed text (key events in the
form's text fields) and citations (a passage selected in the viewer, then the
Cite button). There is no render client: citations use the bundle's text note,
which the viewer lays out itself.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TEXT_DOC = "DOC04"  # the demo's case notes (text/plain): selectable without the PDF engine


def emit(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    root, case_id, seed = Path(argv[0]), argv[1], int(argv[2])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from caseview.app import AppController, create_application
    from caseview.core.frameworks import CASE
    from caseview.ui.tasks import WorkspaceRunner
    from tests.e2e.journey_driver import Journey, plain_wait

    app = create_application()
    wait = plain_wait(app)
    runner = WorkspaceRunner(root)
    controller = AppController(runner, QSettings(str(root.parent / "driver-settings.ini"), QSettings.IniFormat))
    controller.open_case(case_id)
    wait(lambda: controller.review is not None and controller.review.snapshot is not None, 30)
    w = controller.review
    w.resize(1366, 768)
    w.show()
    j = Journey(w, wait)
    c = j.controller
    saves = [0]
    c.saved.connect(lambda _t: saves.__setitem__(0, saves[0] + 1))
    rng = random.Random(seed)
    ctx = c.context
    items = [i.id for i in c.snapshot.items] + [CASE]
    emit(event="ready")

    def committed(before: int) -> None:
        wait(lambda: saves[0] > before and c.is_idle(), 10)

    n = 0
    while True:
        n += 1
        item_id = rng.choice(items)
        j.click_item(item_id)
        questions = [q for q in ctx.questions(item_id) if q.type in ("choice", "scale", "text")]
        kind = rng.choice(["answer", "answer", "text", "cite"] if item_id != CASE else ["answer", "text"])
        before = saves[0]
        if kind == "cite":
            w.open_at(TEXT_DOC, rng.randint(1, 3))
            page = w.viewer.current_page()
            text = w.viewer.model.page_text(page)
            lines = [ln for ln in text.split("\n") if len(ln.strip()) > 20]
            line = rng.choice(lines).strip()
            start = text.index(line)
            w.viewer.select_text(page, start, start + len(line))
            known = {e.id for e in c.state.evidence}
            emit(event="intent", kind="cite", item=item_id, page=page, exact=line)
            QTest.mouseClick(j.panel.form.cite_button, Qt.LeftButton)
            committed(before)
            new = [e for e in c.state.evidence if e.id not in known]
            assert len(new) == 1, new
            e = new[0]
            emit(event="saved", kind="cite", id=e.id, item=e.item_id, doc=e.anchor.doc_id, page=e.anchor.page,
                 exact=e.anchor.exact)
            continue
        pool = [q for q in questions if (q.type == "text") == (kind == "text")] or questions
        q = rng.choice(pool)
        editor = j.panel.block(q.id).editor
        current = c.answer(item_id, q.id)
        if q.type == "choice":
            value = rng.choice([o for o in q.options if o != current])
            emit(event="intent", kind="answer", item=item_id, question=q.id, value=value)
            QTest.mouseClick(editor.button_for(value), Qt.LeftButton)
        elif q.type == "scale":
            value = rng.choice([lv.value for lv in editor.levels if lv.value != current])
            emit(event="intent", kind="answer", item=item_id, question=q.id, value=value)
            QTest.mouseClick(editor.button_for(value), Qt.LeftButton)
        else:
            words = f"change {seed}.{n}"
            old = editor.edit.toPlainText()
            value = (old + " " + words) if old else words
            emit(event="intent", kind="answer", item=item_id, question=q.id, value=value)
            editor.edit.setFocus(Qt.OtherFocusReason)
            editor.edit.moveCursor(editor.edit.textCursor().MoveOperation.End)
            QTest.keyClicks(editor.edit, value[len(old):])
            editor.flush()
        committed(before)
        stored = c.answer(item_id, q.id)
        assert stored == value, (stored, value)
        emit(event="saved", kind="answer", item=item_id, question=q.id, value=value)
        time.sleep(rng.uniform(0, 0.05))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
