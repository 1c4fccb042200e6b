"""Craft case bundles byte by byte, including ZIP files that ``zipfile`` refuses to write.

Nothing here imports CaseView: the bundles are built from the format spec
(/work/shared/specs/bundle-format.md) alone, so that the tests judge the reader
rather than mirror it.

Layers, from the bottom:

* document bytes: :func:`tiny_pdf`, :func:`tiny_png`, :func:`text_note`;
* a raw ZIP writer: :class:`ZipEntry` (every header field can lie),
  :class:`ZipWriter` (local headers, central records and EOCD placed by hand),
  layouts for overlapping entries;
* the conforming baseline: :func:`baseline_files`, :func:`baseline_manifest`,
  :func:`make_bundle` with overrides for every kind of mischief.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

STORED = 0
DEFLATED = 8
BZIP2 = 12
LZMA = 14

S_IFREG = 0o100000
S_IFDIR = 0o040000
S_IFLNK = 0o120000
S_IFIFO = 0o010000
S_IFCHR = 0o020000
S_IFBLK = 0o060000
S_IFSOCK = 0o140000

SYSTEM_MSDOS = 0  # "made on Windows / FAT"
SYSTEM_UNIX = 3

MIB = 1 << 20


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- documents


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def tiny_pdf(pages: Iterable[Iterable[str] | str] = ("Referral from school: concerns about attendance.",)) -> bytes:
    """A small, valid PDF written by hand: one page per item of ``pages``, each a few text lines.

    Helvetica (a standard 14 font, no embedding needed), a correct xref table and
    ``startxref``, so that any PDF reader counts and extracts the pages.
    """
    page_lines: list[list[str]] = [[p] if isinstance(p, str) else list(p) for p in pages]
    n = len(page_lines)
    # object numbers: 1 catalog, 2 pages, 3 font, then (page, content) pairs
    page_nums = [4 + 2 * i for i in range(n)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: (
            "<< /Type /Pages /Kids [" + " ".join(f"{p} 0 R" for p in page_nums) + f"] /Count {n} >>"
        ).encode("ascii"),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for i, lines in enumerate(page_lines):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
        for line in lines:
            ops.append(f"({_pdf_escape(line)}) Tj T*")
        ops.append("ET")
        stream = ("\n".join(ops) + "\n").encode("latin-1")
        objects[page_nums[i]] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_nums[i] + 1} 0 R >>"
        ).encode("ascii")
        objects[page_nums[i] + 1] = (
            f"<< /Length {len(stream)} >>\nstream\n".encode("ascii") + stream + b"endstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode("ascii") + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n".encode("ascii")
    out += b"0000000000 65535 f \n"
    for num in range(1, size):
        out += f"{offsets[num]:010d} 00000 n \n".encode("ascii")
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii")
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid truecolour PNG encoded with zlib and struct."""
    row = b"\x00" + bytes(rgb) * width  # filter type 0 (None) per scanline
    raw = row * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


def text_note(lines: int = 5, *, newline: str = "\n", marker: dict[int, str] | None = None) -> bytes:
    """UTF-8 text: ``lines`` numbered lines, each ending in ``newline``; ``marker`` puts words on 1-based lines."""
    marker = marker or {}
    out = []
    for i in range(1, lines + 1):
        words = f"Line {i} of the visit record — the child was seen alone"
        if i in marker:
            words += " " + marker[i]
        out.append(words + newline)
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------- raw ZIP


