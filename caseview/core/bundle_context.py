"""What a reader of a signed report needs from the bundle beside the findings: issuer, items, claims (for collect).

The findings JSON names items only by id; a commissioner collecting hundreds of signed
reports needs each item's kind, title and date and, for an outcome, the claim with its
exact amount, or no total can be checked to the penny. The block is computed from the
manifest every time a report is produced and is never read back on import (like
``timeliness``); format 1.x readers ignore keys they do not know.
"""

from __future__ import annotations

from typing import Any, Mapping

KEY = "bundle_context"
_CLAIM_KEYS = ("reference", "provider", "contract", "amount", "currency")


def bundle_context(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """``{"issuer": str, "items": [{"item_id", "kind", "title", "date", "measure"?, "claim"?}]}`` in bundle order."""
    issuer = manifest.get("issuer") if isinstance(manifest.get("issuer"), Mapping) else {}
    items = []
    for item in manifest.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        row: dict[str, Any] = {"item_id": item.get("id"), "kind": item.get("kind"), "title": item.get("title"),
                               "date": item.get("date")}
        if item.get("measure"):
            row["measure"] = item.get("measure")
        claim = item.get("claim")
        if isinstance(claim, Mapping):
            row["claim"] = {k: claim.get(k) for k in _CLAIM_KEYS if claim.get(k) is not None}
        items.append(row)
    return {"issuer": issuer.get("organisation"), "items": items}
