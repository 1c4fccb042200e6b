"""Import + index on two case shapes, beside pdftotext run over the same PDFs in the same run (issue 17, item 1).

The dense shape is the synthetic case (full A4 pages of prose, ~4,600 characters, compressed content);
the light one is the shape another tool wrote from the spec (300 documents, 205 PDFs of 30 pages, 48 short
lines a page, uncompressed content streams), where PDFium's per-page cost weighs most. The personal-data
check runs inside the import (its cost alone is bench/pdcheck_bench.py).
"""

from __future__ import annotations

import os
import resource
import subprocess
import time

from .child import cpu_of
from .common import WORK, Ctx, Row, _adopt_workspace, child, rm
from .generate import Generated, Spec, generate
from .stats import summary

LIGHT = Spec(300, 6296, 50, 1, "light")  # 205 PDFs x 30 pages + 65 text notes + 30 images
TARGET = 0.7


def light_bundle(ctx: Ctx) -> Generated:
    return generate(LIGHT, log=ctx.log)


def bench_import(ctx: Ctx) -> list[Row]:
    return [*_rows(ctx, ctx.bundle(), "dense", adopt=True), *_rows(ctx, light_bundle(ctx), "light", adopt=False)]


def _rows(ctx: Ctx, g: Generated, shape: str, *, adopt: bool) -> list[Row]:
    pdfs = [str(p) for p in g.pdf_paths()]
    base_dir = WORK / g.spec.key
    base_dir.mkdir(parents=True, exist_ok=True)
    run_ws = base_dir / "import-run"
    txt = base_dir / "pdftotext.txt"
    cv, phases, rss, base, par, cpu, base_cpu = [], [], [], [], [], [], []
    for i in range(ctx.runs):
        rm(run_ws)
        ctx.log(f"  import run {i + 1}/{ctx.runs} ({shape}) …")
        r = child("import", g.bundle, run_ws)
        cv.append(r["seconds"])
        phases.append(r["phases"])
        rss.append((r["maxrss_mib"], r["children_maxrss_mib"]))
        cpu.append(r["cpu_seconds"])
        if adopt and i == ctx.runs - 1:
            final = base_dir / "ws"
            rm(final)
            os.replace(run_ws, final)
            _adopt_workspace(ctx, final, r["case_id"])
        else:
            rm(run_ws)
        t, c = time.perf_counter(), cpu_of(resource.RUSAGE_CHILDREN)  # the pdftotext runs are our children
        for p in pdfs:
            subprocess.run(["pdftotext", p, str(txt)], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        base.append(time.perf_counter() - t)
        base_cpu.append(cpu_of(resource.RUSAGE_CHILDREN) - c)
        # For information: pdftotext on every core (xargs -P), i.e. what "use the cores" buys the baseline too.
        t = time.perf_counter()
        subprocess.run(["xargs", "-0", "-n", "8", "-P", str(os.cpu_count() or 1), "sh", "-c",
                        'for f; do pdftotext "$f" /dev/null; done', "sh"],
                       input="\0".join(pdfs).encode(), check=True, stdout=subprocess.DEVNULL)
        par.append(time.perf_counter() - t)
    txt.unlink(missing_ok=True)
    s, b, bp = summary(cv), summary(base), summary(par)
    ratio = s["median"] / b["median"]
    phase_med = {k: summary([p[k] for p in phases if k in p])["median"] for k in (phases[0] or {})}
    phase_txt = ", ".join(f"{k} {v:.1f} s" for k, v in phase_med.items())
    ctx.extra[f"import_phases_{shape}"] = phases
    return [
        Row("import", "1", f"Import + index, {shape} pages: {g.total_pages:,} pages ({g.pdf_pages:,} in {g.pdfs:,} "
                           f"PDFs), personal-data check included", "s", s,
            "pdftotext, one PDF after another", b, ratio, "CaseView / pdftotext", f"≤ {TARGET}× pdftotext",
            ratio <= TARGET,
            note=f"phases (median): {phase_txt}; peak RSS parent {summary([x[0] for x in rss])['median']:.0f} MiB, "
                 f"largest worker {summary([x[1] for x in rss])['median']:.0f} MiB; CPU (median) parent "
                 f"{summary([x['parent'] for x in cpu])['median']:.1f} s, workers "
                 f"{summary([x['workers'] for x in cpu])['median']:.1f} s, pdftotext "
                 f"{summary(base_cpu)['median']:.1f} s"),
        Row("import", "1", f"Import throughput, {shape}", "pages/s", summary([g.total_pages / x for x in cv]),
            "pdftotext sequential (PDF pages)", summary([g.pdf_pages / x for x in base]),
            (g.total_pages / s["median"]) / (g.pdf_pages / b["median"]), "CaseView / pdftotext"),
        Row("import", "1", f"pdftotext on all cores, {shape} (information)", "s", None,
            f"pdftotext, xargs -P {os.cpu_count()}", bp, s["median"] / bp["median"], "CaseView / parallel pdftotext"),
    ]
