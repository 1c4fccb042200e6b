"""Collect throughput and memory: N signed reports (generated once, cached), reports/s per worker count, peak RSS.

    python -m bench.collect_bench --reports 10000 [--cache bench/out/collect] [--jobs 1,2]

Not a test: timings never live in the tests. Reports are small outcome reviews (one page,
four items, three claims), each signed by one generated identity that the run trusts.
The peak RSS is the largest single process of the run (the parent's VmHWM or a worker's
ru_maxrss), measured in the child that runs the collect.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "bench passphrase 1"


def _identity(cache: Path) -> Path:
    from caseview.core.identity import create_identity

    p12 = cache / "reviewer.p12"
    if not p12.exists():
        create_identity(p12, name="Bench Reviewer", organisation="Bench Reviews", email="bench@example.org",
                        passphrase=PASSPHRASE, write_cert_pem=True)
    return p12


def _sign_range(cache: str, start: int, stop: int) -> int:
    sys.path.insert(0, str(ROOT))
    from caseview.core.identity import open_identity
    from caseview.core.signing import sign_report
    from tests.core import collect_fixtures as C
    from tests.core import pdf_fixtures as F

    ident = open_identity(Path(cache) / "reviewer.p12", PASSPHRASE)
    made = 0
    for i in range(start, stop):
        out = Path(cache) / "reports" / f"r{i:05d}.pdf"
        if out.exists():
            continue
        bundle_id = f"urn:uuid:bench-{i:05d}"
        fp = C._fp(bundle_id)
        month = 1 + i % 12
        data = json.dumps(C.findings(bundle_id=bundle_id, reference=f"BN-{i:05d}", fingerprint=fp,
                                     completed=f"2026-{month:02d}-15T10:00:00Z", judgement=1 + i % 4),
                          ensure_ascii=False).encode()
        tmp = out.with_suffix(".part")
        sign_report(F.report_pdf(fingerprint=fp, case_reference=f"BN-{i:05d}", bundle_id=bundle_id, pages=1), tmp,
                    identity=ident, findings=data, reviewer_box=F.REVIEWER_BOX, moderator_box=F.MODERATOR_BOX)
        os.replace(tmp, out)
        made += 1
    return made


def generate(cache: Path, n: int, jobs: int) -> None:
    (cache / "reports").mkdir(parents=True, exist_ok=True)
    _identity(cache)
    step = 250
    with ProcessPoolExecutor(jobs) as pool:
        made = sum(pool.map(_sign_range, [str(cache)] * ((n + step - 1) // step), range(0, n, step),
                            [min(s + step, n) for s in range(0, n, step)]))
    print(f"generated {made} new reports ({n} cached in {cache / 'reports'})", file=sys.stderr)


def _run(cache: Path, n: int, db: Path, jobs: int) -> tuple[float, int]:
    """(seconds, peak RSS in MiB) of one collect over the first ``n`` reports, in a fresh child process."""
    folder = cache / f"set-{n}"
    if not folder.exists():
        folder.mkdir()
        for i in range(n):
            os.link(cache / "reports" / f"r{i:05d}.pdf", folder / f"r{i:05d}.pdf")
    script = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
              "from pathlib import Path\n"
              "from caseview.core.collect import collect\n"
              "from caseview.core.identity import load_certificate_pem\n"
              "from caseview.core.trust import TrustRoles\n"
              f"t = TrustRoles(any_role=(load_certificate_pem(Path({str(cache / 'reviewer.pem')!r})),))\n"
              "s = time.perf_counter()\n"
              f"r = collect([Path({str(folder)!r})], Path({str(db)!r}), trust=t, jobs={jobs})\n"
              "import resource\n"
              # this process's own peak is VmHWM: ru_maxrss carries across exec, so a child of the (large) bench
              # process would report the bench's size; its workers' ru_maxrss start from this (small) process
              "hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
              "rss = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
              "print(time.perf_counter() - s, r.counts['accepted'], rss)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    seconds, accepted, rss_kib = out.stdout.split()
    assert int(accepted) == n, out.stdout
    return float(seconds), int(rss_kib) // 1024


def bench_collect(ctx) -> list:
    """For ``python -m bench``: 10,000 reports at full scale (1,000 with --quick), both worker counts."""
    from .common import Row
    from .stats import summary

    n = 1000 if ctx.quick else 10000
    cache = ROOT / "bench" / "out" / "collect"
    generate(cache, n, os.cpu_count() or 1)
    rows = []
    for jobs in (1, 2):
        db = cache / f"evidence-{n}-{jobs}.sqlite"
        firsts, agains, peaks = [], [], []
        for _ in range(1 if n >= 10000 else min(ctx.runs, 3)):  # one collect of 10,000 reports is minutes
            for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                p.unlink(missing_ok=True)
            seconds, rss = _run(cache, n, db, jobs)
            again, _ = _run(cache, n, db, jobs)
            firsts.append(n / seconds)
            agains.append(again)
            peaks.append(rss)
        rate = summary(firsts)
        rows.append(Row("collect", "7", f"collect {n:,} signed reports, {jobs} worker{'s' if jobs > 1 else ''}",
                        "reports/s", rate, target="≥ 50 reports/s on both cores" if jobs == 2 else "",
                        met=(rate["median"] >= 50) if jobs == 2 else None,
                        note=f"peak RSS {max(peaks)} MiB (largest process); re-run over the same folder, nothing "
                             f"new: {summary(agains)['median']:.2f} s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=10000)
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / "out" / "collect")
    ap.add_argument("--jobs", default="1,2")
    args = ap.parse_args(argv)
    generate(args.cache, args.reports, os.cpu_count() or 1)
    results = []
    for jobs in [int(j) for j in args.jobs.split(",")]:
        db = args.cache / f"evidence-{args.reports}-{jobs}.sqlite"
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
        seconds, rss = _run(args.cache, args.reports, db, jobs)
        again, _ = _run(args.cache, args.reports, db, jobs)  # incremental: nothing new to verify
        results.append({"reports": args.reports, "jobs": jobs, "seconds": round(seconds, 2),
                        "reports_per_second": round(args.reports / seconds, 1), "peak_rss_mib": rss,
                        "rerun_seconds": round(again, 2)})
        print(json.dumps(results[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