def _dos_datetime(dt: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def deflate_raw(data: bytes, level: int = 9) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@dataclass
class ZipEntry:
    """One ZIP entry; every field that a header carries can be forced to lie.

    ``None`` means "the honest value". Local-header fields default to the
    central-directory ones unless their ``local_*`` override is set.
    """

    name: str | bytes
    data: bytes = b""
    method: int = DEFLATED
    raw: bytes | None = None  # the bytes stored in the archive (compressed); default computed
    crc: int | None = None
    file_size: int | None = None  # declared uncompressed size
    compress_size: int | None = None  # declared compressed size
    flags: int | None = None  # default: 0x800 (UTF-8) when the name is non-ASCII
    create_system: int = SYSTEM_UNIX
    create_version: int = 20
    extract_version: int = 20
    external_attr: int | None = None  # default: regular file 0644 (dir 0755 + MS-DOS dir bit)
    internal_attr: int = 0
    extra: bytes = b""
    date_time: tuple[int, int, int, int, int, int] = (2026, 10, 1, 9, 30, 0)
    # local header only
    local_name: str | bytes | None = None
    local_crc: int | None = None
    local_file_size: int | None = None
    local_compress_size: int | None = None
    local_method: int | None = None
    local_flags: int | None = None

    # -- computed values
    @property
    def is_dir(self) -> bool:
        n = self.name if isinstance(self.name, str) else self.name.decode("utf-8", "replace")
        return n.endswith("/")

    def name_bytes(self, local: bool = False) -> bytes:
        n = self.local_name if (local and self.local_name is not None) else self.name
        return n.encode("utf-8") if isinstance(n, str) else n

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.method == STORED:
            return self.data
        if self.method == DEFLATED:
            return deflate_raw(self.data)
        if self.method in (BZIP2, LZMA):
            return compressed_by_zipfile(self.data, self.method)
        raise ValueError(f"give raw= for compression method {self.method}")

    def the_flags(self, local: bool = False) -> int:
        if local and self.local_flags is not None:
            return self.local_flags
        if self.flags is not None:
            return self.flags
        nb = self.name_bytes()
        return 0x800 if any(b >= 0x80 for b in nb) else 0

    def the_external_attr(self) -> int:
        if self.external_attr is not None:
            return self.external_attr
        if self.is_dir:
            return ((S_IFDIR | 0o755) << 16) | 0x10
        return (S_IFREG | 0o644) << 16

    def header_values(self, local: bool) -> tuple[int, int, int, int]:
        """(method, crc, compress_size, file_size) as written in the local or central header."""
        payload = self.payload()
        method, crc = self.method, self.crc if self.crc is not None else zlib.crc32(self.data)
        csize = self.compress_size if self.compress_size is not None else len(payload)
        usize = self.file_size if self.file_size is not None else len(self.data)
        if local:
            method = self.local_method if self.local_method is not None else method
            crc = self.local_crc if self.local_crc is not None else crc
            csize = self.local_compress_size if self.local_compress_size is not None else csize
            usize = self.local_file_size if self.local_file_size is not None else usize
        return method, crc, csize, usize

    def local_header(self) -> bytes:
        method, crc, csize, usize = self.header_values(local=True)
        t, d = _dos_datetime(self.date_time)
        name = self.name_bytes(local=True)
        return (
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                self.extract_version,
                self.the_flags(local=True),
                method,
                t,
                d,
                crc,
                csize,
                usize,
                len(name),
                len(self.extra),
            )
            + name
            + self.extra
        )

    def central_record(self, offset: int, *, name: str | bytes | None = None) -> bytes:
        method, crc, csize, usize = self.header_values(local=False)
        t, d = _dos_datetime(self.date_time)
        nb = self.name_bytes() if name is None else (name.encode("utf-8") if isinstance(name, str) else name)
        return (
            struct.pack(
                "<4sBBHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                self.create_version,
                self.create_system,
                self.extract_version,
                self.the_flags(),
                method,
                t,
                d,
                crc,
                csize,
                usize,
                len(nb),
                len(self.extra),
                0,  # comment length
                0,  # disk number start
                self.internal_attr,
                self.the_external_attr(),
                offset,
            )
            + nb
            + self.extra
        )


def eocd(
    n_entries: int,
    cd_size: int,
    cd_offset: int,
    *,
    disk: int = 0,
    cd_disk: int = 0,
    n_this_disk: int | None = None,
    comment: bytes = b"",
) -> bytes:
    return (
        struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            disk,
            cd_disk,
            n_entries if n_this_disk is None else n_this_disk,
            n_entries,
            cd_size,
            cd_offset,
            len(comment),
        )
        + comment
    )


