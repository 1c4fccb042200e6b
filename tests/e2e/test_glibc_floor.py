"""The Linux build's glibc floor, read from dist/caseview with ``objdump -T``: 2.35, so Ubuntu 22.04 runs it.

The wheels are manylinux_2_34; libpython (built on this machine) asks for
GLIBC_2.35 (``hypot``). The build machine's libstdc++, libgcc_s and libexpat,
which would ask for 2.36, are left out by build.spec: the laptop's own are used,
and nothing shipped asks for more than GCC 11's libstdc++ (GLIBCXX_3.4.29), which
Ubuntu 22.04 (3.4.30) and RHEL 9 (3.4.29) have. Not run on an older system here:
these machines have no container runtime (docker has no daemon) and no older
distribution, so the floor is read from the binaries, not tried.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "caseview"
FLOOR = (2, 35)  # Ubuntu 22.04
LIBSTDCXX_FLOOR = (3, 4, 29)  # GCC 11: RHEL 9; Ubuntu 22.04 has 3.4.30

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux build's glibc"),
    pytest.mark.skipif(not (DIST / "caseview").is_file(), reason="dist/caseview is not built; run `make dist`"),
    pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump (binutils)"),
]


def _elf_files() -> list[Path]:
    out = []
    for p in DIST.rglob("*"):
        if p.is_file() and not p.is_symlink():
            with p.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(p)
    return out


def _versions(kind: str) -> dict[tuple[int, ...], list[str]]:
    needed: dict[tuple[int, ...], list[str]] = {}
    files = _elf_files()
    assert len(files) > 50
    for chunk in range(0, len(files), 100):
        part = files[chunk:chunk + 100]
        dump = subprocess.run(["objdump", "-T", *map(str, part)], capture_output=True, text=True).stdout
        current = ""
        for line in dump.splitlines():
            if line.endswith("file format elf64-x86-64") or ":     file format" in line:
                current = line.split(":")[0]
            for v in re.findall(rf"\b{kind}_(\d+(?:\.\d+)+)\b", line):
                if "*UND*" in line:
                    needed.setdefault(tuple(map(int, v.split("."))), []).append(Path(current).name)
    return needed


def test_nothing_shipped_needs_a_glibc_newer_than_2_35():
    needed = _versions("GLIBC")
    too_new = {v: sorted(set(f))[:5] for v, f in needed.items() if v > FLOOR}
    assert too_new == {}, f"files asking for glibc newer than {FLOOR}: {too_new}"
    assert max(needed) == FLOOR  # if this drops, docs/install.md can name older distributions


def test_the_system_libraries_left_out_are_not_asked_beyond_gcc_11():
    shipped = {p.name for p in DIST.rglob("*")}
    assert not {"libstdc++.so.6", "libgcc_s.so.1", "libexpat.so.1"} & shipped
    needed = _versions("GLIBCXX")
    assert needed and max(needed) <= LIBSTDCXX_FLOOR, max(needed)
