"""Typed contract of the user's own KPIs, ``data/local/kpis.yaml`` (issue #21, Interface section).

Foundation: imports only the standard library, pydantic, yaml and kpidash.kpi_schema (whose line-tracking YAML loader
it reuses, so an error reads like one in kpi_defs.yaml: ``kpis.yaml:7 kpis[0].target.year: …``). Every entry is
validated on its own, so :func:`check_local_kpis` can return the valid entries next to the errors of the others (a
malformed entry never hides the rest); :func:`parse_local_kpis` is the strict form used before anything is stored.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, ConfigDict, Field, ValidationError, model_validator

from kpidash.kpi_schema import (
    Id,
    KpiDefsError,
    Strict,
    _construct_mapping,
    _line_of,
    _LineLoader,
    _path,
    _strip,
    load_kpi_defs,
)

FILENAME = "kpis.yaml"
MAX_YAML_BYTES = 1_000_000
MAX_KPIS = 500
_PREF = r"(?:0[1-9]|[1-3][0-9]|4[0-7])"
# 00 (全国), TKY/NTK (東京圏 and the rest), a prefecture 01–47, or a 5-digit municipality code (prefecture + 3 digits).
REGION_RE = re.compile(rf"^(?:00|TKY|NTK|{_PREF}|{_PREF}[0-9]{{3}})$", re.ASCII)
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", re.ASCII)
RESERVED_DIRS = frozenset({"history"})  # folder names the store keeps for itself


@dataclass(frozen=True)
class Issue:
    """One refused item: the file, the line in it (None when unknown), the key path or column, and why."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or '?'} {self.key or '(top level)'}: {self.message}"


@dataclass(frozen=True)
class Known:
    """What contents are checked against; None skips a check (reserved_ids None: the KPI ids of kpi_defs.yaml)."""

    reserved_ids: Collection[str] | None = None
    regions: Collection[str] | None = None
    indicators: Collection[str] | None = None

    def reserved(self) -> Collection[str]:
        if self.reserved_ids is not None:
            return self.reserved_ids
        try:
            return {k.id for k in load_kpi_defs().kpis}
        except KpiDefsError:
            return set()


