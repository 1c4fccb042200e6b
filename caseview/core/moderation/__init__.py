"""Moderation: a second reviewer checks a signed report item by item, then signs a record and countersigns the report.

The contract is ``shared/specs/moderation.md`` (restated in ``docs/moderation.md``). A
moderation lives in the workspace beside the case's review (tables of migration
``0003_moderation``): ``start`` verifies the report and keeps its bytes; ``commands``
change the verdicts with inverses and a hash-chained history; ``io`` is moderation.json
both ways; ``record`` lays out the record PDF; ``finish`` signs both outputs.
"""

from .commands import (AddCitation, RemoveCitation, ReplaceModeration, SetOverall, SetPayment, SetVerdict, apply,
                       history_rows, load_context, read_state, resolve_moderation, verify_history)
from .finish import FinishedModeration, finish_moderation
from .io import export_moderation, import_moderation, moderation_bytes, parse_moderation, write_moderation
from .model import Citation, ItemVerdict, Missing, ModerationContext, ModerationState, PaymentChange, missing
from .start import Started, list_moderations, start_moderation

__all__ = [
    "AddCitation", "Citation", "FinishedModeration", "ItemVerdict", "Missing", "ModerationContext", "ModerationState",
    "PaymentChange", "RemoveCitation", "ReplaceModeration", "SetOverall", "SetPayment", "SetVerdict", "Started",
    "apply", "export_moderation", "finish_moderation", "history_rows", "import_moderation", "list_moderations",
    "load_context", "missing", "moderation_bytes", "parse_moderation", "read_state", "resolve_moderation",
    "start_moderation", "verify_history", "write_moderation",
]