class ZipWriter:
    """Place local entries, raw bytes and central records by hand, then the EOCD."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.records: list[bytes] = []
        self.offsets: dict[str | bytes, int] = {}

    def add(self, entry: ZipEntry, *, central: bool = True) -> int:
        """Write ``entry``'s local header and data; record it in the central directory unless told not to."""
        offset = len(self.buf)
        self.buf += entry.local_header() + entry.payload()
        self.offsets[entry.name] = offset
        if central:
            self.records.append(entry.central_record(offset))
        return offset

    def add_raw(self, data: bytes) -> int:
        offset = len(self.buf)
        self.buf += data
        return offset

    def add_central(self, entry: ZipEntry, offset: int, *, name: str | bytes | None = None) -> None:
        """A central-directory record for ``entry`` that points at ``offset`` (wherever that is)."""
        self.records.append(entry.central_record(offset, name=name))

    def finish(self, **eocd_overrides: Any) -> bytes:
        cd_offset = len(self.buf)
        cd = b"".join(self.records)
        return bytes(self.buf) + cd + eocd(len(self.records), len(cd), cd_offset, **eocd_overrides)


Layout = Callable[[list[ZipEntry]], bytes]


def standard_layout(entries: list[ZipEntry], **eocd_overrides: Any) -> bytes:
    w = ZipWriter()
    for e in entries:
        w.add(e)
    return w.finish(**eocd_overrides)


def write_zip(path: Path, entries: list[ZipEntry], *, layout: Layout | None = None) -> Path:
    path.write_bytes((layout or standard_layout)(entries))
    return path


def compressed_by_zipfile(data: bytes, method: int) -> bytes:
    """The raw member bytes that ``zipfile`` stores for ``data`` with ``method`` (bzip2, LZMA…)."""
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=method) as zf:
        zf.writestr("x", data)
    info = zipfile.ZipFile(io.BytesIO(bio.getvalue())).getinfo("x")
    raw = bio.getvalue()
    n, m = struct.unpack("<HH", raw[26:30])
    start = 30 + n + m
    return raw[start : start + info.compress_size]


# --------------------------------------------------------------------------- streaming bombs


@lru_cache(maxsize=4)
def zeros_bomb(total: int, *, prefix_len: int | None = None) -> tuple[bytes, int, str, int, str]:
    """Deflate ``total`` zero bytes streaming (little memory).

    Returns ``(deflated, crc32_all, sha256_all, crc32_prefix, sha256_prefix)`` where
    the prefix digests cover the first ``prefix_len`` bytes (for lying headers).
    """
    chunk = bytes(MIB)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = []
    crc, h = 0, hashlib.sha256()
    pcrc, ph = 0, hashlib.sha256()
    done = 0
    while done < total:
        n = min(MIB, total - done)
        piece = chunk if n == MIB else bytes(n)
        out.append(comp.compress(piece))
        crc = zlib.crc32(piece, crc)
        h.update(piece)
        if prefix_len is not None and done < prefix_len:
            p = piece[: prefix_len - done]
            pcrc = zlib.crc32(p, pcrc)
            ph.update(p)
        done += n
    out.append(comp.flush())
    return b"".join(out), crc, h.hexdigest(), pcrc, ph.hexdigest()


# --------------------------------------------------------------------------- the baseline bundle

PDF_PATH = "documents/referral.pdf"
TXT_PATH = "documents/visit-note.txt"
PNG_PATH = "documents/genogram.png"


def baseline_files() -> dict[str, bytes]:
    """Document path -> bytes of the conforming baseline (insertion order = manifest order)."""
    return {
        PDF_PATH: tiny_pdf(),
        TXT_PATH: text_note(5),
        PNG_PATH: tiny_png(),
    }


