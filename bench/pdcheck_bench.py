"""The personal-data check over the synthetic case (issue 16: at most 10% of the case's import time)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from .common import Ctx, Row, child, ensure_workspace
from .stats import summary


def bench_pdcheck(ctx: Ctx) -> list[Row]:
    from caseview.core.pdcheck import run_check
    from caseview.core.store import Workspace

    ensure_workspace(ctx)
    g = ctx.bundle()
    imports = [child("import", g.bundle, Path(tempfile.mkdtemp(prefix="cv-pd-")) / "ws")["seconds"]
               for _ in range(max(1, min(ctx.runs, 3)))]
    times, found = [], 0
    for _ in range(ctx.runs):
        copy = Path(tempfile.mkdtemp(prefix="cv-pdcheck-")) / "ws"
        shutil.copytree(ctx.ws_path, copy)
        with Workspace(copy, backup=False) as ws:
            t = time.perf_counter()
            found = len(run_check(ws, ctx.case_id).findings)
            times.append(time.perf_counter() - t)
        shutil.rmtree(copy.parent, ignore_errors=True)
    s, imp = summary(times), summary(imports)
    share = s["median"] / imp["median"]
    return [Row("pdcheck", "16", f"Personal-data check of the {g.total_pages:,}-page case (after import)", "s", s,
                baseline_name="its import", baseline=imp, ratio=share, ratio_label="check / import",
                target="≤ 10% of import", met=share <= 0.10,
                note=f"{g.total_pages / s['median']:,.0f} pages/s; {found} possible identifiers in the synthetic "
                     "prose; reads the page text stored at import, one transaction to store the findings")]
