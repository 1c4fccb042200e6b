"""Collect: many signed reports and moderation records become one evidence base (collect.md).

Every file is verified by :func:`caseview.core.verify.verify_report`, the one verifier,
and classified (``accepted``, ``untrusted``, ``rejected``, ``superseded``, ``duplicate``,
``not-a-report``) with a reason; the evidence base is an SQLite file whose schema
docs/collect.md documents.
"""

from .base import FORMAT, SCHEMA_VERSION, STATUSES, CollectError, open_evidence_base, write_csv
from .run import CollectResult, NotCounted, collect, cpu_jobs, find_inputs

__all__ = ["FORMAT", "SCHEMA_VERSION", "STATUSES", "CollectError", "CollectResult", "NotCounted", "collect",
           "cpu_jobs", "find_inputs", "open_evidence_base", "write_csv"]