def baseline_manifest(files: dict[str, bytes] | None = None) -> dict[str, Any]:
    """A manifest that conforms to every rule of format 1.0, hashes computed from ``files``."""
    files = baseline_files() if files is None else files
    m: dict[str, Any] = {
        "format": "caseview-bundle",
        "format_version": "1.0",
        "bundle_id": "urn:uuid:6f1c1a52-8d0e-4c55-9c8f-0c6f6ab0d3a1",
        "created": "2026-10-01T09:30:00+01:00",
        "issuer": {"organisation": "Northshire Council Children's Services", "department": "Quality assurance"},
        "case": {
            "reference": "NS-2026-0147",
            "title": "Review of decisions after a school referral",
            "subject": "Child A",
            "attributes": {"age_band": "5-9", "legal_status": "Child protection plan", "siblings": 2, "cla": False},
        },
        "anonymisation": {
            "statement": "Names, addresses and dates of birth removed; people referred to by role.",
            "method": "Manual redaction, second-checked",
        },
        "review": {"framework": "case-file-audit", "due": "2026-11-30", "instructions": "Audit the decision."},
        "sections": [
            {"id": "B", "title": "Referrals and assessments"},
            {"id": "C", "title": "Plans and visits"},
        ],
        "documents": [
            {
                "id": "D1",
                "path": PDF_PATH,
                "media_type": "application/pdf",
                "sha256": sha256(files[PDF_PATH]),
                "size": len(files[PDF_PATH]),
                "title": "Referral from school",
                "section": "B",
                "date": "2026-01-14",
                "author_role": "Designated safeguarding lead",
                "pages": 1,
            },
            {
                "id": "D2",
                "path": TXT_PATH,
                "media_type": "text/plain",
                "sha256": sha256(files[TXT_PATH]),
                "size": len(files[TXT_PATH]),
                "title": "Note of home visit",
                "section": "C",
                "date": "2026-01-20",
                "author_role": "Social worker",
            },
            {
                "id": "D3",
                "path": PNG_PATH,
                "media_type": "image/png",
                "sha256": sha256(files[PNG_PATH]),
                "size": len(files[PNG_PATH]),
                "title": "Genogram",
                "section": "C",
            },
        ],
        "chronology": [
            {"id": "E1", "date": "2026-01-14", "title": "Referral received", "type": "referral", "documents": ["D1"]},
            {
                "id": "E2",
                "date": "2026-01-20T15:00:00Z",
                "title": "Home visit",
                "type": "statutory_visit",
                "documents": ["D2"],
                "items": ["K1"],
            },
        ],
        "items": [
            {
                "id": "K1",
                "kind": "decision",
                "date": "2026-01-15",
                "title": "Strategy discussion convened",
                "made_by_role": "Team manager",
                "documents": ["D1"],
                "events": ["E1"],
            }
        ],
    }
    return m


def rehash(manifest: dict[str, Any], files: dict[str, bytes]) -> None:
    """Set every listed document's ``sha256`` and ``size`` from ``files`` (where present)."""
    for d in manifest.get("documents", []):
        if isinstance(d, dict) and d.get("path") in files:
            d["sha256"] = sha256(files[d["path"]])
            d["size"] = len(files[d["path"]])


def manifest_json(manifest: Any) -> bytes:
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")


# ---- JSON path helpers for mutations: "documents[0].sha256", "case.reference"


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for dotted in path.split("."):
        name, *idx = dotted.split("[")
        if name:
            parts.append(name)
        for i in idx:
            parts.append(int(i.rstrip("]")))
    return parts


def get_path(doc: Any, path: str) -> Any:
    for p in _split_path(path):
        doc = doc[p]
    return doc


def set_path(doc: Any, path: str, value: Any) -> None:
    *head, last = _split_path(path)
    target = doc
    for p in head:
        target = target[p]
    target[last] = value


def del_path(doc: Any, path: str) -> None:
    *head, last = _split_path(path)
    target = doc
    for p in head:
        target = target[p]
    del target[last]


