"""Every rule of bundle format 1.0, each broken on purpose (and the acceptances the spec demands).

Written from /work/shared/specs/bundle-format.md and cli.md, not from the
reader's code: a bundle is crafted byte by byte (``hostile.py``), then

* ``check_bundle`` must raise :class:`BundleError` whose one-sentence message
  names the bundle file and the offending entry name or JSON path;
* for a representative subset, ``caseview bundle check`` and ``caseview import``
  must exit 1 with a single ``error:`` line on stderr, no traceback, leave no case
  in the workspace, and write nothing outside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile  # noqa: E402
from hostile import (  # noqa: E402
    BZIP2,
    DEFLATED,
    LZMA,
    MIB,
    PDF_PATH,
    PNG_PATH,
    S_IFBLK,
    S_IFCHR,
    S_IFIFO,
    S_IFLNK,
    S_IFREG,
    S_IFSOCK,
    STORED,
    SYSTEM_MSDOS,
    SYSTEM_UNIX,
    TXT_PATH,
    NewDoc,
    ZipEntry,
    baseline_files,
    baseline_manifest,
    deleter,
    make_bundle,
    manifest_json,
    setter,
    sha256,
    standard_layout,
    text_note,
    tiny_pdf,
    tiny_png,
)

from caseview.core.bundle import Limits, check_bundle  # noqa: E402
from caseview.core.errors import BundleError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


# --------------------------------------------------------------------------- message checks


class J(str):
    """A JSON path that the message must name as a whole (``documents[0].id`` is not ``documents[0].idx``)."""


def mentions(message: str, needle: str) -> bool:
    if isinstance(needle, J):
        pattern = r"(?:(?<=\$\.)|(?<![\w\].]))" + re.escape(needle) + r"(?![\w\[])"
        return re.search(pattern, message) is not None
    return needle in message


@dataclass(frozen=True)
class Refusal:
    id: str
    build: Callable[[Path], Path]
    names: tuple[str, ...]  # the message names at least one of these (entry name or JSON path)
    also: tuple[str, ...] = ()  # and contains each of these (case-insensitive)
    limits: Limits | None = None
    both: tuple[str, ...] = ()  # the message names every one of these too (dangling refs: both ends)


def assert_refusal_message(message: str, bundle: Path, case: Refusal) -> None:
    assert message.strip(), "empty error message"
    assert "\n" not in message.strip(), f"message is more than one line: {message!r}"
    assert "Traceback" not in message
    # a sentence for a reviewer, not a Python diagnostic
    assert not re.search(r"\b[A-Z][A-Za-z]*(Error|Exception)\b", message), f"Python exception name in {message!r}"
    assert bundle.name in message, f"message does not name the file {bundle.name!r}: {message!r}"
    assert any(mentions(message, n) for n in case.names), (
        f"message names none of {list(case.names)!r}: {message!r}"
    )
    for n in case.both:
        assert mentions(message, n), f"message does not name {n!r}: {message!r}"
    for text in case.also:
        assert text.lower() in message.lower(), f"message lacks {text!r}: {message!r}"


def refuse(case: Refusal, tmp_path: Path) -> str:
    bundle = case.build(tmp_path / "in")
    with pytest.raises(BundleError) as err:
        check_bundle(bundle, limits=case.limits)
    message = str(err.value)
    assert_refusal_message(message, bundle, case)
    return message


def accept(bundle: Path, limits: Limits | None = None):
    checked = check_bundle(bundle, limits=limits)
    assert checked.fingerprint == hashlib.sha256(read_member(bundle, "manifest.json")).hexdigest()
    return checked


def read_member(bundle: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(bundle) as zf:
        return zf.read(name)


def R(id: str, build: Callable[[Path], Path], *names: str, **kw: Any) -> Any:
    case = Refusal(id, build, tuple(names), **kw)
    return pytest.param(case, id=id)


def mb(**kw: Any) -> Callable[[Path], Path]:
    return lambda t: make_bundle(t, **kw)


def doc_path(i: int, key: str) -> J:
    return J(f"documents[{i}].{key}")


# =========================================================================== container: entry names

EVIL_TEXT = b"This file must never be written anywhere.\n"

BAD_NAMES = [
    ("dotdot", "../evil.txt"),
    ("dotdot-inside", "documents/../../evil.txt"),
    ("dotdot-segment-only", "documents/.."),
    ("absolute", None),  # filled in per test: an absolute path into tmp_path
    ("drive-letter", "C:/evil.txt"),
    ("drive-relative", "C:evil.txt"),
    ("backslash", "documents\\evil.txt"),
    ("backslash-dotdot", "..\\..\\evil.txt"),
    ("dot-segment", "documents/./evil.txt"),
    ("leading-dot-segment", "./evil.txt"),
    ("empty-segment", "documents//evil.txt"),
    ("control-nul", "documents/evil\x00.txt"),
    ("control-newline", "documents/evil\n.txt"),
    ("control-x1f", "documents/evil\x1f.txt"),
    ("control-del", "documents/evil\x7f.txt"),
    ("control-c1-nel", "documents/evil\x85.txt"),
]


def absolute_name(t: Path) -> str:
    # an absolute path that, were it ever written, lands inside the test's own tmp folder
    return str((t.parent / "outside" / "evil-absolute.txt").resolve())


def bad_name_listed(name: str | None) -> Callable[[Path], Path]:
    def build(t: Path) -> Path:
        n = name if name is not None else absolute_name(t)
        return make_bundle(t, add=[NewDoc(n, EVIL_TEXT, "text/plain", id="EVIL")])

    return build


def bad_name_unlisted(name: str | None) -> Callable[[Path], Path]:
    def build(t: Path) -> Path:
        n = name if name is not None else absolute_name(t)
        return make_bundle(t, extra_entries=[ZipEntry(n, EVIL_TEXT)])

    return build


ENTRY_NAME_CASES = [
    R(f"name-{label}-listed", bad_name_listed(name), "evil", "..", doc_path(3, "path"))
    for label, name in BAD_NAMES
] + [
    R(f"name-{label}-unlisted", bad_name_unlisted(name), "evil", "..")
    for label, name in BAD_NAMES
]


ENTRY_NAME_CASES += [
    R("name-invalid-utf8-with-utf8-flag", mb(extra_entries=[ZipEntry(b"documents/evil-\xff\xfe.txt", b"x", flags=0x800)]), "evil"),
]


@pytest.mark.parametrize("case", ENTRY_NAME_CASES)
def test_entry_name_refused(case: Refusal, tmp_path: Path) -> None:
    """Names are relative POSIX paths: no /, \\, drive letter, . or .., empty segment, control characters."""
    refuse(case, tmp_path)


def test_bad_name_in_local_header_only_refused(tmp_path: Path) -> None:
    """The central directory says a clean name; the local header says ``../evil.txt``."""
    refuse(
        Refusal("local-name-evil", mb(entry_overrides={TXT_PATH: {"local_name": "../evil.txt"}}), (TXT_PATH, "evil")),
        tmp_path,
    )


# --------------------------------------------------------------------------- duplicates and case collisions


def _dup_doc_first(t: Path) -> Path:
    # a different "visit-note.txt" placed before the real one: a last-wins reader sees only the good one
    def order(entries: list[ZipEntry]) -> list[ZipEntry]:
        return [ZipEntry(TXT_PATH, b"A different story.\n")] + entries

    return make_bundle(t, order=order)


def _dup_manifest(t: Path) -> Path:
    other = baseline_manifest()
    other["case"]["reference"] = "NS-EVIL-0001"

    def order(entries: list[ZipEntry]) -> list[ZipEntry]:
        return [ZipEntry("manifest.json", manifest_json(other))] + entries

    return make_bundle(t, order=order)


DUPLICATE_CASES = [
    R("duplicate-identical-entry", mb(extra_entries=[ZipEntry(TXT_PATH, text_note(5))]), TXT_PATH),
    R("duplicate-different-entry-first", _dup_doc_first, TXT_PATH),
    R("duplicate-manifest", _dup_manifest, "manifest.json"),
    R(
        "case-collision-new-pair",
        mb(add=[NewDoc("documents/Doc.pdf", tiny_pdf(), "application/pdf", id="X1"),
                NewDoc("documents/doc.pdf", tiny_pdf(["other"]), "application/pdf", id="X2")]),
        "documents/Doc.pdf", "documents/doc.pdf",
    ),
    R(
        "case-collision-with-baseline",
        mb(add=[NewDoc("documents/Referral.PDF", tiny_pdf(["other"]), "application/pdf", id="X1")]),
        "documents/Referral.PDF", PDF_PATH,
    ),
    R(
        "case-collision-unlisted",
        mb(extra_entries=[ZipEntry("documents/VISIT-NOTE.txt", b"shadow\n")]),
        "documents/VISIT-NOTE.txt", TXT_PATH,
    ),
    R(
        "case-collision-manifest",
        mb(extra_entries=[ZipEntry("MANIFEST.json", b"{}")]),
        "MANIFEST.json", "manifest.json",
    ),
]


@pytest.mark.parametrize("case", DUPLICATE_CASES)
def test_duplicate_or_case_colliding_names_refused(case: Refusal, tmp_path: Path) -> None:
    """A name may appear once; names that differ only by letter case are a conflict."""
    refuse(case, tmp_path)


# --------------------------------------------------------------------------- special files


def special(mode: int, data: bytes = b"../../../../etc/passwd") -> Callable[[Path], Path]:
    return mb(add=[NewDoc("documents/evil-special", data, entry={"external_attr": mode << 16, "create_system": SYSTEM_UNIX})])


SPECIAL_FILE_CASES = [
    R("symlink", special(S_IFLNK | 0o777), "documents/evil-special", doc_path(3, "path")),
    R("symlink-to-absolute", special(S_IFLNK | 0o777, b"/etc/passwd"), "documents/evil-special", doc_path(3, "path")),
    R("fifo", special(S_IFIFO | 0o644), "documents/evil-special", doc_path(3, "path")),
    R("char-device", special(S_IFCHR | 0o644), "documents/evil-special", doc_path(3, "path")),
    R("block-device", special(S_IFBLK | 0o644), "documents/evil-special", doc_path(3, "path")),
    R("socket", special(S_IFSOCK | 0o644), "documents/evil-special", doc_path(3, "path")),
    R(
        "symlink-on-baseline-document",
        mb(entry_overrides={TXT_PATH: {"external_attr": (S_IFLNK | 0o777) << 16}}),
        TXT_PATH, doc_path(1, "path"),
    ),
    R(
        "symlink-manifest",
        mb(manifest_entry={"external_attr": (S_IFLNK | 0o777) << 16}),
        "manifest.json",
    ),
]


@pytest.mark.parametrize("case", SPECIAL_FILE_CASES)
def test_special_file_refused(case: Refusal, tmp_path: Path) -> None:
    """No entry may be a symbolic link or other special file (Unix-made entries)."""
    refuse(case, tmp_path)


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"create_system": SYSTEM_MSDOS, "external_attr": ((S_IFLNK | 0o777) << 16) | 0x20}, id="windows-looks-like-symlink"),
        pytest.param({"create_system": SYSTEM_MSDOS, "external_attr": ((S_IFIFO | 0o644) << 16) | 0x01}, id="windows-looks-like-fifo"),
        pytest.param({"create_system": SYSTEM_MSDOS, "external_attr": 0x20}, id="windows-archive-bit"),
        pytest.param({"create_system": SYSTEM_UNIX, "external_attr": 0o644 << 16}, id="unix-type-0-is-regular"),
        pytest.param({"create_system": SYSTEM_UNIX, "external_attr": 0}, id="unix-no-attributes"),
        pytest.param({"create_system": SYSTEM_UNIX, "external_attr": (S_IFREG | 0o755) << 16}, id="unix-regular-executable"),
    ],
)
def test_ordinary_file_attributes_accepted(entry: dict, tmp_path: Path) -> None:
    """File-type bits count only for Unix-made entries; type 0 is a regular file; Windows entries are ordinary."""
    bundle = make_bundle(tmp_path, entry_overrides={p: entry for p in (PDF_PATH, TXT_PATH, PNG_PATH)},
                         manifest_entry=entry)
    accept(bundle)


# --------------------------------------------------------------------------- overlapping entries

COPY_PATH = "documents/copy.txt"


def _overlap_same_local_header(t: Path) -> Path:
    note = text_note(5)

    def add_copy(m: dict) -> None:
        m["documents"].append({"id": "D4", "path": COPY_PATH, "media_type": "text/plain",
                               "sha256": sha256(note), "size": len(note), "title": "Copy", "section": "C"})

    return make_bundle(t, mutate=add_copy, layout=hostile.duplicate_record_layout(TXT_PATH, COPY_PATH))


def _overlap_nested_local_header(t: Path) -> Path:
    inner, outer_data = hostile.nested_overlap_parts("documents/inner.txt")

    def add_inner(m: dict) -> None:
        m["documents"].append({"id": "INNER", "path": inner.name, "media_type": "text/plain",
                               "sha256": sha256(inner.data), "size": len(inner.data), "title": "Inner"})

    return make_bundle(
        t,
        add=[NewDoc("documents/outer.bin", outer_data, id="OUTER", entry={"method": STORED})],
        mutate=add_inner,
        layout=hostile.nested_local_header_layout("documents/outer.bin", inner),
    )


def _overlap_central_directory(t: Path) -> Path:
    first = ZipEntry(TXT_PATH, text_note(5))  # exactly as make_bundle writes it
    prefix = b"Tail record. "
    tail = hostile.cd_overlap_tail_data(first, prefix)
    return make_bundle(
        t,
        add=[NewDoc("documents/tail.bin", tail, id="TAIL", entry={"method": STORED})],
        layout=hostile.cd_overlap_layout(TXT_PATH, "documents/tail.bin", prefix),
    )


OVERLAP_CASES = [
    R("two-records-one-local-header", _overlap_same_local_header, COPY_PATH, TXT_PATH, doc_path(3, "path")),
    R("local-header-inside-other-entry", _overlap_nested_local_header, "documents/inner.txt", "documents/outer.bin"),
    R("data-overlaps-central-directory", _overlap_central_directory, "documents/tail.bin", TXT_PATH),
]


@pytest.mark.parametrize("case", OVERLAP_CASES)
def test_overlapping_entries_refused(case: Refusal, tmp_path: Path) -> None:
    """No two entries' data may overlap in the archive, nor overlap the central directory."""
    refuse(case, tmp_path)


