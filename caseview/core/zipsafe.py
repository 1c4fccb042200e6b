"""A strict ZIP reader for untrusted archives: structure checked by hand, sizes checked while inflating.

Python's zipfile trusts what the headers say and (before 3.12.2) does not refuse
overlapping entries, so the central directory and local headers are parsed here
directly. Every entry's span in the file is computed and checked against every
other span and against the central directory; data is inflated in bounded chunks
and never allowed past the size its header declares.
"""

from __future__ import annotations

import os
import stat
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from .errors import BundleError

_EOCD_SIG = b"PK\x05\x06"
_EOCD64_SIG = b"PK\x06\x06"
_EOCD64_LOC_SIG = b"PK\x06\x07"
_CDIR_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
_CHUNK = 1 << 16

STORED = 0
DEFLATED = 8

_CREATE_SYSTEM_UNIX = 3


@dataclass(frozen=True)
class Entry:
    """One file entry of the archive as its central directory describes it."""

    name: str
    compress_type: int
    compressed_size: int
    file_size: int
    crc: int
    header_offset: int
    data_offset: int  # where the compressed bytes start (after the local header)
    flags: int
    is_dir: bool


def _u16(b: bytes, off: int) -> int:
    return struct.unpack_from("<H", b, off)[0]


def _u32(b: bytes, off: int) -> int:
    return struct.unpack_from("<I", b, off)[0]


def _u64(b: bytes, off: int) -> int:
    return struct.unpack_from("<Q", b, off)[0]


def check_entry_name(archive: str, name: str) -> None:
    """Refuse names that could escape a folder or mean different things on different systems."""

    def bad(why: str) -> BundleError:
        return BundleError(f"{archive}: entry {name!r} {why}.")

    if not name:
        raise bad("has an empty name")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise bad("has a control character in its name")
    if "\\" in name:
        raise bad("uses a backslash; entry names must be relative POSIX paths")
    if name.startswith("/"):
        raise bad("is an absolute path")
    if len(name) >= 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha():
        raise bad("starts with a drive letter")
    body = name[:-1] if name.endswith("/") else name
    for segment in body.split("/"):
        if segment == "":
            raise bad("has an empty path segment")
        if segment in (".", ".."):
            raise bad(f"has a {segment!r} path segment")


def collision_key(name: str) -> str:
    """Names equal under this key collide on Windows or macOS (case and Unicode form)."""
    return unicodedata.normalize("NFC", name).casefold()


