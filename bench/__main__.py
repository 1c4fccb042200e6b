"""``make bench`` / ``python -m bench``: every benchmark, CaseView beside its baseline, in one run.

    python -m bench                  full scale: 2,000 documents / 20,000 pages
    python -m bench --quick          200 documents / 2,000 pages
    python -m bench --only search    one benchmark (or several: --only import,search)
    python -m bench --runs 7         runs per figure (default 5; median with min–max)

Benchmarks: check, import, open, search, cli, render, report, moderation, start, rss (engine side for open,
render and rss), and in the app's real window: viewer-open (start screen → first page painted), viewer-render
(go to a page at 100%/200%, scroll a 500-page PDF) and viewer-rss (peak RSS of the app and its render
worker with the case open and searched); see bench/app_bench.py.
Writes bench/out/results.json and bench/out/results.md (a markdown table; the
published copy with the machine and commentary is docs/benchmarks.md). Needs
poppler-utils and pdfgrep for the baselines. Timings never live in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone

from .collect_bench import bench_collect
from .generate import OUT, Spec
from .moderation_bench import bench_moderation
from .stats import fmt_summary
from .suite import BENCHES, Ctx, Row, machine

# Registered here, not in suite.py: it reuses the report benchmark's signed case (bench/moderation_bench.py).
BENCHES["moderation"] = bench_moderation
BENCHES["collect"] = bench_collect  # 10,000 signed reports, generated once and cached (about an hour)

FULL = Spec(2000, 20000)
QUICK = Spec(200, 2000)


def _ratio(r: Row) -> str:
    if r.ratio is None:
        return ""
    return f"{r.ratio:.2f}× ({r.ratio_label})"


def _met(r: Row) -> str:
    return {True: "yes", False: "**NO**", None: "—"}[r.met]


def table(rows: list[Row]) -> str:
    out = ["| # | Measure | CaseView median (min–max) | Baseline | Baseline median (min–max) | Ratio | Target | Met |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cv = fmt_summary(r.caseview, r.unit) if r.caseview else ("not yet measurable" if r.bench == "start" else "—")
        out.append(f"| {r.item} | {r.metric} | {cv} | {r.baseline_name or '—'} | "
                   f"{fmt_summary(r.baseline, r.unit) if r.baseline else '—'} | {_ratio(r)} | {r.target or '—'} | "
                   f"{_met(r)} |")
    return "\n".join(out)


def notes(rows: list[Row]) -> str:
    return "\n".join(f"- **{r.metric}**: {r.note}" for r in rows if r.note)


# The tools the figures are measured beside, and the Debian packages that bring them.
BASELINE_TOOLS = {"pdftotext": "poppler-utils", "pdftoppm": "poppler-utils", "pdfgrep": "pdfgrep", "unzip": "unzip"}


def missing_tools() -> str | None:
    """A sentence naming the baseline tools that are not installed, or None when all are."""
    import shutil

    missing = [tool for tool in BASELINE_TOOLS if shutil.which(tool) is None]
    if not missing:
        return None
    packages = sorted({BASELINE_TOOLS[t] for t in missing})
    return (f"The benchmarks compare CaseView with {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed: install the Debian package{'s' if len(packages) > 1 else ''} {' '.join(packages)} "
            f"(sudo apt-get install {' '.join(packages)}) and run again.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description="CaseView benchmarks (see docs/benchmarks.md)")
    ap.add_argument("--quick", action="store_true", help="200 documents / 2,000 pages instead of 2,000 / 20,000")
    ap.add_argument("--only", metavar="NAME[,NAME]", help="run only these: " + ", ".join(BENCHES))
    ap.add_argument("--runs", type=int, default=5, help="runs per figure (at least 5 for published figures)")
    a = ap.parse_args(argv)
    names = list(BENCHES)
    if a.only:
        names = [n.strip() for n in a.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHES]
        if unknown:
            ap.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sentence = missing_tools()
    if sentence:
        print(f"error: {sentence}", file=sys.stderr)
        return 2

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    ctx = Ctx(quick=a.quick, runs=max(1, a.runs), spec=QUICK if a.quick else FULL, log=log)
    started = time.time()
    g = ctx.bundle()
    log(f"bundle: {g.documents:,} documents, {g.total_pages:,} pages ({g.pdf_pages:,} PDF pages), "
        f"{g.bundle_bytes / 1e6:.0f} MB, generated in {g.generate_seconds:.0f} s (cached after the first time)")
    rows: list[Row] = []
    errors: dict[str, str] = {}
    timings: dict[str, float] = {}
    loads: dict[str, tuple[float, float]] = {}  # 1-minute load average before/after: other work on the machine
    for name in names:
        log(f"== {name}")
        t = time.time()
        load_before = os.getloadavg()[0]
        try:
            got = BENCHES[name](ctx)
        except Exception as exc:  # one failing benchmark must not lose the others' figures
            import traceback

            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        timings[name] = round(time.time() - t, 1)
        loads[name] = (round(load_before, 2), round(os.getloadavg()[0], 2))
        rows += got
        for r in got:
            log(f"   {r.metric}: {fmt_summary(r.caseview, r.unit) if r.caseview else 'n/a'}"
                + (f" | {r.baseline_name}: {fmt_summary(r.baseline, r.unit)}" if r.baseline else "")
                + (f" | {_ratio(r)}" if r.ratio is not None else "")
                + (f" | target {r.target}: {_met(r)}" if r.target else ""))
    OUT.mkdir(parents=True, exist_ok=True)
    scale = "quick" if a.quick else "full"
    result = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scale": scale, "runs": ctx.runs, "benchmarks": names, "seconds": round(time.time() - started, 1),
        "seconds_per_benchmark": timings,
        "load_average_before_after": loads, "machine": machine(), "bundle": g.to_json(),
        "rows": [asdict(r) for r in rows], "errors": errors, "extra": ctx.extra,
    }
    suffix = "" if not a.only else "-" + "-".join(names)
    (OUT / f"results{suffix}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = (f"# CaseView benchmark results ({scale} scale, {result['when']})\n\n"
          f"Bundle: {g.documents:,} documents, {g.total_pages:,} pages; {ctx.runs} runs per figure; "
          f"took {result['seconds']:.0f} s. 1-minute load average before/after each benchmark (2 cores: "
          f"above ~1 means other work shared the machine): "
          f"{', '.join(f'{k} {v[0]}/{v[1]}' for k, v in loads.items())}.\n\n{table(rows)}\n\n{notes(rows)}\n")
    if errors:
        md += "\nFailed: " + "; ".join(f"{k}: {v}" for k, v in errors.items()) + "\n"
    (OUT / f"results{suffix}.md").write_text(md, encoding="utf-8")
    print(table(rows))
    print()
    print(notes(rows))
    if errors:
        print("\nFAILED: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    print(f"\nwritten: {OUT / f'results{suffix}.json'}, {OUT / f'results{suffix}.md'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