class LocalDataError(ValueError):
    """A refused local file (definitions, values or bundle); ``issues`` lists every problem found."""

    def __init__(self, issues: Collection[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class LocalKpiError(LocalDataError):
    """A refused kpis.yaml; each issue names the file, line and key path."""


def values_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a values CSV inside the folder (None when it can): relative, no ``..``, ``.csv``."""
    if not path:
        return "empty path"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return f"absolute path {path!r} is refused: give a path relative to the local folder"
    if "\\" in path:
        return f"{path!r}: use / between folders"
    parts = path.split("/")
    if ".." in parts:
        return f"{path!r}: '..' is refused (the file must stay inside the local folder)"
    if not path.endswith(".csv"):
        return f"{path!r}: a values file must end in .csv"
    if parts[0] in RESERVED_DIRS:
        return f"{path!r}: {parts[0]}/ is kept by the store for itself"
    if len(path) > 200 or not all(_SEGMENT_RE.match(p) for p in parts):
        return f"{path!r}: use ASCII letters, digits, _ . - (not starting with a dot), at most 200 characters"
    return None


def _values_path(path: str) -> str:
    problem = values_path_problem(path)
    if problem:
        raise ValueError(problem)
    return path


class _Local(Strict):
    # Strict types as well: a user file that says base_year: "2020" or region: 13 is refused rather than guessed.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Text = Annotated[str, Field(min_length=1, max_length=500)]
Year = Annotated[int, Field(ge=1900, le=2100)]
LocalRegion = Annotated[str, Field(pattern=REGION_RE.pattern)]


class LocalTarget(_Local):
    year: Year
    kind: Literal["value", "direction"]
    value: Annotated[float, Field(allow_inf_nan=False)] | None = None
    direction: Literal["increase", "decrease"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> LocalTarget:
        if self.kind == "value" and (self.value is None or self.direction is not None):
            raise ValueError("kind 'value' needs value (and no direction)")
        if self.kind == "direction" and (self.direction is None or self.value is not None):
            raise ValueError("kind 'direction' needs direction: increase or decrease (and no value)")
        return self


class LocalKpi(_Local):
    """One own KPI: a catalogue indicator (``indicator``) or the analyst's own values (``values``) for a region."""

    id: Id
    name_ja: Text
    name_en: Text | None = None
    region: LocalRegion
    unit: Annotated[str, Field(max_length=50)]
    direction: Literal["higher_is_better", "lower_is_better"]
    indicator: Id | None = None
    values: Annotated[str, AfterValidator(_values_path)] | None = None
    base_year: Year
    target: LocalTarget
    source: Text


@dataclass(frozen=True)
class LocalKpiSet:
    kpis: tuple[LocalKpi, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)  # KPI id -> line of its entry
    index: dict[str, int] = field(default_factory=dict)  # KPI id -> position in kpis: (for key paths)
    key_lines: dict[str, dict[str, int]] = field(default_factory=dict)  # KPI id -> its keys' lines

    def line(self, kpi_id: str, key: str = "") -> int:
        """The line of a key of an entry (``values``), or of the entry."""
        return self.key_lines.get(kpi_id, {}).get(key, self.lines[kpi_id])

    def key(self, kpi_id: str, *path: str) -> str:
        """The key path of a field of an entry, e.g. ``kpis[1].values``."""
        return ".".join([f"kpis[{self.index[kpi_id]}]", *path])

    def by_id(self) -> dict[str, LocalKpi]:
        return {k.id: k for k in self.kpis}

    def values_files(self) -> set[str]:
        return {k.values for k in self.kpis if k.values}


class _Loader(_LineLoader):
    """kpi_schema's line-recording loader, refusing duplicate keys and anchors/aliases (no alias bombs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        return super().compose_node(parent, index)


def _construct_unique(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in node.value:
        if str(key.value) in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key.value!r}", key.start_mark)
        seen.add(str(key.value))
    return _construct_mapping(loader, node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique)


def load_raw(text: str | bytes, filename: str = FILENAME) -> dict[str, Any]:
    """The YAML as dicts carrying ``__line__``/``__lines__``; LocalKpiError for size, encoding, syntax, top level."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        raise LocalKpiError([Issue(filename, None, "", f"file is larger than {MAX_YAML_BYTES:,} bytes")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LocalKpiError([Issue(filename, None, "", f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        raw = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        raise LocalKpiError(
            [Issue(filename, mark.line + 1 if mark else None, "", f"malformed YAML: {problem}")]
        ) from None
    except RecursionError:
        raise LocalKpiError([Issue(filename, None, "", "malformed YAML: nested too deeply")]) from None
    if raw is None:
        return {"kpis": [], "__lines__": {}, "__line__": 1}  # an empty file: no KPIs yet
    if not isinstance(raw, dict):
        raise LocalKpiError([Issue(filename, 1, "", "the top level must be a mapping with kpis: (a list)")])
    return raw


_HINTS = {
    "extra_forbidden": lambda err: "unknown key",
    "missing": lambda err: "required key missing",
}


def _message(err: Any) -> str:
    if err["type"] in _HINTS:
        return _HINTS[err["type"]](err)
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["loc"][-1:] == ("region",) and isinstance(err.get("input"), int):
        msg += " (write the code in quotes, e.g. region: '01100': YAML reads 01100 as a number)"
    return msg


def check_local_kpis(
    text: str | bytes,
    filename: str = FILENAME,
    reserved_ids: Collection[str] = frozenset(),
    known_regions: Collection[str] | None = None,
    known_indicators: Collection[str] | None = None,
) -> tuple[LocalKpiSet, list[Issue]]:
    """The valid entries and the issues of the others (never raises for bad content)."""
    try:
        raw = load_raw(text, filename)
    except LocalKpiError as exc:
        return LocalKpiSet(), list(exc.issues)
    issues: list[Issue] = []

    def issue(loc: tuple[Any, ...], message: str) -> None:
        issues.append(Issue(filename, _line_of(raw, loc), _path(loc), message))

    for key in raw.get("__lines__", {}):
        if key != "kpis":
            issue((key,), "unknown key (the top level holds only kpis:)")
    entries = raw.get("kpis", [])
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        issue(("kpis",), "must be a list of KPI entries")
        return LocalKpiSet(), issues
    if len(entries) > MAX_KPIS:
        issue(("kpis",), f"more than {MAX_KPIS} KPIs")
        return LocalKpiSet(), issues
    valid: list[LocalKpi] = []
    lines: dict[str, int] = {}  # the valid entries
    index: dict[str, int] = {}
    key_lines: dict[str, dict[str, int]] = {}
    seen: dict[str, int] = {}  # every entry's id -> its line
    for i, entry in enumerate(entries):
        before = len(issues)
        if not isinstance(entry, dict):
            issue(("kpis", i), "each KPI must be a mapping (id:, name_ja:, …)")
            continue
        try:
            kpi = LocalKpi.model_validate(_strip(entry))
        except ValidationError as exc:
            for err in exc.errors():
                issue(("kpis", i, *err["loc"]), _message(err))
            continue
        if (kpi.indicator is None) == (kpi.values is None):
            which = "indicator" if kpi.indicator is not None else "values"
            loc = ("kpis", i, which) if kpi.indicator or kpi.values else ("kpis", i)
            issue(loc, "give exactly one of indicator: <catalogue id> or values: <CSV path>")
        if kpi.target.year <= kpi.base_year:
            issue(
                ("kpis", i, "target", "year"),
                f"target.year {kpi.target.year} must be after base_year {kpi.base_year}",
            )
        if kpi.id in reserved_ids:
            issue(("kpis", i, "id"), f"id {kpi.id!r} is a national KPI's id: choose another")
        elif kpi.id in seen:
            issue(("kpis", i, "id"), f"duplicate id {kpi.id!r} (first at line {seen[kpi.id]})")
        seen.setdefault(kpi.id, int(entry.get("__line__", 0)))
        if known_regions is not None and kpi.region not in known_regions:
            issue(("kpis", i, "region"), f"unknown region code {kpi.region!r}")
        if known_indicators is not None and kpi.indicator and kpi.indicator not in known_indicators:
            issue(("kpis", i, "indicator"), f"unknown indicator id {kpi.indicator!r} (not in the catalogue)")
        if len(issues) == before:
            valid.append(kpi)
            lines[kpi.id], index[kpi.id], key_lines[kpi.id] = seen[kpi.id], i, dict(entry.get("__lines__", {}))
    return LocalKpiSet(tuple(valid), lines, index, key_lines), issues


def parse_local_kpis(
    text: str | bytes,
    filename: str = FILENAME,
    reserved_ids: Collection[str] = frozenset(),
    known_regions: Collection[str] | None = None,
    known_indicators: Collection[str] | None = None,
) -> LocalKpiSet:
    """The whole file or nothing: LocalKpiError listing every issue (file, line, key) when any entry is refused."""
    kpis, issues = check_local_kpis(text, filename, reserved_ids, known_regions, known_indicators)
    if issues:
        raise LocalKpiError(issues)
    return kpis


def without_kpi(text: str | bytes, kpi_id: str, filename: str = FILENAME) -> tuple[str, dict[str, Any]]:
    """The YAML with the entry ``kpi_id`` removed (re-serialised: comments are not kept) and that entry."""
    raw = load_raw(text, filename)
    entries = raw.get("kpis") or []
    if not isinstance(entries, list):
        raise LocalKpiError([Issue(filename, _line_of(raw, ("kpis",)), "kpis", "must be a list of KPI entries")])
    hits = [e for e in entries if isinstance(e, dict) and e.get("id") == kpi_id]
    if not hits:
        raise LocalKpiError([Issue(filename, None, "kpis", f"no KPI with id {kpi_id!r}")])
    rest = [_strip(e) for e in entries if e is not hits[0]]
    return dump_local_kpis(rest), _strip(hits[0])


def dump_local_kpis(entries: list[dict[str, Any]]) -> str:
    """YAML text for ``entries`` (plain dicts, e.g. ``LocalKpi.model_dump(exclude_none=True)``)."""
    return yaml.safe_dump({"kpis": entries}, allow_unicode=True, sort_keys=False, default_flow_style=False)