class SafeZip:
    """Reads an archive's structure once, refusing anything ambiguous or hostile."""

    def __init__(self, fh: BinaryIO, archive_name: str, *, max_entries: int):
        self._fh = fh
        self.archive = archive_name
        fh.seek(0, os.SEEK_END)
        self.file_size = fh.tell()
        self.entries: list[Entry] = []
        self._read_structure(max_entries)

    # -- structure -------------------------------------------------------

    def _fail(self, why: str) -> BundleError:
        return BundleError(f"{self.archive}: {why}.")

    def _read_at(self, offset: int, size: int) -> bytes:
        if offset < 0 or offset + size > self.file_size:
            raise self._fail("is not a valid ZIP archive (a record points outside the file)")
        self._fh.seek(offset)
        data = self._fh.read(size)
        if len(data) != size:
            raise self._fail("is truncated")
        return data

    def _read_structure(self, max_entries: int) -> None:
        if self.file_size < _EOCD_SIZE:
            raise self._fail("is not a ZIP archive (too short)")
        tail_len = min(self.file_size, _EOCD_SIZE + _MAX_COMMENT)
        tail = self._read_at(self.file_size - tail_len, tail_len)
        pos = tail.rfind(_EOCD_SIG)
        # The comment must end exactly at the end of the file; anything else is trailing junk.
        while pos >= 0 and pos + _EOCD_SIZE + _u16(tail, pos + 20) != tail_len:
            pos = tail.rfind(_EOCD_SIG, 0, pos)
        if pos < 0:
            raise self._fail("is not a ZIP archive (no end of central directory record)")
        eocd_offset = self.file_size - tail_len + pos
        (disk, cd_disk, n_disk, n_total, cd_size, cd_offset) = struct.unpack_from("<HHHHII", tail, pos + 4)
        cd_end_limit = eocd_offset
        if 0xFFFF in (disk, cd_disk, n_disk, n_total) or 0xFFFFFFFF in (cd_size, cd_offset):
            disk, cd_disk, n_disk, n_total, cd_size, cd_offset, cd_end_limit = self._read_zip64_eocd(eocd_offset)
        if disk != 0 or cd_disk != 0 or n_disk != n_total:
            raise self._fail("is a multi-disk (split) archive, which bundles may not be")
        if n_total > max_entries:
            raise self._fail(f"has {n_total:,} entries, more than the {max_entries:,} allowed")
        if cd_offset + cd_size != cd_end_limit:
            raise self._fail("is not a well-formed ZIP archive (the central directory is not where the end record says)")
        cd = self._read_at(cd_offset, cd_size)
        spans: list[tuple[int, int, str]] = [(cd_offset, self.file_size, "the central directory")]
        off = 0
        for _ in range(n_total):
            entry, off = self._parse_central_record(cd, off)
            self.entries.append(entry)
            spans.append((entry.header_offset, self._entry_end(entry), entry.name))
        if off != cd_size:
            raise self._fail("is not a well-formed ZIP archive (the central directory has extra bytes)")
        spans.sort()
        for (a_start, a_end, a_name), (b_start, b_end, b_name) in zip(spans, spans[1:]):
            if b_start < a_end:
                raise self._fail(f"has overlapping entries: {b_name!r} overlaps {a_name!r}")

    def _read_zip64_eocd(self, eocd_offset: int) -> tuple[int, int, int, int, int, int, int]:
        loc_offset = eocd_offset - 20
        loc = self._read_at(loc_offset, 20)
        if loc[:4] != _EOCD64_LOC_SIG:
            raise self._fail("is not a well-formed ZIP archive (missing ZIP64 locator)")
        loc_disk, rec_offset, total_disks = struct.unpack_from("<IQI", loc, 4)
        if loc_disk != 0 or total_disks != 1:
            raise self._fail("is a multi-disk (split) archive, which bundles may not be")
        rec = self._read_at(rec_offset, 56)
        if rec[:4] != _EOCD64_SIG:
            raise self._fail("is not a well-formed ZIP archive (bad ZIP64 end record)")
        disk, cd_disk, n_disk, n_total, cd_size, cd_offset = struct.unpack_from("<IIQQQQ", rec, 16)
        return disk, cd_disk, n_disk, n_total, cd_size, cd_offset, rec_offset

    def _parse_central_record(self, cd: bytes, off: int) -> tuple[Entry, int]:
        if cd[off:off + 4] != _CDIR_SIG or off + 46 > len(cd):
            raise self._fail("is not a well-formed ZIP archive (bad central directory record)")
        (made_by, _need, flags, method, _time, _date, crc, csize, usize,
         nlen, xlen, clen, disk_start, _iattr, eattr, hoff) = struct.unpack_from(
            "<HHHHHHIIIHHHHHII", cd, off + 4)
        raw_name = cd[off + 46: off + 46 + nlen]
        extra = cd[off + 46 + nlen: off + 46 + nlen + xlen]
        end = off + 46 + nlen + xlen + clen
        if end > len(cd):
            raise self._fail("is not a well-formed ZIP archive (a central directory record is cut short)")
        name = self._decode_name(raw_name, flags)
        check_entry_name(self.archive, name)
        usize, csize, hoff, disk_start = self._apply_zip64(extra, usize, csize, hoff, disk_start, name)
        if disk_start not in (0, 0xFFFF):
            raise self._fail("is a multi-disk (split) archive, which bundles may not be")
        if flags & 0x1 or flags & 0x40:
            raise self._fail(f"entry {name!r} is encrypted; bundles may not contain encrypted entries")
        is_dir = name.endswith("/")
        if made_by >> 8 == _CREATE_SYSTEM_UNIX:
            mode = eattr >> 16
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                raise self._fail(f"entry {name!r} is a symbolic link; bundles may hold only regular files")
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR) or (kind == stat.S_IFDIR and not is_dir):
                raise self._fail(f"entry {name!r} is a special file; bundles may hold only regular files")
        if not is_dir and method not in (STORED, DEFLATED):
            raise self._fail(f"entry {name!r} uses compression method {method}; only stored and deflated are allowed")
        if method == STORED and csize != usize and not is_dir:
            raise self._fail(f"entry {name!r} is stored but its sizes disagree")
        data_offset = self._check_local_header(hoff, name, raw_name, method, crc, csize, usize)
        entry = Entry(name=name, compress_type=method, compressed_size=csize, file_size=usize,
                      crc=crc, header_offset=hoff, data_offset=data_offset, flags=flags, is_dir=is_dir)
        if data_offset + csize > self.file_size:
            raise self._fail(f"entry {name!r} runs past the end of the archive")
        return entry, end

    def _decode_name(self, raw: bytes, flags: int) -> str:
        if flags & 0x800:
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                shown = raw.decode("utf-8", "backslashreplace")
                raise self._fail(f"entry {shown!r} has a name that is not valid UTF-8") from None
        return raw.decode("cp437")

    def _apply_zip64(self, extra: bytes, usize: int, csize: int, hoff: int, disk: int, name: str):
        pos = 0
        while pos + 4 <= len(extra):
            tag, size = struct.unpack_from("<HH", extra, pos)
            body = extra[pos + 4: pos + 4 + size]
            if tag == 0x0001:
                vals = []
                for i in range(len(body) // 8):
                    vals.append(_u64(body, i * 8))
                it = iter(vals)
                try:
                    if usize == 0xFFFFFFFF:
                        usize = next(it)
                    if csize == 0xFFFFFFFF:
                        csize = next(it)
                    if hoff == 0xFFFFFFFF:
                        hoff = next(it)
                except StopIteration:
                    raise self._fail(f"entry {name!r} has a malformed ZIP64 field") from None
            pos += 4 + size
        return usize, csize, hoff, disk

    def _check_local_header(self, hoff: int, name: str, raw_name: bytes, method: int, crc: int,
                            csize: int, usize: int) -> int:
        """The local header must tell the same story as the central directory (no parser confusion)."""
        head = self._read_at(hoff, 30)
        if head[:4] != _LOCAL_SIG:
            raise self._fail(f"entry {name!r} does not point at a local file header")
        (_need, lflags, lmethod, _t, _d, lcrc, lcsize, lusize, nlen, xlen) = struct.unpack_from("<HHHHHIIIHH", head, 4)
        local_name = self._read_at(hoff + 30, nlen)
        if local_name != raw_name:
            raise self._fail(f"entry {name!r} has a different name in its local header")
        if lmethod != method:
            raise self._fail(f"entry {name!r} has a different compression method in its local header")
        if not lflags & 0x8:  # without a data descriptor the local header carries the real values
            if lcsize == 0xFFFFFFFF or lusize == 0xFFFFFFFF:
                extra = self._read_at(hoff + 30 + nlen, xlen)
                lusize, lcsize, _, _ = self._apply_zip64(extra, lusize, lcsize, 0, 0, name)
            if (lcrc, lcsize, lusize) != (crc, csize, usize):
                raise self._fail(f"entry {name!r} has different sizes or checksum in its local header and its "
                                 f"central directory record")
        return hoff + 30 + nlen + xlen

    def _entry_end(self, e: Entry) -> int:
        end = e.data_offset + e.compressed_size
        if e.flags & 0x8:  # a data descriptor follows the data
            desc = self._fh_peek(end, 4)
            size = 16 if e.compressed_size < 0xFFFFFFFF and e.file_size < 0xFFFFFFFF else 24
            end += size if desc == b"PK\x07\x08" else size - 4
        return end

    def _fh_peek(self, offset: int, size: int) -> bytes:
        if offset + size > self.file_size:
            return b""
        self._fh.seek(offset)
        return self._fh.read(size)

    # -- data ------------------------------------------------------------

    def iter_data(self, e: Entry, *, limit: int) -> Iterator[bytes]:
        """Yield the entry's uncompressed bytes in chunks, never more than its header declares.

        ``limit`` bounds the output too (the caller's per-entry limit), so a header that
        lies about the size cannot make this read past what the caller allowed.
        """
        cap = min(e.file_size, limit)
        remaining_in = e.compressed_size
        produced = 0
        crc = 0
        self._fh.seek(e.data_offset)
        inflater = zlib.decompressobj(-15) if e.compress_type == DEFLATED else None
        while True:
            if inflater is not None and inflater.unconsumed_tail:
                chunk_in = inflater.unconsumed_tail
            elif remaining_in > 0:
                self._fh.seek(e.data_offset + (e.compressed_size - remaining_in))
                chunk_in = self._fh.read(min(_CHUNK, remaining_in))
                if not chunk_in:
                    raise self._fail(f"entry {e.name!r} is truncated")
                remaining_in -= len(chunk_in)
            elif inflater is not None and not inflater.eof:
                chunk_in = b""
            else:
                break
            if inflater is None:
                out = chunk_in
            else:
                try:
                    out = inflater.decompress(chunk_in, cap + 1 - produced)
                except zlib.error:
                    raise self._fail(f"entry {e.name!r} is corrupt (its compressed data does not inflate)") from None
                if not chunk_in and not out:
                    if not inflater.eof:
                        raise self._fail(f"entry {e.name!r} is truncated")
                    break
            produced += len(out)
            if produced > cap:
                if cap < e.file_size:
                    raise _TooLarge(e.name)
                raise self._fail(f"entry {e.name!r} inflates to more than the {e.file_size:,} bytes its header declares")
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            if inflater is not None and inflater.eof:
                break
        if inflater is not None and (inflater.unused_data or remaining_in):
            raise self._fail(f"entry {e.name!r} has data after the end of its compressed stream")
        if produced != e.file_size:
            raise self._fail(f"entry {e.name!r} inflates to {produced:,} bytes, not the {e.file_size:,} its header declares")
        if crc != e.crc:
            raise self._fail(f"entry {e.name!r} is corrupt (CRC mismatch)")


class _TooLarge(BundleError):
    """Raised when an entry's data reaches the caller's limit; the caller words the message."""

    def __init__(self, name: str):
        super().__init__(f"entry {name!r} is too large")
        self.name = name