def test_overlap_fixtures_are_otherwise_consistent(tmp_path: Path) -> None:
    """Guard on the fixtures: zipfile reads every overlapping member with a good CRC and the listed hash."""
    import zipfile

    for build in (_overlap_same_local_header, _overlap_nested_local_header, _overlap_central_directory):
        bundle = build(tmp_path / build.__name__)
        with zipfile.ZipFile(bundle) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            for d in manifest["documents"]:
                if d["path"] == COPY_PATH:
                    continue  # its local header carries the other name, zipfile objects to that
                info = zf.getinfo(d["path"])
                # read via the central record's offset, like a naive reader would
                with zf.open(info) as fh:
                    data = fh.read()
                assert hashlib.sha256(data).hexdigest() == d["sha256"], d["path"]


# --------------------------------------------------------------------------- the container itself


def _lying_smaller(t: Path) -> Path:
    full = text_note(400)
    half = full[: len(full) // 2]
    # declared size and CRC of the first half: a reader trusting the header reads the half, CRC and hash agree
    return make_bundle(t, add=[NewDoc("documents/liar.txt", half, "text/plain", id="LIAR",
                                      entry={"data": full, "file_size": len(half), "crc": zlib.crc32(half)})])


def _lying_larger(t: Path) -> Path:
    data = text_note(400)
    return make_bundle(t, add=[NewDoc("documents/liar.txt", data, "text/plain", id="LIAR",
                                      entry={"file_size": len(data) + 1000})])


def _lying_local_vs_central(t: Path) -> Path:
    # stored: a reader that trusts the local header takes the first half as the whole file
    data = text_note(400)
    half = len(data) // 2
    return make_bundle(t, add=[NewDoc("documents/liar.txt", data, "text/plain", id="LIAR",
                                      entry={"method": STORED, "local_file_size": half, "local_compress_size": half})])


def _lying_compressed_size(t: Path) -> Path:
    data = text_note(400)
    raw = hostile.deflate_raw(data)
    # declares fewer compressed bytes than the deflate stream needs
    return make_bundle(t, add=[NewDoc("documents/liar.txt", data, "text/plain", id="LIAR",
                                      entry={"compress_size": len(raw) // 2, "local_compress_size": len(raw) // 2})])


def test_lying_header_fixtures_fool_a_naive_reader(tmp_path: Path) -> None:
    """Guard on the fixtures: zipfile trusts the declared size and reads the listed bytes with a good CRC."""
    import zipfile

    bundle = _lying_smaller(tmp_path / "small")
    with zipfile.ZipFile(bundle) as zf:
        listed = json.loads(zf.read("manifest.json"))["documents"][3]
        data = zf.read("documents/liar.txt")
    assert hashlib.sha256(data).hexdigest() == listed["sha256"] and len(data) == listed["size"]

    bundle = lying_manifest(tmp_path / "manifest")
    with zipfile.ZipFile(bundle) as zf:
        assert json.loads(zf.read("manifest.json"))["format"] == "caseview-bundle"


def _method(method: int, raw: bytes | None = None) -> Callable[[Path], Path]:
    over: dict[str, Any] = {"method": method}
    if raw is not None:
        over["raw"] = raw
    return mb(entry_overrides={TXT_PATH: over})


CONTAINER_CASES = [
    R("header-declares-smaller", _lying_smaller, "documents/liar.txt", doc_path(3, "size")),
    R("header-declares-larger", _lying_larger, "documents/liar.txt", doc_path(3, "size")),
    R("local-header-size-differs", _lying_local_vs_central, "documents/liar.txt", doc_path(3, "size")),
    R("compressed-size-too-small", _lying_compressed_size, "documents/liar.txt", doc_path(3, "size")),
    R("encrypted-flag", mb(entry_overrides={TXT_PATH: {"flags": 0x1, "method": STORED}}), TXT_PATH),
    R("encrypted-flag-deflated", mb(entry_overrides={TXT_PATH: {"flags": 0x1}}), TXT_PATH),
    R("encrypted-manifest", mb(manifest_entry={"flags": 0x1, "method": STORED}), "manifest.json"),
    R("method-bzip2", _method(BZIP2), TXT_PATH),
    R("method-lzma", _method(LZMA), TXT_PATH),
    R("method-implode", _method(6, b"\x00" * 40), TXT_PATH),
    R("method-aes-99", _method(99, b"\x00" * 40), TXT_PATH),
    R("method-bzip2-manifest", mb(manifest_entry={"method": BZIP2}), "manifest.json"),
    R("local-name-differs", mb(entry_overrides={TXT_PATH: {"local_name": "documents/other.txt"}}), TXT_PATH, "documents/other.txt"),
    R("multi-disk", mb(layout=lambda es: standard_layout(es, disk=1, cd_disk=1)), "disk"),
    R("multi-disk-cd-elsewhere", mb(layout=lambda es: standard_layout(es, cd_disk=1)), "disk"),
    R("multi-disk-entry-counts", mb(layout=lambda es: standard_layout(es, n_this_disk=1)), "disk"),
]


@pytest.mark.parametrize("case", CONTAINER_CASES)
def test_zip_container_rule_refused(case: Refusal, tmp_path: Path) -> None:
    """Stored or deflated only; no encryption; no multi-disk; headers that lie are caught while inflating."""
    if case.names == ("disk",):
        # a multi-disk archive has no entry to blame: the message names the file and says why
        bundle = case.build(tmp_path / "in")
        with pytest.raises(BundleError) as err:
            check_bundle(bundle)
        msg = str(err.value)
        assert bundle.name in msg and "\n" not in msg.strip()
        assert re.search(r"dis[ck]|span|volume|split", msg, re.I), msg
        return
    refuse(case, tmp_path)


def test_not_a_zip_refused(tmp_path: Path) -> None:
    for label, data in [("empty", b""), ("text", b"hello\n"), ("pdf", tiny_pdf()), ("truncated", None)]:
        bundle = tmp_path / f"{label}.cvb"
        if data is None:
            full = make_bundle(tmp_path / "t").read_bytes()
            data = full[: len(full) - 30]
        bundle.write_bytes(data)
        with pytest.raises(BundleError) as err:
            check_bundle(bundle)
        assert bundle.name in str(err.value) and "\n" not in str(err.value).strip()


# =========================================================================== limits

SMALL = 4096


def _doc_of(n: int, *, media: str = "text/plain", path: str = "documents/big.txt", method: int = DEFLATED) -> NewDoc:
    data = (b"0123456789abcde\n" * (n // 16 + 1))[:n]
    return NewDoc(path, data, media, id="BIG", entry={"method": method})


def _total_of_baseline() -> int:
    return sum(len(v) for v in baseline_files().values())


LIMIT_CASES = [
    R("document-over-lowered-max", mb(add=[_doc_of(SMALL + 1)]), "documents/big.txt", doc_path(3, "size"),
      limits=Limits(max_document_bytes=SMALL)),
    R("document-over-max-stored", mb(add=[_doc_of(SMALL + 1, method=STORED)]), "documents/big.txt", doc_path(3, "size"),
      limits=Limits(max_document_bytes=SMALL)),
    R("document-over-max-header-lies", mb(add=[NewDoc("documents/big.txt", _doc_of(SMALL + 1).data[:100], "text/plain", id="BIG",
                                                        entry={"data": _doc_of(SMALL + 1).data, "file_size": 100,
                                                               "crc": zlib.crc32(_doc_of(SMALL + 1).data[:100])})]),
      "documents/big.txt", doc_path(3, "size"), limits=Limits(max_document_bytes=SMALL)),
    R("total-over-lowered-max", mb(), PDF_PATH, TXT_PATH, PNG_PATH, "manifest.json", "total", "documents",
      limits=Limits(max_total_bytes=_total_of_baseline() - 1)),
    R("ratio-over-lowered-limit", mb(add=[NewDoc("documents/zeros.bin", bytes(64 * 1024), id="ZEROS")]),
      "documents/zeros.bin", doc_path(3, "path"), limits=Limits(ratio_min_bytes=SMALL)),
    R("too-many-documents-lowered", mb(), J("documents"), limits=Limits(max_documents=2)),
    R("manifest-over-lowered-max", mb(), "manifest.json", limits=Limits(max_manifest_bytes=1024)),
]


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_limit_refused(case: Refusal, tmp_path: Path) -> None:
    refuse(case, tmp_path)


@pytest.mark.parametrize(
    "build, limits",
    [
        pytest.param(mb(add=[_doc_of(SMALL)]), Limits(max_document_bytes=SMALL), id="document-exactly-max"),
        pytest.param(mb(), Limits(max_documents=3), id="documents-exactly-max"),
        pytest.param(mb(add=[NewDoc("documents/zeros.bin", bytes(SMALL), id="ZEROS")]), Limits(ratio_min_bytes=SMALL),
                     id="high-ratio-not-over-min-bytes"),
        pytest.param(mb(add=[NewDoc("documents/zeros.bin", bytes(512 * 1024), id="ZEROS")]), None,
                     id="high-ratio-half-mib-default"),
        pytest.param(mb(add=[NewDoc("documents/random.bin", os.urandom(2 * MIB), id="RND")]), None,
                     id="two-mib-incompressible-default"),
    ],
)
def test_within_limits_accepted(build: Callable[[Path], Path], limits: Limits | None, tmp_path: Path) -> None:
    accept(build(tmp_path), limits)


def test_total_exactly_at_lowered_max_accepted(tmp_path: Path) -> None:
    """Whether 'in all' counts manifest.json or not, the sum of every entry is within the limit."""
    bundle = make_bundle(tmp_path)
    import zipfile

    with zipfile.ZipFile(bundle) as zf:
        everything = sum(i.file_size for i in zf.infolist())
    accept(bundle, Limits(max_total_bytes=everything))


def test_more_than_10000_documents_refused_at_default_limits(tmp_path: Path) -> None:
    n = 10_001
    notes = [f"Contact record {i}\n".encode() for i in range(n)]
    add = [NewDoc(f"documents/c{i:05d}.txt", notes[i], "text/plain", id=f"C{i:05d}", entry={"method": STORED}) for i in range(n - 3)]
    bundle = make_bundle(tmp_path, add=add)
    case = Refusal("10001", lambda t: bundle, (J("documents"),))
    with pytest.raises(BundleError) as err:
        check_bundle(bundle)
    assert_refusal_message(str(err.value), bundle, case)
    assert re.search(r"10[,. ]?000", str(err.value)), str(err.value)


def test_exactly_10000_documents_accepted_at_default_limits(tmp_path: Path) -> None:
    n = 10_000
    add = [NewDoc(f"documents/c{i:05d}.txt", f"Contact record {i}\n".encode(), "text/plain", id=f"C{i:05d}",
                  entry={"method": STORED}) for i in range(n - 3)]
    checked = accept(make_bundle(tmp_path, add=add))
    assert len(checked.manifest.documents) == n


# --------------------------------------------------------------------------- bombs, in a memory-bounded child

BOMB_BYTES = 256 * MIB  # > 1,000:1 once deflated
MEMORY_CAP = int(1.5 * (1 << 30))
MAXRSS_BUDGET_KB = 300 * 1024

CHILD = r"""
import json, resource, sys
from pathlib import Path
cap = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
out = {"raised": None, "message": None}
try:
    from caseview.core.bundle import check_bundle
    from caseview.core.errors import BundleError
    try:
        check_bundle(Path(sys.argv[1]))
        out["raised"] = "nothing"
    except BundleError as e:
        out["raised"] = "BundleError"; out["message"] = str(e)
except MemoryError:
    out["raised"] = "MemoryError"
except BaseException as e:
    out["raised"] = type(e).__name__; out["message"] = str(e)[:500]
# VmHWM, this process's own peak: ru_maxrss would carry over the size of the (large) pytest process that
# forked it, since Linux keeps ru_maxrss across exec.
with open("/proc/self/status", encoding="ascii") as status:
    out["maxrss_kb"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps(out))
"""


def check_in_child(bundle: Path) -> dict:
    proc = subprocess.run([PYTHON, "-c", CHILD, str(bundle), str(MEMORY_CAP)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ratio_bomb(t: Path) -> Path:
    deflated, crc, digest, _, _ = hostile.zeros_bomb(BOMB_BYTES)
    return make_bundle(t, add=[NewDoc("documents/bomb.bin", b"", id="BOMB", sha256=digest, size=BOMB_BYTES,
                                      entry={"raw": deflated, "crc": crc, "file_size": BOMB_BYTES})])


LIE_DECLARED = 2 * MIB


def lying_bomb(t: Path) -> Path:
    """Declares 2 MiB (ratio about 8:1 by the headers), inflates to 256 MiB; CRC and hash of the first 2 MiB."""
    deflated, _, _, pcrc, pdigest = hostile.zeros_bomb(BOMB_BYTES, prefix_len=LIE_DECLARED)
    return make_bundle(t, add=[NewDoc("documents/bomb.bin", b"", id="BOMB", sha256=pdigest, size=LIE_DECLARED,
                                      entry={"raw": deflated, "crc": pcrc, "file_size": LIE_DECLARED})])


def lying_manifest(t: Path) -> Path:
    """manifest.json declares its real (valid) length; the deflate stream goes on with 9 MiB of spaces."""
    good = manifest_json(baseline_manifest())
    raw = hostile.deflate_raw(good + b" " * (9 * MIB))
    return make_bundle(t, manifest_entry={"raw": raw, "file_size": len(good), "crc": zlib.crc32(good)})


@pytest.mark.parametrize(
    "build, names",
    [
        pytest.param(ratio_bomb, ("documents/bomb.bin", J("documents[3].size")), id="ratio-bomb-1000-to-1"),
        pytest.param(lying_bomb, ("documents/bomb.bin", J("documents[3].size")), id="header-lies-small-bomb"),
        pytest.param(lying_manifest, ("manifest.json",), id="manifest-declared-small-inflates-9mib"),
    ],
)
def test_bomb_refused_with_bounded_memory_at_default_limits(build, names, tmp_path: Path) -> None:
    bundle = build(tmp_path / "in")
    assert bundle.stat().st_size < 2 * MIB
    out = check_in_child(bundle)
    assert out["raised"] == "BundleError", out
    assert_refusal_message(out["message"], bundle, Refusal("bomb", build, names))
    assert out["maxrss_kb"] < MAXRSS_BUDGET_KB, f"peak memory {out['maxrss_kb'] // 1024} MiB"


def test_bomb_fixture_is_what_it_claims() -> None:
    deflated, *_ = hostile.zeros_bomb(BOMB_BYTES)
    assert BOMB_BYTES / len(deflated) > 1000
    assert BOMB_BYTES > MIB


# =========================================================================== documents

DOCUMENT_CASES = [
    R("unlisted-entry", mb(extra_entries=[ZipEntry("documents/unlisted.txt", b"not in the manifest\n")]), "documents/unlisted.txt"),
    R("unlisted-entry-at-root", mb(extra_entries=[ZipEntry("run-me.sh", b"#!/bin/sh\n")]), "run-me.sh"),
    R("unlisted-entry-in-directory-entry-dir", mb(extra_entries=[ZipEntry("documents/", b""), ZipEntry("documents/hidden/x.txt", b"x")]), "documents/hidden/x.txt"),
    R("listed-document-missing", mb(files={PNG_PATH: None}), PNG_PATH, doc_path(2, "path")),
    R("listed-document-is-a-directory-entry", mb(files={PNG_PATH: None}, extra_entries=[ZipEntry(PNG_PATH + "/", b"")]), PNG_PATH, doc_path(2, "path")),
    R("sha256-mismatch", mb(mutate=setter("documents[1].sha256", sha256(b"something else"))), TXT_PATH, doc_path(1, "sha256")),
    R("sha256-uppercase", mb(mutate=lambda m: m["documents"][1].update(sha256=m["documents"][1]["sha256"].upper())), doc_path(1, "sha256")),
    R("sha256-too-short", mb(mutate=lambda m: m["documents"][1].update(sha256=m["documents"][1]["sha256"][:63])), doc_path(1, "sha256")),
    R("sha256-not-hex", mb(mutate=setter("documents[1].sha256", "z" * 64)), doc_path(1, "sha256")),
    R("size-mismatch", mb(mutate=lambda m: m["documents"][1].update(size=m["documents"][1]["size"] + 1)), TXT_PATH, doc_path(1, "size")),
    R("size-negative", mb(mutate=setter("documents[1].size", -1)), TXT_PATH, doc_path(1, "size")),
    R("pdf-that-is-png", mb(files={PDF_PATH: tiny_png()}), PDF_PATH, doc_path(0, "media_type")),
    R("png-that-is-text", mb(files={PNG_PATH: b"A genogram, described in words.\n"}), PNG_PATH, doc_path(2, "media_type")),
    R("png-that-is-pdf", mb(files={PNG_PATH: tiny_pdf()}), PNG_PATH, doc_path(2, "media_type")),
    R("jpeg-that-is-png", mb(add=[NewDoc("documents/photo.jpg", tiny_png(), "image/jpeg", id="JPG")]), "documents/photo.jpg", doc_path(3, "media_type")),
    R("pdf-that-is-empty", mb(files={PDF_PATH: b""}), PDF_PATH, doc_path(0, "media_type")),
    R("text-bad-utf8", mb(files={TXT_PATH: "Caf\u00e9 visit\n".encode("latin-1")}), TXT_PATH, doc_path(1, "media_type")),
    R("text-truncated-utf8-at-end", mb(files={TXT_PATH: "The child said \u2014".encode()[:-1]}), TXT_PATH, doc_path(1, "media_type")),
    R("text-overlong-utf8", mb(files={TXT_PATH: b"path \xc0\xaf here\n"}), TXT_PATH, doc_path(1, "media_type")),
    R("text-surrogate-utf8", mb(files={TXT_PATH: b"bad \xed\xa0\x80 here\n"}), TXT_PATH, doc_path(1, "media_type")),
    R("markdown-bad-utf8", mb(add=[NewDoc("documents/plan.md", b"# Plan\n\xff\xfe\n", "text/markdown", id="MD")]), "documents/plan.md", doc_path(3, "media_type")),
    R("text-bad-utf8-after-1mib", mb(add=[NewDoc("documents/long.txt", b"a" * (MIB + 5) + b"\xff\n", "text/plain", id="LONG", entry={"method": STORED})]), "documents/long.txt", doc_path(3, "media_type")),
]


@pytest.mark.parametrize("case", DOCUMENT_CASES)
def test_document_rule_refused(case: Refusal, tmp_path: Path) -> None:
    """Entries are exactly the manifest's documents; bytes match size, sha256, media type and UTF-8."""
    refuse(case, tmp_path)


# =========================================================================== manifest.json: bytes and syntax


def _with_manifest_text(edit: Callable[[str], str]) -> Callable[[Path], Path]:
    def build(t: Path) -> Path:
        text = manifest_json(baseline_manifest()).decode("utf-8")
        edited = edit(text)
        assert edited != text, "fixture edit did nothing"
        return make_bundle(t, manifest_bytes=edited.encode("utf-8"))

    return build


def _latin1_manifest(t: Path) -> Path:
    m = baseline_manifest()
    m["case"]["title"] = "Revue du caf\u00e9"
    return make_bundle(t, manifest_bytes=json.dumps(m, ensure_ascii=False).encode("latin-1"))


def _utf16_manifest(t: Path) -> Path:
    return make_bundle(t, manifest_bytes=json.dumps(baseline_manifest()).encode("utf-16"))


def _big_manifest(t: Path) -> Path:
    m = baseline_manifest()
    m["x_padding"] = ""
    base = len(manifest_json(m))
    m["x_padding"] = "x" * (8 * MIB + 1 - base)
    data = manifest_json(m)
    assert len(data) == 8 * MIB + 1
    return make_bundle(t, manifest_bytes=data, manifest_entry={"method": STORED})


def _deep_in_unknown_key(t: Path) -> Path:
    text = manifest_json(baseline_manifest()).decode()
    text = text.replace('{\n  "format"', '{\n  "x_deep": ' + "[" * 100_000 + "]" * 100_000 + ',\n  "format"', 1)
    return make_bundle(t, manifest_bytes=text.encode())


MANIFEST_SYNTAX_CASES = [
    R("manifest-missing", mb(drop_entries=["manifest.json"]), "manifest.json"),
    R("manifest-in-subfolder-only", lambda t: make_bundle(t, drop_entries=["manifest.json"],
                                                            extra_entries=[ZipEntry("case/manifest.json", manifest_json(baseline_manifest()))]),
      "manifest.json"),
    R("manifest-empty", mb(manifest_bytes=b""), "manifest.json"),
    R("manifest-not-json", mb(manifest_bytes=b"{this is not json"), "manifest.json"),
    R("manifest-trailing-garbage", _with_manifest_text(lambda s: s + "\n}"), "manifest.json"),
    R("manifest-bom", lambda t: make_bundle(t, manifest_bytes=b"\xef\xbb\xbf" + manifest_json(baseline_manifest())), "manifest.json"),
    R("manifest-latin1", _latin1_manifest, "manifest.json"),
    R("manifest-utf16", _utf16_manifest, "manifest.json"),
    R("manifest-over-8mib-stored", _big_manifest, "manifest.json"),
    R("manifest-deeply-nested-unclosed", mb(manifest_bytes=b"[" * 100_000), "manifest.json"),
    R("manifest-deeply-nested-closed", mb(manifest_bytes=b"[" * 100_000 + b"]" * 100_000), "manifest.json"),
    R("manifest-deeply-nested-objects", mb(manifest_bytes=b'{"a":' * 100_000 + b"1" + b"}" * 100_000), "manifest.json"),
    R("manifest-deep-in-unknown-key", _deep_in_unknown_key, "manifest.json", J("x_deep")),
    R("duplicate-top-level-key", _with_manifest_text(lambda s: s.replace('"bundle_id": ', '"bundle_id": "urn:uuid:00000000-0000-0000-0000-000000000000",\n  "bundle_id": ', 1)),
      J("bundle_id"), "manifest.json"),
    R("duplicate-nested-key", _with_manifest_text(lambda s: s.replace('"sha256": ', '"sha256": "' + "0" * 64 + '",\n      "sha256": ', 1)),
      doc_path(0, "sha256"), J("documents[0]"), "manifest.json"),
    R("nan", _with_manifest_text(lambda s: re.sub(r'"size": \d+', '"size": NaN', s, count=1)), doc_path(0, "size"), "NaN", "manifest.json"),
    R("infinity", _with_manifest_text(lambda s: re.sub(r'"size": \d+', '"size": Infinity', s, count=1)), doc_path(0, "size"), "Infinity", "manifest.json"),
    R("nan-in-unknown-key", _with_manifest_text(lambda s: s.replace('"format":', '"x_score": NaN,\n  "format":', 1)), "NaN", "manifest.json", J("x_score")),
    R("top-level-array", mb(manifest_bytes=b"[" + manifest_json(baseline_manifest()) + b"]"), "manifest.json"),
    R("top-level-empty-array", mb(manifest_bytes=b"[]"), "manifest.json"),
    R("top-level-string", mb(manifest_bytes=b'"caseview-bundle"'), "manifest.json"),
    R("top-level-null", mb(manifest_bytes=b"null"), "manifest.json"),
]


@pytest.mark.parametrize("case", MANIFEST_SYNTAX_CASES)
def test_manifest_syntax_refused(case: Refusal, tmp_path: Path) -> None:
    """manifest.json: required, UTF-8 JSON without BOM, at most 8 MiB, a top-level object."""
    refuse(case, tmp_path)


def test_manifest_exactly_8mib_accepted(tmp_path: Path) -> None:
    m = baseline_manifest()
    m["x_padding"] = ""
    m["x_padding"] = "x" * (8 * MIB - len(manifest_json(m)))
    data = manifest_json(m)
    assert len(data) == 8 * MIB
    accept(make_bundle(tmp_path, manifest_bytes=data, manifest_entry={"method": STORED}))


# =========================================================================== manifest: required keys and types

REQUIRED = [
    # (JSON path, a wrong-type value)
    ("format", 1),
    ("format_version", 1.0),
    ("bundle_id", 42),
    ("created", 20261001),
    ("issuer", "Northshire Council"),
    ("issuer.organisation", ["Northshire"]),
    ("case", "NS-2026-0147"),
    ("case.reference", 147),
    ("anonymisation", True),
    ("anonymisation.statement", {"text": "done"}),
    ("review", "case-file-audit"),
    ("review.framework", None),
    ("documents", {"D1": {}}),
    ("documents[0].id", 1),
    ("documents[1].path", ["documents", "visit-note.txt"]),
    ("documents[2].sha256", None),
    ("documents[0].size", "48213"),
    ("documents[1].media_type", 0),
    ("documents[2].title", False),
    ("items", {"id": "K1"}),
    ("items[0].id", 1),
    ("items[0].kind", ["decision"]),
    ("items[0].title", None),
    ("chronology[1].id", 2),
    ("chronology[0].date", 20260114),
    ("chronology[1].title", None),
    ("sections[1].id", 3),
    ("sections[0].title", None),
]


def _parent_path(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


@pytest.mark.parametrize("path", [p for p, _ in REQUIRED])
def test_required_key_missing_refused(path: str, tmp_path: Path) -> None:
    """A required key that is missing is an error naming its JSON path."""
    refuse(Refusal(path, mb(mutate=deleter(path)), (J(path),)), tmp_path)


@pytest.mark.parametrize("path, value", [pytest.param(p, v, id=p) for p, v in REQUIRED])
def test_required_key_wrong_type_refused(path: str, value: Any, tmp_path: Path) -> None:
    """A required key of the wrong type is an error naming its JSON path."""
    refuse(Refusal(path, mb(mutate=setter(path, value)), (J(path),)), tmp_path)


@pytest.mark.parametrize(
    "path, value",
    [
        pytest.param("documents[0].size", True, id="size-bool"),
        pytest.param("documents[0].size", 48213.0, id="size-float"),
        pytest.param("documents[0].size", 1.5, id="size-fraction"),
        pytest.param("documents[1].id", None, id="id-null"),
    ],
)
def test_integer_and_null_subtleties_refused(path: str, value: Any, tmp_path: Path) -> None:
    """JSON true is not an integer; 48213.0 is a number with a fraction part in JSON terms."""
    refuse(Refusal(path, mb(mutate=setter(path, value)), (J(path),)), tmp_path)


# Optional keys with a type in the spec's tables. The spec states the error rule for
# *required* keys; these are refused here because the tables type them and an item's
# reference list read as a string would silently become single characters.
OPTIONAL_WRONG_TYPE = [
    ("items[0].documents", "D1"),
    ("items[0].events", "E1"),
    ("chronology[0].documents", "D1"),
    ("chronology[1].items", {"K1": True}),
    ("sections", {"id": "B"}),
    ("documents[0].section", 2),
    ("documents[0].pages", "1"),
    ("case.attributes", ["age_band", "5-9"]),
    ("case.attributes.age_band", {"from": 5, "to": 9}),
    ("case.attributes.siblings", None),
]


@pytest.mark.parametrize("path, value", [pytest.param(p, v, id=p) for p, v in OPTIONAL_WRONG_TYPE])
def test_optional_key_wrong_type_refused(path: str, value: Any, tmp_path: Path) -> None:
    refuse(Refusal(path, mb(mutate=setter(path, value)), (J(path),)), tmp_path)


# =========================================================================== manifest: values


VALUE_CASES = [
    R("format-wrong", mb(format="caseview-bundles"), J("format")),
    R("format-case", mb(format="CaseView-Bundle"), J("format")),
    R("format-version-2.0", mb(format_version="2.0"), J("format_version"), also=("newer version",)),
    R("format-version-2.1", mb(format_version="2.1"), J("format_version"), also=("newer version",)),
    R("format-version-10.0", mb(format_version="10.0"), J("format_version"), also=("newer version",)),
    *[
        R(f"format-version-garbage-{i}", mb(format_version=v), J("format_version"))
        for i, v in enumerate(["one", "1", "1.", "1.x", "", "v1.0", "1.0.0", "1.-1", "0.9", " 1.0", "1.0 "])
    ],
    *[
        R(f"created-{label}", mb(created=v), J("created"))
        for label, v in [
            ("no-offset", "2026-10-01T09:30:00"),
            ("date-only", "2026-10-01"),
            ("words", "yesterday"),
            ("bad-month", "2026-13-01T09:30:00Z"),
            ("bad-hour", "2026-10-01T25:30:00+01:00"),
        ]
    ],
    *[
        R(f"document-id-{label}", mb(mutate=lambda m, v=v: (m["documents"][1].update(id=v), m["chronology"][1].update(documents=[v]))),
          doc_path(1, "id"))
        for label, v in [("space", "D 2"), ("slash", "D/2"), ("empty", ""), ("33-chars", "D" * 33),
                         ("non-ascii", "D\u00e92"), ("colon", "D:2"), ("newline", "D2\n")]
    ],
    *[
        R(f"item-id-{label}", mb(mutate=lambda m, v=v: (m["items"][0].update(id=v), m["chronology"][1].update(items=[v]))),
          J("items[0].id"))
        for label, v in [("space", "K 1"), ("empty", ""), ("33-chars", "K" * 33), ("hash", "K#1"), ("newline", "K1\n")]
    ],
    *[
        R(f"section-id-{label}", mb(mutate=lambda m, v=v: (m["sections"][0].update(id=v), m["documents"][0].update(section=v))),
          J("sections[0].id"))
        for label, v in [("too-long", "ABCD"), ("lowercase", "b"), ("empty", ""), ("hyphen", "A-1"), ("space", "A B"),
                         ("newline", "B\n")]
    ],
    # a trailing newline slips past patterns anchored with "$" (re.match(r"...$") accepts "x\n")
    R("format-version-trailing-newline", mb(format_version="1.0\n"), J("format_version")),
    R("created-trailing-newline", mb(created="2026-10-01T09:30:00+01:00\n"), J("created")),
    R("sha256-trailing-newline", mb(mutate=lambda m: m["documents"][1].update(sha256=m["documents"][1]["sha256"] + "\n")), doc_path(1, "sha256")),
    R("section-id-duplicate", mb(mutate=[setter("sections[1].id", "B"), setter("documents[1].section", "B"), setter("documents[2].section", "B")]),
      J("sections[1].id"), J("sections[1]")),
    R("unknown-section-referenced", mb(mutate=setter("documents[1].section", "Z")), doc_path(1, "section")),
    R("unknown-section-when-sections-absent",
      mb(mutate=lambda m: (m.pop("sections"), [d.pop("section") for d in m["documents"]], m["documents"][1].update(section="B"))),
      doc_path(1, "section")),
    R("duplicate-document-id", mb(mutate=setter("documents[2].id", "D1")), J("documents[2].id"), J("documents[2]")),
    R("duplicate-item-id", mb(mutate=lambda m: m["items"].append({**m["items"][0], "title": "Again"})), J("items[1].id"), J("items[1]")),
    R("duplicate-chronology-id", mb(mutate=setter("chronology[1].id", "E1")), J("chronology[1].id"), J("chronology[1]")),
    R("item-kind-unknown", mb(mutate=setter("items[0].kind", "judgement")), J("items[0].kind"), "judgement"),
    R("chronology-date-invalid", mb(mutate=setter("chronology[0].date", "mid January")), J("chronology[0].date")),
    R("chronology-datetime-no-offset", mb(mutate=setter("chronology[1].date", "2026-01-20T15:00:00")), J("chronology[1].date")),
]


@pytest.mark.parametrize("case", VALUE_CASES)
def test_manifest_value_refused(case: Refusal, tmp_path: Path) -> None:
    refuse(case, tmp_path)


# --------------------------------------------------------------------------- references


REFERENCE_CASES = [
    R("item-to-missing-document", mb(mutate=setter("items[0].documents", ["D1", "D9"])), "K1", J("items[0].documents[1]"), J("items[0]"),
      both=("D9",)),
    R("item-to-missing-event", mb(mutate=setter("items[0].events", ["E9"])), "K1", J("items[0].events[0]"), J("items[0]"), both=("E9",)),
    R("chronology-to-missing-item", mb(mutate=setter("chronology[1].items", ["K9"])), "E2", J("chronology[1].items[0]"), J("chronology[1]"),
      both=("K9",)),
    R("chronology-to-missing-document", mb(mutate=setter("chronology[0].documents", ["D9"])), "E1", J("chronology[0].documents[0]"),
      J("chronology[0]"), both=("D9",)),
    R("item-refers-to-item-id-as-document", mb(mutate=setter("items[0].documents", ["K1"])), J("items[0].documents[0]"), J("items[0]"),
      both=("K1",)),
    R("documents-empty-items-not", mb(documents=[], mutate=[setter("items[0].documents", []), setter("chronology", [])],
                                      drop_entries=[PDF_PATH, TXT_PATH, PNG_PATH]), J("documents")),
    R("no-items", mb(items=[], mutate=setter("chronology[1].items", [])), J("items")),
    R("no-items-no-documents", mb(items=[], documents=[], chronology=[], drop_entries=[PDF_PATH, TXT_PATH, PNG_PATH]), J("items")),
]


@pytest.mark.parametrize("case", REFERENCE_CASES)
def test_reference_rule_refused(case: Refusal, tmp_path: Path) -> None:
    """Every id a documents/events/items list names exists; a dangling reference names both ends."""
    refuse(case, tmp_path)


# --------------------------------------------------------------------------- review framework


def _outcome_item(m: dict) -> None:
    m["items"].append({"id": "K2", "kind": "outcome", "title": "School attendance above 90%",
                       "claimed_by": "Provider", "measure": "Attendance", "documents": ["D2"]})


FRAMEWORK_CASES = [
    R("unknown-framework", mb(mutate=setter("review.framework", "no-such-framework")), "no-such-framework", J("review.framework"),
      also=("unknown framework",)),
    R("framework-empty-string", mb(mutate=setter("review.framework", "")), J("review.framework")),
    R("framework-case-differs", mb(mutate=setter("review.framework", "Case-File-Audit")), "Case-File-Audit", J("review.framework"),
      also=("unknown framework",)),
    R("framework-does-not-cover-outcome", mb(mutate=_outcome_item), "outcome", also=("does not cover items of kind",)),
    R("framework-does-not-cover-only-outcome", mb(mutate=[setter("items[0].kind", "outcome")]), "outcome",
      also=("does not cover items of kind",)),
]


@pytest.mark.parametrize("case", FRAMEWORK_CASES)
def test_framework_rule_refused(case: Refusal, tmp_path: Path) -> None:
    refuse(case, tmp_path)


# --------------------------------------------------------------------------- manifest.sig


def _sig_over_other_bytes(t: Path) -> Path:
    other = baseline_manifest()
    other["case"]["reference"] = "NS-2026-0148"
    return make_bundle(t, sig=hostile.detached_signature(manifest_json(other)))


def _sig_truncated(t: Path) -> Path:
    good = hostile.detached_signature(manifest_json(baseline_manifest()))
    return make_bundle(t, sig=good[: len(good) // 2])


def _sig_then_manifest_edited(t: Path) -> Path:
    signed = manifest_json(baseline_manifest())
    sig = hostile.detached_signature(signed)
    return make_bundle(t, sig=sig, manifest_bytes=signed + b"\n")  # one byte more: same JSON, other bytes


SIGNATURE_CASES = [
    R("sig-garbage", mb(sig=b"this is not a signature"), "manifest.sig"),
    R("sig-empty", mb(sig=b""), "manifest.sig"),
    R("sig-truncated-der", _sig_truncated, "manifest.sig"),
    R("sig-does-not-match", _sig_over_other_bytes, "manifest.sig"),
    R("sig-manifest-reformatted", _sig_then_manifest_edited, "manifest.sig"),
]


@pytest.mark.parametrize("case", SIGNATURE_CASES)
def test_signature_refused(case: Refusal, tmp_path: Path) -> None:
    """A signature that does not match the exact manifest bytes means the bundle was altered: refused."""
    refuse(case, tmp_path)


def test_matching_untrusted_signature_accepted(tmp_path: Path) -> None:
    data = manifest_json(baseline_manifest())
    checked = accept(make_bundle(tmp_path, manifest_bytes=data, sig=hostile.detached_signature(data)))
    assert checked.issuer_status == "untrusted"


# =========================================================================== acceptance


def test_baseline_accepted_with_its_identity(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    checked = accept(bundle)
    m = baseline_manifest()
    assert checked.fingerprint == hashlib.sha256(manifest_json(m)).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", checked.fingerprint)
    assert checked.manifest.bundle_id == m["bundle_id"]
    assert checked.manifest.case.reference == "NS-2026-0147"
    assert [d.id for d in checked.manifest.documents] == ["D1", "D2", "D3"]
    assert [d.path for d in checked.manifest.documents] == [PDF_PATH, TXT_PATH, PNG_PATH]
    assert [d.sha256 for d in checked.manifest.documents] == [d["sha256"] for d in m["documents"]]
    assert checked.issuer_status == "unsigned"


def _unknown_everywhere(m: dict) -> None:
    m["x_top"] = {"nested": [1, 2, {"deeper": None}]}
    for key in ("issuer", "case", "anonymisation", "review"):
        m[key]["x_unknown"] = "ignored"
    m["case"]["attributes"]["x_flag"] = True
    for lst in ("sections", "documents", "chronology", "items"):
        for obj in m[lst]:
            obj["x_unknown"] = {"any": ["thing"]}


def _min_manifest(m: dict) -> None:
    for k in ("sections", "chronology"):
        m.pop(k)
    for k in ("department",):
        m["issuer"].pop(k)
    for d in m["documents"]:
        for k in ("section", "date", "author_role", "pages"):
            d.pop(k, None)
    for i in m["items"]:
        for k in ("date", "made_by_role", "documents", "events"):
            i.pop(k, None)
    m["case"] = {"reference": m["case"]["reference"]}
    m["review"] = {"framework": m["review"]["framework"]}
    m["anonymisation"] = {"statement": m["anonymisation"]["statement"]}


def _dirs_order(entries: list[ZipEntry]) -> list[ZipEntry]:
    return [ZipEntry("documents/", b"", method=STORED), ZipEntry("attachments/", b"", method=STORED)] + entries + [
        ZipEntry("attachments/empty/", b"", method=STORED)]


def _utf8_across_chunks() -> bytes:
    # 3-byte characters straddle every power-of-two chunk boundary: a chunked decoder must carry them over
    return ("\u2014" * (MIB // 2 + 7) + "\n").encode()


ACCEPT_CASES = [
    pytest.param(mb(mutate=_unknown_everywhere), id="unknown-keys-at-every-level"),
    pytest.param(mb(format_version="1.7"), id="format-version-1.7"),
    pytest.param(mb(format_version="1.10"), id="format-version-1.10"),
    pytest.param(mb(created="2026-10-01T08:30:00Z"), id="created-utc-z"),
    pytest.param(mb(created="2026-10-01T09:30:00.123456-05:00"), id="created-fraction-negative-offset"),
    pytest.param(mb(mutate=setter("chronology[0].type", "family_group_conference")), id="unknown-chronology-type"),
    pytest.param(mb(order=_dirs_order), id="directory-entries"),
    pytest.param(mb(add=[NewDoc("documents/minutes.doc", b"\xd0\xcf\x11\xe0 anything at all", "application/msword", id="DOC")]),
                 id="media-type-outside-list"),
    pytest.param(mb(add=[NewDoc("documents/scan.tiff", b"", "image/tiff", id="TIFF", extra={"pages": 4})]), id="other-media-type-empty"),
    pytest.param(mb(files={TXT_PATH: b""}), id="empty-text-document"),
    pytest.param(mb(add=[NewDoc("documents/empty.md", b"", "text/markdown", id="MD")]), id="empty-markdown-document"),
    pytest.param(mb(add=[NewDoc("documents/long.txt", _utf8_across_chunks(), "text/plain", id="LONG", entry={"method": STORED})]),
                 id="utf8-characters-across-chunk-boundaries"),
    pytest.param(mb(mutate=_min_manifest), id="only-required-keys"),
    pytest.param(mb(mutate=lambda m: (m.pop("sections"), [d.pop("section") for d in m["documents"]])), id="sections-absent"),
    pytest.param(mb(mutate=lambda m: (m.pop("sections"), [d.update(section="A") for d in m["documents"]])),
                 id="sections-absent-section-A-named"),
    pytest.param(mb(mutate=[setter("review.framework", "outcome-verification"), _outcome_item]), id="outcome-verification-both-kinds"),
    pytest.param(mb(manifest_first=False), id="manifest-last"),
    pytest.param(mb(manifest_entry={"method": STORED}, entry_overrides={PDF_PATH: {"method": STORED}}), id="stored-entries"),
    pytest.param(mb(mutate=setter("items[0].documents", [])), id="item-without-documents"),
    pytest.param(mb(mutate=setter("documents[0].pages", 7)), id="issuer-pages-differ"),
    pytest.param(mb(mutate=setter("case.attributes", {"age": 7, "ratio": 0.5, "cla": True, "band": "5-9"})), id="attribute-value-types"),
    pytest.param(mb(mutate=setter("documents[2].id", "a.B_c-9" + "x" * 25)), id="document-id-32-chars-all-classes"),
    pytest.param(mb(mutate=lambda m: (m["sections"][0].update(id="B12"), m["documents"][0].update(section="B12"))), id="section-id-3-chars"),
]


@pytest.mark.parametrize("build", ACCEPT_CASES)
def test_conforming_variation_accepted(build: Callable[[Path], Path], tmp_path: Path) -> None:
    accept(build(tmp_path))


def test_lone_surrogate_escape_does_not_crash(tmp_path: Path) -> None:
    """``"\\ud800"`` is JSON syntax but no Unicode character: refused cleanly or accepted, never a crash."""
    text = manifest_json(baseline_manifest()).decode().replace('"Child A"', '"Child \\ud800A"', 1)
    bundle = make_bundle(tmp_path / "in", manifest_bytes=text.encode())
    try:
        check_bundle(bundle)
    except BundleError as err:
        assert bundle.name in str(err)
    for d in ("home", "tmp", "cwd"):
        (tmp_path / d).mkdir()
    proc = run_cli(["bundle", "check", str(bundle)], tmp_path)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr


def test_empty_text_document_listed(tmp_path: Path) -> None:
    checked = accept(make_bundle(tmp_path, files={TXT_PATH: b""}))
    d = {d.id: d for d in checked.manifest.documents}["D2"]
    assert d.sha256 == hashlib.sha256(b"").hexdigest()


# =========================================================================== the command line

# A representative subset (each costs three CLI processes): one or two per family of rules.
CLI_IDS = {
    "name-dotdot-listed",
    "name-absolute-listed",
    "name-control-newline-listed",
    "symlink",
    "duplicate-manifest",
    "case-collision-new-pair",
    "local-header-inside-other-entry",
    "header-declares-smaller",
    "encrypted-flag",
    "method-bzip2",
    "sha256-mismatch",
    "manifest-deeply-nested-unclosed",
    "nan",
    "format-version-2.0",
    "item-to-missing-document",
    "framework-does-not-cover-outcome",
    "sig-does-not-match",
}
CLI_CASES = [
    p
    for group in (ENTRY_NAME_CASES, DUPLICATE_CASES, SPECIAL_FILE_CASES, OVERLAP_CASES, CONTAINER_CASES, DOCUMENT_CASES,
                  MANIFEST_SYNTAX_CASES, VALUE_CASES, REFERENCE_CASES, FRAMEWORK_CASES, SIGNATURE_CASES)
    for p in group
    if p.values[0].id in CLI_IDS
] + [
    R("missing-case.reference", mb(mutate=deleter("case.reference")), J("case.reference")),
]
assert len(CLI_CASES) == len(CLI_IDS) + 1, "a CLI case id is misspelt"


def snapshot(root: Path) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def cli_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEVIEW_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local/state"),
        TMPDIR=str(tmp_path / "tmp"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_cli(args: list[str], tmp_path: Path, *, memory_cap: bool = False) -> subprocess.CompletedProcess:
    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [PYTHON, "-m", "caseview", *args],
        capture_output=True,
        text=True,
        errors="replace",
        env=cli_env(tmp_path),
        cwd=tmp_path / "cwd",
        timeout=300,
        preexec_fn=cap if memory_cap else None,
    )


def assert_one_error_line(proc: subprocess.CompletedProcess, what: str) -> str:
    assert "Traceback" not in proc.stdout + proc.stderr, f"{what}: traceback\n{proc.stderr[-3000:]}"
    assert proc.returncode == 1, f"{what}: exit {proc.returncode}\nstdout={proc.stdout!r}\nstderr={proc.stderr!r}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"{what}: stderr is not one line: {proc.stderr!r}"
    assert lines[0].startswith("error:"), f"{what}: {lines[0]!r}"
    return lines[0]


def cli_refuses(case: Refusal, tmp_path: Path, *, memory_cap: bool = False) -> None:
    for d in ("home", "tmp", "cwd"):
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
    bundle = case.build(tmp_path / "in")
    ws = tmp_path / "ws"
    before = {d: snapshot(tmp_path / d) for d in ("in", "home", "tmp", "cwd")}

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:  # two independent processes: run them side by side
        checking = pool.submit(run_cli, ["bundle", "check", str(bundle)], tmp_path, memory_cap=memory_cap)
        importing = pool.submit(run_cli, ["import", str(bundle), "--workspace", str(ws)], tmp_path, memory_cap=memory_cap)
        checked, imported = checking.result(), importing.result()
    line = assert_one_error_line(checked, "bundle check")
    assert bundle.name in line
    assert any(mentions(line, n) for n in case.names), line
    line = assert_one_error_line(imported, "import")
    assert bundle.name in line

    listed = run_cli(["cases", "--workspace", str(ws), "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [], listed.stdout

    after = {d: snapshot(tmp_path / d) for d in ("in", "home", "tmp", "cwd")}
    for d in before:
        assert after[d] == before[d], f"{d}/ changed: {set(after[d]) ^ set(before[d]) or 'metadata'}"
    assert {p.name for p in tmp_path.iterdir()} <= {"in", "home", "tmp", "cwd", "ws"}, sorted(os.listdir(tmp_path))
    stray = [str(p) for p in tmp_path.rglob("*evil*")]
    assert not stray, f"materialised: {stray}"
    if ws.exists():
        assert not [p for p in ws.rglob("*") if p.is_symlink()], "a symlink was created in the workspace"


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_refuses_hostile_bundle(case: Refusal, tmp_path: Path) -> None:
    cli_refuses(case, tmp_path)


@pytest.mark.parametrize(
    "build, names",
    [pytest.param(ratio_bomb, ("documents/bomb.bin",), id="ratio-bomb"), pytest.param(lying_bomb, ("documents/bomb.bin",), id="lying-bomb")],
)
def test_cli_refuses_bomb_within_memory_cap(build, names, tmp_path: Path) -> None:
    cli_refuses(Refusal("bomb", build, names), tmp_path, memory_cap=True)


def test_cli_accepts_baseline(tmp_path: Path) -> None:
    """The control for the refusals above: the same commands succeed on the conforming bundle."""
    for d in ("home", "tmp", "cwd"):
        (tmp_path / d).mkdir()
    bundle = make_bundle(tmp_path / "in")
    proc = run_cli(["bundle", "check", str(bundle)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(read_member(bundle, "manifest.json")).hexdigest() in proc.stdout
    assert "Traceback" not in proc.stderr
    ws = tmp_path / "ws"
    proc = run_cli(["import", str(bundle), "--workspace", str(ws)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    case_id = proc.stdout.strip().splitlines()[-1]
    listed = run_cli(["cases", "--workspace", str(ws), "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    cases = json.loads(listed.stdout)
    assert len(cases) == 1 and case_id in json.dumps(cases)
