"""Test material for moderation: a small case (bundle format 1.0, framework case-file-audit 1.0) reviewed and signed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from caseview.core.finalise import produce_report
from caseview.core.frameworks import CASE
from caseview.core.importer import import_bundle
from caseview.core.review import AddEvidence, Anchor, Evidence, SetAnswer, apply, new_id
from caseview.core.store import Workspace
from tests.core import pdf_fixtures as F
from tests.core.test_review import ALL_CASE, ALL_DECISION
from tests.factory import BundleFactory


@dataclass(frozen=True)
class SignedCase:
    root: Path  # the workspace folder
    case_id: str
    report: Path
    bundle: Path


def signed_case(root: Path, *, judgements: tuple[int, int] = (2, 3), bundle_id: str | None = None,
                reference: str = "TS-2026-0001") -> SignedCase:
    """A 1.0 bundle with two decisions, every question answered, signed by the test reviewer."""
    factory = BundleFactory(root / "bundles")
    manifest = factory.default_manifest()
    if bundle_id:
        manifest["bundle_id"] = bundle_id
    manifest["case"]["reference"] = reference
    bundle = factory.build(manifest)
    with Workspace(root / "ws", backup=False) as ws:
        case_id = import_bundle(ws, bundle).case_id
        for item, grade in zip(("K1", "K2"), judgements):
            for q, v in {**ALL_DECISION, "judgement": grade}.items():
                apply(ws, case_id, SetAnswer(item, q, v))
        for q, v in ALL_CASE.items():
            apply(ws, case_id, SetAnswer(CASE, q, v))
        apply(ws, case_id, AddEvidence(Evidence(new_id("E"), "K1", Anchor("D1", 1, "bruise", "has a ", " on"), "")))
        apply(ws, case_id, AddEvidence(Evidence(new_id("E"), "K2", Anchor("D2", 2, None), "")))
        out = root / "R.pdf"
        produce_report(ws, case_id, out, identity=F.reviewer())
    return SignedCase(root / "ws", case_id, out, bundle)


def verdicts(d: dict, **by_item) -> dict:
    """A moderation.json with the given verdicts (item id -> dict of fields); others agree."""
    for it in d["items"]:
        it.update({"verdict": "agree"} | by_item.get(it["item_id"], {}))
    return d


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
