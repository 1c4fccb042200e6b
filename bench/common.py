"""What every benchmark shares: paths, the result row, the run context, and running a child process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .generate import OUT, Generated, Spec, generate

REPO = Path(__file__).resolve().parent.parent
WORK = OUT / "work"
PY = sys.executable

# The query set: what reviewers type. Frequencies over the synthetic prose range from most pages to a handful.
QUERIES = [
    "child", "school", "mother", "bruise", "attendance", "neglect", "dentist", "kitten",
    '"seen alone"', '"strategy discussion"', '"domestic abuse"', '"no food at home"',
    "neglect*", "assess*", "exploit*",
    "bruise AND school", "alcohol OR drugs", "visit NOT telephone", "(bruise OR injury) AND nursery",
    "trampoline", '"county lines"', "radicalisation", "MASH-44882", "zebra",
]
CLI_QUERIES = ["bruise", "trampoline"]  # a common word and a rare one; pdfgrep does the same with -i


@dataclass
class Row:
    bench: str
    item: str  # the item number
    metric: str
    unit: str  # "s", "MiB", "pages/s"
    caseview: dict | None
    baseline_name: str = ""
    baseline: dict | None = None
    ratio: float | None = None
    ratio_label: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Ctx:
    quick: bool
    runs: int
    spec: Spec
    log: Callable[[str], None] = print
    gen: Generated | None = None
    ws_path: Path | None = None
    case_id: str | None = None
    extra: dict = field(default_factory=dict)

    def bundle(self) -> Generated:
        if self.gen is None:
            self.gen = generate(self.spec, log=self.log)
        return self.gen


# -- helpers -------------------------------------------------------------------------------

def child(*args: str, timeout: float = 3600) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    p = subprocess.run([PY, "-m", "bench.child", *map(str, args)], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"bench.child {args[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def timed_run(cmd: list[str], *, cwd: Path = REPO, env: dict | None = None, ok=(0,)) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of one command, output discarded.

    The RSS comes from /usr/bin/time (when present) because Linux carries ru_maxrss across exec: measured directly,
    a child of this (large) process would report this process's size. /usr/bin/time adds ~1 ms to the wall time.
    """
    rss_file = WORK / ".rss"
    rss_file.parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout has no bench/out/work yet
    wrap = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    p = subprocess.Popen(wrap + cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss / 1024
    if wrap:
        try:
            rss = int(rss_file.read_text().strip().splitlines()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            rss = float("nan")
    if p.returncode not in ok:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {' '.join(map(str, cmd))[:300]}")
    return dt, rss


def rm(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def ensure_workspace(ctx: Ctx) -> None:
    """The imported case the search, open and memory benchmarks use (imported once if the import bench did not)."""
    if ctx.case_id:
        return
    g = ctx.bundle()
    ws = WORK / g.spec.key / "ws"
    info = ws / "bench-case.json"
    if info.exists():
        data = json.loads(info.read_text())
        if data.get("fingerprint") == g.fingerprint:
            ctx.ws_path, ctx.case_id = ws, data["case_id"]
            return
    rm(ws)
    ctx.log(f"importing {g.bundle.name} ({g.total_pages} pages) for the search benchmarks …")
    r = child("import", g.bundle, ws)
    _adopt_workspace(ctx, ws, r["case_id"])


def _adopt_workspace(ctx: Ctx, ws: Path, case_id: str) -> None:
    (ws / "bench-case.json").write_text(json.dumps({"fingerprint": ctx.bundle().fingerprint, "case_id": case_id}))
    ctx.ws_path, ctx.case_id = ws, case_id
