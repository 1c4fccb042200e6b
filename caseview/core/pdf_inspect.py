"""Read-only looks into a signed report: what an incremental update changed, and the embedded findings."""

from __future__ import annotations

import json
from typing import Any

FINDINGS_NAME = "findings.json"
_INFO_KEYS = (
    ("fingerprint", "/CaseViewFingerprint", "bundle fingerprint"),
    ("case_reference", "/CaseViewCaseReference", "case reference"),
    ("bundle_id", "/CaseViewBundleId", "bundle id"),
)


def dget(d, key, default=None):
    """``d[key]`` with indirect references resolved; pyHanko's ``dict.get`` returns them raw."""
    try:
        return d[key] if key in d else default
    except Exception:
        return default


def describe_revision(reader, revision: int) -> str:
    """Say in words what an unexpected incremental update touched."""
    from pyhanko.pdf_utils import generic

    try:
        refs = reader.xrefs.explicit_refs_in_revision(revision)
        resolver = reader.get_historical_resolver(revision)
        before = reader.get_historical_resolver(revision - 1)
        what: set[str] = set()
        changed_keys = info_changes(before, resolver)
        if changed_keys:
            what.add(f"edits the document information ({', '.join(changed_keys)})")
        for ref in refs:
            try:
                obj = resolver.get_object(ref)
            except Exception:
                continue
            if not isinstance(obj, generic.DictionaryObject):
                continue
            typ = dget(obj, "/Type")
            if typ == "/Page":
                number = page_numbers(resolver).get((ref.idnum, ref.generation))
                what.add(f"changes page {number}" if number else "changes a page")
            elif typ == "/Pages":
                what.add("changes the list of pages")
            elif typ in ("/Filespec", "/EmbeddedFile") or "/EmbeddedFiles" in obj:
                what.add("changes the attached findings")
            elif typ == "/Catalog":
                if "/AF" in obj or "/Names" in obj:
                    # only say so when the attachment entries actually differ from before
                    try:
                        if dget(obj, "/AF") != dget(before.root, "/AF") or dget(obj, "/Names") != dget(before.root, "/Names"):
                            what.add("changes the attached findings")
                    except Exception:
                        pass
            elif isinstance(obj, generic.StreamObject) and typ is None:
                what.add("adds or replaces drawn content")
            elif typ == "/Annot":
                what.add("adds or changes annotations")
        if not what:
            what.add("changes the document")
        return " and ".join(sorted(what))
    except Exception:
        return "changes the document"


def page_numbers(resolver) -> dict[tuple[int, int], int]:
    """Map page object references to 1-based page numbers in one revision."""
    numbers: dict[tuple[int, int], int] = {}

    def walk(node_ref, depth=0):
        if depth > 32:  # a loop in a hostile page tree must not hang the verifier
            return
        node = resolver.get_object(node_ref.reference) if hasattr(node_ref, "reference") else node_ref
        if dget(node, "/Type") == "/Pages":
            kids = node["/Kids"]
            for i in range(len(kids)):
                walk(kids.raw_get(i), depth + 1)
        elif hasattr(node_ref, "reference"):
            numbers[(node_ref.reference.idnum, node_ref.reference.generation)] = len(numbers) + 1

    try:
        walk(resolver.root.raw_get("/Pages"))
    except Exception:
        pass
    return numbers


def info_changes(before, after) -> list[str]:
    """Document-information keys whose values differ; a new /ModDate or /Producer alone says nothing."""

    def as_dict(resolver) -> dict[str, str]:
        try:
            # Resolve through this revision's resolver: trailer_view[...] would give the newest object.
            ref = resolver.trailer_view.raw_get("/Info")
            info = resolver.get_object(ref.reference) if hasattr(ref, "reference") else ref
            return {str(k)[1:]: str(info[k]) for k in info}
        except Exception:
            return {}

    old, new = as_dict(before), as_dict(after)
    keys = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    return sorted(keys - {"ModDate", "Producer"})


def read_findings(reader) -> tuple[bytes | None, str | None]:
    """The bytes of the embedded findings.json, or a reason they cannot be read."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]
    except (KeyError, TypeError):
        return None, f"The report has no attached findings ({FINDINGS_NAME})."
    if "/Kids" in names:
        return None, f"The report's attached files are in a form CaseView does not write; {FINDINGS_NAME} was not read."
    arr = dget(names, "/Names", [])
    hits = [arr[i + 1] for i in range(0, len(arr) - 1, 2) if str(arr[i]) == FINDINGS_NAME]
    if not hits:
        return None, f"The report has no attached findings ({FINDINGS_NAME})."
    if len(hits) > 1:
        return None, f"The report has more than one attached {FINDINGS_NAME}, so which was signed is ambiguous."
    try:
        spec = hits[0]
        ef = spec["/EF"]
        stream = ef["/UF"] if "/UF" in ef else ef["/F"]
        return stream.data, None
    except Exception:
        return None, f"The attached {FINDINGS_NAME} cannot be read."


def check_findings(reader, findings_bytes: bytes) -> tuple[dict[str, Any] | None, bool | None, list[str]]:
    reasons: list[str] = []
    try:
        findings = json.loads(findings_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, False, [f"The attached {FINDINGS_NAME} is not valid UTF-8 JSON."]
    if not isinstance(findings, dict) or not isinstance(findings.get("bundle"), dict):
        return (findings if isinstance(findings, dict) else None), False, [
            f"The attached {FINDINGS_NAME} does not say which bundle it reviewed."
        ]
    bundle = findings["bundle"]
    try:
        info = reader.trailer["/Info"]
    except (KeyError, TypeError):
        info = {}
    for key, pdf_key, words in _INFO_KEYS:
        in_findings = bundle.get(key)
        try:
            in_doc = str(info[pdf_key])
        except (KeyError, TypeError):
            in_doc = None
        if in_doc is None:
            reasons.append(f"The document information has no {words} ({pdf_key[1:]}) to compare with the findings.")
        elif in_findings != in_doc:
            reasons.append(
                f"The {words} in the attached findings ({in_findings}) differs from the one in the document "
                f"information ({in_doc})."
            )
    return findings, not reasons, reasons
