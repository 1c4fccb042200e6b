"""Review frameworks: load, validate whole (never half-load), and look up by id."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    # Shape 1.1: (question id, answers) — required exactly when that question's answer is one of them.
    required_when: tuple[str, tuple] | None = None

    def is_required(self, answer_of) -> bool:
        """Required now, given ``answer_of(question_id)`` for the same item or the case."""
        if self.required_when is None:
            return self.required
        other, values = self.required_when
        answer = answer_of(other)
        if isinstance(answer, dict):  # a flag: its "raised" is what a condition can name
            answer = answer.get("raised")
        given = answer if isinstance(answer, list) else [answer]  # tags: any one of them
        return any(a == v and type(a) is type(v) for a in given for v in values)


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
    when = q.get("required_when")
    return Question(id=q["id"], text=q["text"], type=q["type"], required=q["required"], help=q.get("help", ""),
                    options=tuple(q.get("options", ())), scale=q.get("scale"),
                    min_evidence=q.get("min_evidence", 0),
                    required_when=(when["question"], tuple(when["in"]) if "in" in when else (when["equals"],))
                    if when else None)


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
    by_id = {q["id"]: q for q in qs}
    for i, q in enumerate(qs):
        if "required_when" in q:
            _check_condition(q["required_when"], by_id, q["id"], f"{where}[{i}].required_when", scales)


def _check_condition(when: dict, by_id: dict, own: str, where: str, scales: dict) -> None:
    """The condition must name another question of the same list, with answers that question can have."""
    other = by_id.get(when["question"])
    if other is None or when["question"] == own:
        raise JsonFault(f"names question {when['question']!r}, which is not another question of the same list",
                        f"{where}.question")
    values = when["in"] if "in" in when else [when["equals"]]
    if other["type"] in ("choice", "tags"):
        possible = other.get("options", [])
    elif other["type"] == "scale":
        possible = [lv["value"] for lv in scales[other["scale"]]]
    elif other["type"] == "flag":
        possible = [True, False]
    else:
        raise JsonFault(f"names question {when['question']!r} of type {other['type']}; a condition can name a "
                        f"choice, scale, tags or flag question", f"{where}.question")
    for v in values:
        if not any(v == p and type(v) is type(p) for p in possible):
            raise JsonFault(f"names the answer {v!r}, which question {when['question']!r} cannot have", where)


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


def version_key(version: str) -> tuple:
    """"1.10" sorts after "1.9": compare dotted versions by their numbers, text parts after."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.split("."))


@dataclass(frozen=True)
class Registry:
    """The installed frameworks by (id, version): the shipped ones, then the workspace's own (which win).

    Every version CaseView has shipped stays installed, so a review started on one keeps it.
    """

    frameworks: dict[str, Framework]  # the newest version of each id
    problems: tuple[str, ...] = ()  # sentences about workspace files that were refused
    versions: dict[tuple[str, str], Framework] = field(default_factory=dict)

    def get(self, framework_id: str, version: str | None = None) -> Framework | None:
        """That version when installed; without a version, the newest."""
        if version is not None:
            return self.versions.get((framework_id, version))
        return self.frameworks.get(framework_id)

    def for_bundle(self, framework_id: str, version: str | None, bundle_minor: int = 1) -> Framework | None:
        """What a bundle's review uses: the version it asks for when installed, else the newest.

        A format 1.0 bundle that names no version was written when only the 1.0 frameworks
        existed, so it gets 1.0 where that is installed (its issuer's findings and habits fit it).
        """
        if version is None and bundle_minor == 0:
            version = "1.0"
        return (self.get(framework_id, version) if version else None) or self.get(framework_id)

    def ids(self) -> list[str]:
        return sorted(self.frameworks)

    def all_versions(self, framework_id: str) -> list[str]:
        return sorted((v for i, v in self.versions if i == framework_id), key=version_key)


def builtin_dir() -> Path:
    return resource("frameworks")


def load_registry(extra_dirs: Iterable[Path] = ()) -> Registry:
    versions: dict[tuple[str, str], Framework] = {}
    problems: list[str] = []
    for fw_path in sorted(builtin_dir().glob("*.json")):
        fw = load_framework_file(fw_path)  # a broken shipped framework is a bug: let it raise
        versions[(fw.id, fw.version)] = fw
    for folder in extra_dirs:
        if not folder.is_dir():
            continue
        for fw_path in sorted(folder.glob("*.json")):
            try:
                fw = load_framework_file(fw_path)
            except FrameworkError as exc:
                problems.append(str(exc))
                continue
            versions[(fw.id, fw.version)] = fw
    newest: dict[str, Framework] = {}
    for fw in versions.values():
        if fw.id not in newest or version_key(fw.version) > version_key(newest[fw.id].version):
            newest[fw.id] = fw
    return Registry(newest, tuple(problems), versions)


def framework_from_snapshot(source: str) -> Framework:
    """Rebuild the framework a review was started with, from the copy the review keeps."""
    return parse_framework(source, "kept with the review")

