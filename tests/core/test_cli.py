"""The command line: exit codes, one error: line, --json shapes, the case id last, no Qt on this path."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.core.test_issuer_signature import make_cert


def cv(*args, ws=None, input=None):
    env = dict(os.environ)
    if ws is not None:
        env["CASEVIEW_WORKSPACE"] = str(ws)
    return subprocess.run([sys.executable, "-m", "caseview", *map(str, args)], capture_output=True, text=True,
                          env=env, input=input, timeout=120)


def assert_refused(proc, *words):
    assert proc.returncode == 1, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for w in words:
        assert w in lines[0]


def test_check_prints_fingerprint_and_json(factory, tmp_path):
    bundle = factory.build()
    proc = cv("bundle", "check", bundle)
    assert proc.returncode == 0 and "fingerprint: " in proc.stdout
    proc = cv("bundle", "check", bundle, "--json")
    data = json.loads(proc.stdout)
    assert data["valid"] is True and len(data["fingerprint"]) == 64 and data["documents"] == 3


def test_check_refuses_with_one_line(factory, tmp_path):
    m = factory.default_manifest()
    m["documents"][0]["title"] = 5
    folder = factory.folder(m)
    proc = cv("bundle", "build", folder, "-o", tmp_path / "x.cvb")
    assert_refused(proc, "documents[0].title")
    assert not (tmp_path / "x.cvb").exists() and list(tmp_path.glob(".building-*")) == []
    assert_refused(cv("bundle", "check", tmp_path / "missing.cvb"), "no such file")
    (tmp_path / "junk.cvb").write_bytes(b"PK junk")
    assert_refused(cv("bundle", "check", tmp_path / "junk.cvb"), "junk.cvb")


def test_usage_error_exits_2():
    assert cv("bundle", "check").returncode == 2
    assert cv("frobnicate").returncode == 2


def test_import_cases_search_export_purge(factory, tmp_path):
    ws = tmp_path / "ws"
    bundle = factory.build()
    first = cv("import", bundle, ws=ws)
    assert first.returncode == 0, first.stderr
    case_id = first.stdout.strip().splitlines()[-1]
    assert len(case_id) == 12 and "issuer not verified" in first.stderr.lower()
    again = cv("import", bundle, "--workspace", ws)
    assert again.stdout.strip().splitlines()[-1] == case_id
    cases = json.loads(cv("cases", "--json", ws=ws).stdout)
    assert cases[0]["case_id"] == case_id and cases[0]["progress"] == {"done": 0, "total": 3}
    hits = cv("search", case_id, '"not seen alone"', ws=ws)
    assert hits.returncode == 0 and hits.stdout.startswith("B2 ")
    data = json.loads(cv("search", "TS-2026-0001", "hungry", "--json", ws=ws).stdout)
    assert data["hits"][0]["page_ref"] == "A1"
    assert (data["order"], data["offset"], data["hits"][0]["score"]) == ("case", 0, None)
    both = json.loads(cv("search", case_id, "bruise OR seen", "--json", "--order", "relevance", ws=ws).stdout)
    assert both["total"] == 2 and all(isinstance(h["score"], float) for h in both["hits"])
    second = cv("search", case_id, "bruise OR seen", "--limit", "1", "--offset", "1", ws=ws)
    assert second.stdout.startswith("B2 ") and "2 pages match; 2–2 in case order are shown" in second.stdout
    assert cv("search", case_id, "bruise", "--order", "newest", ws=ws).returncode == 2
    assert cv("search", case_id, "bruise", "--limit", "0", ws=ws).returncode == 2
    assert_refused(cv("search", case_id, "(unclosed", ws=ws), "bracket")
    out = tmp_path / "f.json"
    assert cv("findings", "export", case_id, "-o", out, ws=ws).returncode == 0
    assert json.loads(out.read_text())["bundle"]["case_reference"] == "TS-2026-0001"
    assert cv("findings", "import", case_id, out, ws=ws).returncode == 0
    assert_refused(cv("purge", case_id, ws=ws), "--yes")
    assert cv("purge", case_id, "--yes", ws=ws).returncode == 0
    assert json.loads(cv("cases", "--json", ws=ws).stdout) == []
    assert_refused(cv("search", case_id, "x", ws=ws), case_id)


def test_trust_add_list_remove(tmp_path):
    from cryptography.hazmat.primitives import serialization

    _, cert = make_cert()
    pem = tmp_path / "issuer.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ws = tmp_path / "ws"
    added = cv("trust", "add", pem, "--role", "issuer", ws=ws)
    fp = added.stdout.strip().splitlines()[-1]
    assert added.returncode == 0 and len(fp) == 64
    listed = json.loads(cv("trust", "list", "--json", ws=ws).stdout)
    assert listed[0]["fingerprint"] == fp and listed[0]["role"] == "issuer"
    assert cv("trust", "remove", fp, ws=ws).returncode == 0
    assert_refused(cv("trust", "remove", fp, ws=ws), fp)
    (tmp_path / "junk.pem").write_text("nope")
    assert_refused(cv("trust", "add", tmp_path / "junk.pem", ws=ws), "not an X.509 certificate")


@pytest.mark.parametrize("module", ["caseview.core", "caseview.cli", "caseview.core.importer",
                                    "caseview.core.review", "caseview.core.findings", "caseview.core.search"])
def test_core_and_cli_never_import_qt(module):
    code = f"import sys, importlib; importlib.import_module({module!r}); " \
           "import caseview.cli as c; c.build_parser(); " \
           "sys.exit(1 if any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