def setter(path: str, value: Any) -> Callable[[dict], None]:
    return lambda m: set_path(m, path, copy.deepcopy(value))


def deleter(path: str) -> Callable[[dict], None]:
    return lambda m: del_path(m, path)


@dataclass
class NewDoc:
    """A document added to both the archive and the manifest (hashes computed)."""

    path: str
    data: bytes
    media_type: str = "application/octet-stream"
    id: str | None = None
    title: str = "Added document"
    extra: dict[str, Any] = field(default_factory=dict)  # more manifest keys
    entry: dict[str, Any] = field(default_factory=dict)  # ZipEntry field overrides
    # declared values in the manifest, when they must differ from the bytes
    sha256: str | None = None
    size: int | None = None


def make_bundle(
    tmp_path: Path,
    *,
    name: str = "bundle.cvb",
    files: dict[str, bytes | None] | None = None,
    add: Iterable[NewDoc] = (),
    mutate: Callable[[dict], None] | Iterable[Callable[[dict], None]] = (),
    manifest_bytes: bytes | None = None,
    manifest_entry: dict[str, Any] | None = None,
    entry_overrides: dict[str, dict[str, Any]] | None = None,
    extra_entries: Iterable[ZipEntry] = (),
    drop_entries: Iterable[str] = (),
    sig: bytes | None = None,
    manifest_first: bool = True,
    order: Callable[[list[ZipEntry]], list[ZipEntry]] | None = None,
    layout: Layout | None = None,
    **overrides: Any,
) -> Path:
    """Write a bundle to ``tmp_path / name`` and return its path.

    Without arguments: the conforming baseline (framework ``case-file-audit``,
    a PDF, a text note and a PNG, chronology, one decision item).

    * ``files``: replace a baseline document's bytes (hashes follow) or ``None`` to
      leave it out of the archive (the manifest still lists it);
    * ``add``: :class:`NewDoc` documents appended to archive and manifest;
    * ``mutate``: callables applied to the manifest dict after hashing, and
      ``**overrides`` replace top-level manifest keys (``format_version="1.7"``);
    * ``manifest_bytes``: the exact bytes of ``manifest.json`` (skips the dict);
    * ``manifest_entry`` / ``entry_overrides``: :class:`ZipEntry` fields for the
      manifest / for the entry of a given name;
    * ``extra_entries``: raw entries appended after the documents (not listed);
    * ``drop_entries``: names left out of the archive;
    * ``sig``: bytes of ``manifest.sig``;
    * ``order`` / ``layout``: reorder entries / place them in the file by hand.
    """
    out_dir = tmp_path
    out_dir.mkdir(parents=True, exist_ok=True)
    docs = baseline_files()
    removed: set[str] = set()
    for p, data in (files or {}).items():
        if data is None:
            removed.add(p)
        else:
            docs[p] = data
    manifest = baseline_manifest({**baseline_files(), **docs})
    rehash(manifest, docs)
    added = list(add)
    entries_extra: dict[str, dict[str, Any]] = {}
    for i, nd in enumerate(added):
        doc_id = nd.id or f"X{i + 1}"
        manifest["documents"].append(
            {
                "id": doc_id,
                "path": nd.path,
                "media_type": nd.media_type,
                "sha256": nd.sha256 if nd.sha256 is not None else sha256(nd.data),
                "size": nd.size if nd.size is not None else len(nd.data),
                "title": nd.title,
                **nd.extra,
            }
        )
        docs[nd.path] = nd.data
        if nd.entry:
            entries_extra[nd.path] = nd.entry
    manifest.update(copy.deepcopy(overrides))
    for fn in [mutate] if callable(mutate) else list(mutate):
        fn(manifest)
    mbytes = manifest_json(manifest) if manifest_bytes is None else manifest_bytes

    overrides_by_name = {**entries_extra, **(entry_overrides or {})}
    m_entry = replace(ZipEntry("manifest.json", mbytes), **(manifest_entry or {}))
    doc_entries = [
        replace(ZipEntry(p, data), **overrides_by_name.get(p, {})) for p, data in docs.items() if p not in removed
    ]
    entries = ([m_entry] + doc_entries) if manifest_first else (doc_entries + [m_entry])
    if sig is not None:
        entries.append(replace(ZipEntry("manifest.sig", sig), **overrides_by_name.get("manifest.sig", {})))
    entries += list(extra_entries)
    dropped = set(drop_entries)
    entries = [e for e in entries if e.name not in dropped]
    if order is not None:
        entries = order(entries)
    return write_zip(out_dir / name, entries, layout=layout)


