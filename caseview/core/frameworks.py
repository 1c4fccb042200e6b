"""Review frameworks: load, validate whole (never half-load), and look up by id."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..paths import resource
from .errors import FrameworkError
from .jsonload import JsonFault, first_schema_fault, parse_json_bytes

SCHEMA = "framework-1.schema.json"
MAX_FRAMEWORK_BYTES = 1 << 20
CASE = ""  # the item id under which case-level answers are kept


@dataclass(frozen=True)
class ScaleLevel:
    value: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str
    required: bool
    help: str = ""
    options: tuple[str, ...] = ()
    scale: str | None = None
    min_evidence: int = 0


@dataclass(frozen=True)
class Framework:
    """A validated framework. ``source`` is the exact JSON text a review keeps a copy of."""

    id: str
    version: str
    title: str
    description: str
    scales: dict[str, tuple[ScaleLevel, ...]]
    item_questions: dict[str, tuple[Question, ...]]
    case_questions: tuple[Question, ...]
    source: str

    def questions_for(self, kind: str) -> tuple[Question, ...]:
        """Questions for an item of ``kind``, or the case questions for :data:`CASE`."""
        if kind == CASE:
            return self.case_questions
        return self.item_questions.get(kind, ())

    def covers(self, kind: str) -> bool:
        return kind in self.item_questions

    def scale(self, name: str) -> tuple[ScaleLevel, ...]:
        return self.scales[name]


def parse_framework(text: str, origin: str) -> Framework:
    """Validate framework JSON text; raise :class:`FrameworkError` naming the JSON path of the fault."""
    try:
        obj = parse_json_bytes(text.encode("utf-8"))
        if not isinstance(obj, dict):
            raise JsonFault("must be a JSON object at the top level")
        fault = first_schema_fault(obj, SCHEMA)
        if fault is not None:
            raise fault
        return _build(obj, text)
    except JsonFault as fault:
        where = f" at {fault.path}" if fault.path else ""
        raise FrameworkError(f"Framework file {origin}{where} {fault.message}; it was not loaded.") from None


def _question(q: dict) -> Question:
    return Question(id=q["id"], text=q["text"], type=q["type"], required=q["required"], help=q.get("help", ""),
                    options=tuple(q.get("options", ())), scale=q.get("scale"),
                    min_evidence=q.get("min_evidence", 0))


def _check_questions(qs: list[dict], where: str, scales: dict) -> None:
    seen: set[str] = set()
    for i, q in enumerate(qs):
        if q["id"] in seen:
            raise JsonFault(f"repeats question id {q['id']!r}", f"{where}[{i}].id")
        seen.add(q["id"])
        if q["type"] == "scale" and q["scale"] not in scales:
            raise JsonFault(f"names scale {q['scale']!r}, which the framework does not define", f"{where}[{i}].scale")
        if len(set(q.get("options", []))) != len(q.get("options", [])):
            raise JsonFault("repeats an option", f"{where}[{i}].options")


def _build(obj: dict, text: str) -> Framework:
    scales = obj["scales"]
    for name, levels in scales.items():
        values = [lv["value"] for lv in levels]
        if len(set(values)) != len(values):
            raise JsonFault("repeats a value", f"scales.{name}")
    for kind, qs in obj["item_questions"].items():
        _check_questions(qs, f"item_questions.{kind}", scales)
    _check_questions(obj["case_questions"], "case_questions", scales)
    return Framework(
        id=obj["id"], version=obj["version"], title=obj["title"], description=obj.get("description", ""),
        scales={n: tuple(ScaleLevel(lv["value"], lv["label"], lv.get("description", "")) for lv in lvs)
                for n, lvs in scales.items()},
        item_questions={k: tuple(_question(q) for q in qs) for k, qs in obj["item_questions"].items()},
        case_questions=tuple(_question(q) for q in obj["case_questions"]),
        source=text,
    )


def load_framework_file(path: Path) -> Framework:
    try:
        text = path.read_bytes()
        if len(text) > MAX_FRAMEWORK_BYTES:
            raise FrameworkError(f"Framework file {path} is larger than {MAX_FRAMEWORK_BYTES:,} bytes; it was not loaded.")
        return parse_framework(text.decode("utf-8"), str(path))
    except UnicodeDecodeError:
        raise FrameworkError(f"Framework file {path} is not UTF-8 text; it was not loaded.") from None
    except OSError as exc:
        raise FrameworkError(f"Framework file {path} cannot be read ({exc.strerror}).") from None


@dataclass(frozen=True)
class Registry:
    """The installed frameworks: the shipped ones, then the workspace's own (which win by id)."""

    frameworks: dict[str, Framework]
    problems: tuple[str, ...] = ()  # sentences about workspace files that were refused

    def get(self, framework_id: str) -> Framework | None:
        return self.frameworks.get(framework_id)

    def ids(self) -> list[str]:
        return sorted(self.frameworks)


def builtin_dir() -> Path:
    return resource("frameworks")


def load_registry(extra_dirs: Iterable[Path] = ()) -> Registry:
    found: dict[str, Framework] = {}
    problems: list[str] = []
    for fw_path in sorted(builtin_dir().glob("*.json")):
        fw = load_framework_file(fw_path)  # a broken shipped framework is a bug: let it raise
        found[fw.id] = fw
    for folder in extra_dirs:
        if not folder.is_dir():
            continue
        for fw_path in sorted(folder.glob("*.json")):
            try:
                fw = load_framework_file(fw_path)
            except FrameworkError as exc:
                problems.append(str(exc))
                continue
            found[fw.id] = fw
    return Registry(found, tuple(problems))


def framework_from_snapshot(source: str) -> Framework:
    """Rebuild the framework a review was started with, from the copy the review keeps."""
    return parse_framework(source, "kept with the review")

