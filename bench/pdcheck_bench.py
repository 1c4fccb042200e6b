"""The personal-data check's cost (issue 16: at most 10% of the case's import).

The check runs inside the import, in the workers beside PDFium, so its cost is what it adds to the import:
the same bundle imported with and without it, runs alternating, on both case shapes. For information, the
check run on its own over the stored text (as for a case imported before the check existed).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from .common import Ctx, Row, child, ensure_workspace
from .import_bench import light_bundle
from .stats import summary


def _fresh() -> Path:
    return Path(tempfile.mkdtemp(prefix="cv-pd-")) / "ws"


def bench_pdcheck(ctx: Ctx) -> list[Row]:
    rows = []
    for shape, g in (("dense", ctx.bundle()), ("light", light_bundle(ctx))):
        with_check, without = [], []
        cpu: dict[str, list[float]] = {"check": [], "no-check": []}
        runs = ctx.runs  # pairs: ten imports per shape; the full-scale dense one is the longest benchmark
        for i in range(runs):
            ctx.log(f"  import with and without the check, run {i + 1}/{runs} ({shape}) …")
            for check, out in (("check", with_check), ("no-check", without)):
                ws = _fresh()
                r = child("import", g.bundle, ws, check)
                out.append(r["seconds"])
                cpu[check].append(sum(r["cpu_seconds"].values()))
                shutil.rmtree(ws.parent, ignore_errors=True)
        w, wo = summary(with_check), summary(without)
        share = (w["median"] - wo["median"]) / wo["median"]
        cw, cwo = summary(cpu["check"])["median"], summary(cpu["no-check"])["median"]
        ctx.extra[f"pdcheck_cpu_seconds_{shape}"] = cpu
        rows.append(Row("pdcheck", "16", f"Import with the personal-data check, {shape}: {g.total_pages:,} pages",
                        "s", w, baseline_name="the same import without it", baseline=wo, ratio=1 + share,
                        ratio_label="with / without", target="check ≤ 10% of import", met=share <= 0.10,
                        note=f"the check adds {share:+.1%} ({w['median'] - wo['median']:+.2f} s); runs alternate; "
                             f"CPU of parent and workers (median) {cw:.1f} s with, {cwo:.1f} s without: "
                             f"{cw - cwo:+.2f} s ({(cw - cwo) / cwo:+.1%})"))
    rows.append(_standalone(ctx))
    return rows


def _standalone(ctx: Ctx) -> Row:
    from caseview.core.pdcheck import run_check
    from caseview.core.store import Workspace

    ensure_workspace(ctx)
    g = ctx.bundle()
    times, found = [], 0
    for _ in range(ctx.runs):
        copy = Path(tempfile.mkdtemp(prefix="cv-pdcheck-")) / "ws"
        shutil.copytree(ctx.ws_path, copy)
        with Workspace(copy, backup=False) as ws:
            t = time.perf_counter()
            found = len(run_check(ws, ctx.case_id).findings)
            times.append(time.perf_counter() - t)
        shutil.rmtree(copy.parent, ignore_errors=True)
    s = summary(times)
    return Row("pdcheck", "16", f"The check alone over the stored text, {g.total_pages:,} pages (information)", "s",
               s, note=f"{g.total_pages / s['median']:,.0f} pages/s; {found} possible identifiers in the synthetic "
                       "prose; one process, reading the page text stored at import")