# --------------------------------------------------------------------------- overlap layouts


def duplicate_record_layout(target: str, alias: str) -> Layout:
    """A second central-directory record named ``alias`` that points at ``target``'s local header."""

    def layout(entries: list[ZipEntry]) -> bytes:
        w = ZipWriter()
        for e in entries:
            off = w.add(e)
            if e.name == target:
                target_entry, target_off = e, off
        w.add_central(target_entry, target_off, name=alias)
        return w.finish()

    return layout


def nested_local_header_layout(outer: str, inner: ZipEntry) -> Layout:
    """``inner``'s central record points inside ``outer``'s (stored) data, where its local header sits.

    Use with ``outer``'s data = ``inner.local_header() + inner.payload()``.
    """

    def layout(entries: list[ZipEntry]) -> bytes:
        w = ZipWriter()
        for e in entries:
            off = w.add(e)
            if e.name == outer:
                assert e.method == STORED
                w.add_central(inner, off + len(e.local_header()))
        return w.finish()

    return layout


def nested_overlap_parts(inner_name: str = "documents/inner.txt") -> tuple[ZipEntry, bytes]:
    """The inner entry and the outer entry's stored data (local header of inner + its bytes)."""
    inner = ZipEntry(inner_name, b"Inner record, hidden inside another entry.\n", method=STORED)
    return inner, inner.local_header() + inner.payload()


def cd_overlap_layout(first: str, tail: str, tail_prefix: bytes) -> Layout:
    """The last local entry ``tail`` (stored) has data that runs on into the central directory.

    ``first`` is written at offset 0 and its record is the first in the central
    directory; ``tail``'s data is ``tail_prefix`` + that record, and the central
    directory starts right after ``tail_prefix`` — so the last bytes of
    ``tail``'s data *are* the central directory. Everything else is consistent.
    """

    def layout(entries: list[ZipEntry]) -> bytes:
        by_name = {e.name: e for e in entries}
        first_e, tail_e = by_name[first], by_name[tail]
        assert tail_e.method == STORED
        w = ZipWriter()
        first_off = w.add(first_e, central=False)
        offsets = {first: first_off}
        for e in entries:
            if e.name not in (first, tail):
                offsets[e.name] = w.add(e, central=False)
        tail_off = len(w.buf)
        w.add_raw(tail_e.local_header() + tail_prefix)
        offsets[tail] = tail_off
        # central directory, starting with ``first``'s record (already part of tail's data)
        order = [first] + [e.name for e in entries if e.name not in (first, tail)] + [tail]
        for n in order:
            w.add_central(by_name[n], offsets[n])
        return w.finish()

    return layout


def cd_overlap_tail_data(first_entry: ZipEntry, tail_prefix: bytes) -> bytes:
    """The bytes of the tail entry for :func:`cd_overlap_layout` (``first`` at offset 0)."""
    return tail_prefix + first_entry.central_record(0)


# --------------------------------------------------------------------------- signatures


def self_signed_signer(common_name: str = "Northshire Council Children's Services"):
    """A throwaway EC key and self-signed certificate (nobody trusts it)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def detached_signature(data: bytes, key=None, cert=None) -> bytes:
    """A detached CMS/PKCS#7 signature (DER) over the exact bytes of ``data`` (``Binary``: no MIME canonicalisation)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    if key is None or cert is None:
        key, cert = self_signed_signer()
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(cert, key, hashes.SHA256())
        .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )

