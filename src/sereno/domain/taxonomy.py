"""Versioned crime classifications and the crosswalk between them.

Versions (YAML in ``sereno/data/taxonomy``):

- ``cead-2025``: CEAD familia / grupo / subgrupo, current (from 2025-01-01);
- ``cead-2024``: the 2024 set (VIF by victim, finer homicides);
- ``dmcs-tradicional``: DMCS + VIF of the pre-2024 series (Sereno codes);
- ``fiscalia``: Fiscalía's own categories (Sereno codes), never mapped to CEAD.

Keys are codes; names are display text. Every version also has the code
:data:`UNCLASSIFIED` ("Sin clasificar"). Categories carry their UNODC ICCS
level-1 section and headline tags (``dmcs``, ``vif``, ``incivilidades``,
``drogas``, ``armas``, ``otros``). Some codes are totals of others (familia 5
"Delitos asociados a armas" = grupos 501 + 502): add leaves, never all codes.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from sereno.domain import labels as _labels
from sereno.domain.labels import UNCLASSIFIED, LabelMapping, normalize_label
from sereno.errors import TaxonomyError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "CURRENT_VERSION",
    "UNCLASSIFIED",
    "Category",
    "Classification",
    "CrosswalkResult",
    "LabelMapping",
    "Taxonomy",
    "cead_statistic_category",
    "load_mapping",
    "load_taxonomy",
    "normalize_label",
]

CURRENT_VERSION = "cead-2025"
_LEVELS = ("familia", "grupo", "subgrupo")
_TAGS = ("dmcs", "vif", "incivilidades", "drogas", "armas", "otros")
_ICCS_SECTIONS = frozenset(f"{n:02d}" for n in range(1, 12))
_CODE_SOURCES = ("official", "sereno")
_CLASSIFICATION_KEYS = frozenset(
    {"version", "name", "valid_from", "valid_to", "source", "categories"}
)
_CATEGORY_KEYS = frozenset(
    "code name level parent iccs_l1 iccs_l2 iccs_confirmed tags code_source".split()
)
_CROSSWALK_FILE = "crosswalk.yaml"


@dataclass(frozen=True)
class Category:
    """One category of one classification version.

    ``iccs_l1`` is the ICCS section ("01".."11") or ``None`` when mixed;
    ``iccs_confirmed`` is False where the reference marks the ICCS assignment
    "to be confirmed"; ``code_source`` is ``"sereno"`` for synthetic codes.
    """

    code: str
    name: str
    level: str
    parent: str | None
    version: str
    iccs_l1: str | None
    iccs_l2: str | None
    tags: tuple[str, ...]
    iccs_confirmed: bool
    code_source: str = "official"


@dataclass(frozen=True)
class Classification:
    """A classification version: its validity period and its categories by code."""

    version: str
    name: str
    valid_from: date | None
    valid_to: date | None
    categories: Mapping[str, Category]
    _children: Mapping[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        children: dict[str, list[str]] = {code: [] for code in self.categories}
        for code, category in self.categories.items():
            if category.parent is not None and category.parent not in children:
                message = f"El padre «{category.parent}» de «{code}» no existe en «{self.version}»."
                raise TaxonomyError(message, hint="Corrija `parent` o agregue esa categoría.")
            if category.parent is not None:
                children[category.parent].append(code)
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))
        object.__setattr__(
            self, "_children", MappingProxyType({k: tuple(v) for k, v in children.items()})
        )

    def get(self, code: str) -> Category:
        """Return the category with this code; TaxonomyError if unknown."""
        try:
            return self.categories[code]
        except KeyError:
            close = difflib.get_close_matches(str(code), list(self.categories), n=3)
            hint = (
                "Códigos parecidos: " + ", ".join(f"{c} ({self.categories[c].name})" for c in close)
                if close
                else f"Los códigos de «{self.version}» son como "
                + ", ".join(list(self.categories)[:3])
                + "…"
            )
            raise TaxonomyError(
                f"El código «{code}» no existe en la clasificación «{self.version}».", hint=hint
            ) from None

    def children(self, code: str) -> tuple[str, ...]:
        """Return the codes of the direct children of ``code`` (YAML order)."""
        self.get(code)
        return self._children[code]

    def subgroups_of(self, code: str) -> tuple[str, ...]:
        """Return the leaf codes under ``code`` (``(code,)`` for a leaf)."""
        kids = self.children(code)
        if not kids:
            return (code,)
        return tuple(leaf for kid in kids for leaf in self.subgroups_of(kid))

    def codes_with_tag(self, tag: str) -> tuple[str, ...]:
        """Return the subgrupo codes carrying ``tag`` (e.g. the DMCS list)."""
        if tag not in _TAGS:
            raise TaxonomyError(
                f"La etiqueta «{tag}» no existe.", hint=f"Use una de: {', '.join(_TAGS)}."
            )
        return tuple(
            c.code for c in self.categories.values() if c.level == "subgrupo" and tag in c.tags
        )


@dataclass(frozen=True)
class CrosswalkResult:
    """Codes of the target version, whether the series compare, and why."""

    codes: tuple[str, ...]
    comparable: bool
    note: str


@dataclass(frozen=True)
class _Pair:
    from_codes: tuple[str, ...]
    to_codes: tuple[str, ...]
    comparable: bool
    note: str


class Taxonomy:
    """All classification versions and the crosswalk tables between them."""

    def __init__(
        self,
        classifications: Mapping[str, Classification],
        crosswalks: Mapping[tuple[str, str], tuple[_Pair, ...]],
    ) -> None:
        self._classifications = MappingProxyType(dict(classifications))
        self._crosswalks = MappingProxyType(dict(crosswalks))

    @property
    def versions(self) -> tuple[str, ...]:
        """Version names, oldest first (undated schemes such as Fiscalía last)."""

        def key(c: Classification) -> tuple[date, str]:
            return (c.valid_to or date.max, c.version)

        return tuple(c.version for c in sorted(self._classifications.values(), key=key))

    def classification(self, version: str) -> Classification:
        """Return one classification version; TaxonomyError if unknown."""
        try:
            return self._classifications[version]
        except KeyError:
            raise TaxonomyError(
                f"La clasificación «{version}» no existe.",
                hint=f"Versiones disponibles: {', '.join(self.versions)}.",
            ) from None

    def version_for_date(self, day: date) -> str:
        """Return the dated classification version in force on ``day``."""
        for version in self.versions:
            c = self._classifications[version]
            if c.valid_from is None and c.valid_to is None:
                continue
            if (c.valid_from or date.min) <= day <= (c.valid_to or date.max):
                return version
        raise TaxonomyError(f"Ninguna clasificación está vigente el {day:%d-%m-%Y}.")

    def iccs_l1(self, code: str, version: str) -> str | None:
        """Return the ICCS level-1 section of a category, or None when mixed."""
        return self.classification(version).get(code).iccs_l1

    def crosswalk(self, code: str, from_version: str, to_version: str) -> CrosswalkResult:
        """Return the codes of ``to_version`` equivalent to ``code`` of ``from_version``.

        ``comparable`` is True only when the series of ``code`` alone can be
        compared with the sum of the returned codes.
        """
        category = self.classification(from_version).get(code)
        self.classification(to_version)
        if code == UNCLASSIFIED or from_version == to_version:
            return CrosswalkResult((code,), True, "Mismo código.")
        if (from_version, to_version) in self._crosswalks:
            return _forward(code, self._crosswalks[(from_version, to_version)], to_version)
        if (to_version, from_version) in self._crosswalks:
            return _backward(code, self._crosswalks[(to_version, from_version)], to_version)
        tables = ", ".join(f"{a} → {b}" for a, b in self._crosswalks)
        raise TaxonomyError(
            f"No hay tabla de equivalencias entre «{from_version}» y «{to_version}» "
            f"(código {code}, {category.name}).",
            hint=f"Tablas disponibles: {tables}. Fiscalía es una fuente propia, sin "
            "equivalencia con CEAD.",
        )


def _no_equivalent(code: str, to_version: str) -> CrosswalkResult:
    return CrosswalkResult((), False, f"El código {code} no tiene equivalencia en «{to_version}».")


def _forward(code: str, pairs: tuple[_Pair, ...], to_version: str) -> CrosswalkResult:
    for pair in pairs:
        if code in pair.from_codes:
            alone = len(pair.from_codes) == 1
            note = pair.note
            if pair.comparable and not alone:
                note += f" Sólo comparable como suma de: {' + '.join(pair.from_codes)}."
            return CrosswalkResult(pair.to_codes, pair.comparable and alone, note)
    return _no_equivalent(code, to_version)


def _backward(code: str, pairs: tuple[_Pair, ...], to_version: str) -> CrosswalkResult:
    matches = [pair for pair in pairs if code in pair.to_codes]
    if not matches:
        return _no_equivalent(code, to_version)
    # Familia-level pairs also contain leaf codes: the most specific pair wins.
    best = min(len(pair.to_codes) for pair in matches)
    chosen = [pair for pair in matches if len(pair.to_codes) == best]
    if len(chosen) > 1:
        codes = tuple(dict.fromkeys(c for pair in chosen for c in pair.from_codes))
        return CrosswalkResult(codes, False, " ".join(pair.note for pair in chosen))
    pair = chosen[0]
    alone = len(pair.to_codes) == 1
    note = pair.note
    if pair.comparable and not alone:
        note += f" Sólo comparable como suma de: {' + '.join(pair.to_codes)}."
    return CrosswalkResult(pair.from_codes, pair.comparable and alone, note)


# --- loading and validation -------------------------------------------------


def _fail(source: str, message: str, hint: str) -> TaxonomyError:
    return TaxonomyError(f"Taxonomía «{source}»: {message}", hint=hint)


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml when present)
    except yaml.YAMLError as exc:
        raise _fail(source, "YAML inválido.", "Revise la sintaxis del archivo.") from exc


def _as_date(value: Any, key: str, source: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(source, f"`{key}` = «{value}» no es una fecha.", "Use AAAA-MM-DD.") from None


def _category_problem(raw: dict[str, Any], seen: set[str]) -> tuple[str, str] | None:
    """Return ``(message, hint)`` for the first problem of one raw category."""
    code, level, l1, l2 = (raw.get(k) for k in ("code", "level", "iccs_l1", "iccs_l2"))
    tags, where = raw.get("tags", []), f"categoría «{raw.get('code')}»"
    unknown = sorted(set(map(str, raw)) - _CATEGORY_KEYS)
    if unknown:
        return f"{where}: claves desconocidas {unknown}.", f"Admitidas: {sorted(_CATEGORY_KEYS)}."
    if not isinstance(code, str) or not code:
        return f"{where}: el código debe ser texto.", 'Use comillas: code: "10101".'
    if code == UNCLASSIFIED or code in seen:
        return f"código «{code}» repetido o reservado.", "Cada código va una sola vez."
    if not isinstance(raw.get("name"), str) or not raw["name"].strip():
        return f"{where}: falta `name`.", "Agregue el nombre oficial en español."
    if level not in _LEVELS or not isinstance(raw.get("parent", ""), str):
        return f"{where}: `level` o `parent` inválido.", f"Niveles: {', '.join(_LEVELS)}."
    if l1 is not None and l1 not in _ICCS_SECTIONS:
        return f"{where}: sección ICCS «{l1}» inválida.", 'Use "01" a "11", entre comillas.'
    if l2 is not None and not (isinstance(l2, str) and l1 and l2.isdigit() and len(l2) == 4):
        return f"{where}: ICCS nivel 2 «{l2}» inválido.", "Cuatro dígitos y con `iccs_l1`."
    if l2 is not None and not l2.startswith(str(l1)):
        return f"{where}: ICCS «{l2}» no está en la sección «{l1}».", "Corrija una de las dos."
    if not isinstance(raw.get("iccs_confirmed", True), bool):
        return f"{where}: `iccs_confirmed` debe ser true o false.", "Corríjalo."
    if not isinstance(tags, list) or not set(tags) <= set(_TAGS):
        return f"{where}: etiquetas {tags!r} inválidas.", f"Use: {', '.join(_TAGS)}."
    if raw.get("code_source", "official") not in _CODE_SOURCES:
        return f"{where}: `code_source` inválido.", f"Use: {', '.join(_CODE_SOURCES)}."
    return None


def _raw_categories(data: Any, source: str) -> list[dict[str, Any]]:
    raws, seen = data.get("categories"), set[str]()
    if not isinstance(raws, list):
        raise _fail(source, "falta la lista `categories`.", "Vea cead-2025.yaml.")
    for raw in raws:
        problem = _category_problem(raw, seen) if isinstance(raw, dict) else ("", "")
        if problem is not None:
            message = problem[0] or f"categoría inválida: {raw!r}."
            raise _fail(source, message, problem[1] or "Cada categoría es un diccionario.")
        seen.add(raw["code"])
    by_code = {raw["code"]: raw for raw in raws}
    for raw in raws:
        parent = by_code.get(raw.get("parent", ""))
        if "parent" in raw and parent is None:
            message = f"el padre «{raw['parent']}» de «{raw['code']}» no existe."
            raise _fail(source, message, "Agregue el padre o corrija `parent`.")
        if parent and _LEVELS.index(parent["level"]) >= _LEVELS.index(raw["level"]):
            message = (
                f"«{raw['code']}» ({raw['level']}) bajo «{parent['code']}» ({parent['level']})."
            )
            raise _fail(source, message, "El padre debe ser de nivel superior.")
    return raws


def _build_classification(data: Any, source: str) -> Classification:
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise _fail(source, "falta `version`.", "Vea cead-2025.yaml.")
    unknown = sorted(set(map(str, data)) - _CLASSIFICATION_KEYS)
    if unknown:
        raise _fail(source, f"claves desconocidas {unknown}.", "Elimínelas.")
    version = data["version"]
    valid_from = _as_date(data.get("valid_from"), "valid_from", source)
    valid_to = _as_date(data.get("valid_to"), "valid_to", source)
    if valid_from and valid_to and valid_from > valid_to:
        raise _fail(source, "`valid_from` es posterior a `valid_to`.", "Corrija las fechas.")
    categories = {
        raw["code"]: Category(
            code=raw["code"],
            name=raw["name"].strip(),
            level=raw["level"],
            parent=raw.get("parent"),
            version=version,
            iccs_l1=raw.get("iccs_l1"),
            iccs_l2=raw.get("iccs_l2"),
            tags=tuple(raw.get("tags", ())),
            iccs_confirmed=raw.get("iccs_confirmed", True),
            code_source=raw.get("code_source", "official"),
        )
        for raw in _raw_categories(data, source)
    }
    categories[UNCLASSIFIED] = Category(
        UNCLASSIFIED, "Sin clasificar", "subgrupo", None, version, None, None, (), False
    )
    name = str(data.get("name", version))
    draft = Classification(version, name, valid_from, valid_to, categories)
    return Classification(version, name, valid_from, valid_to, _with_derived_iccs(draft))


def _with_derived_iccs(draft: Classification) -> dict[str, Category]:
    """Give grupos and familias the ICCS section their leaves share, if any."""
    result = dict(draft.categories)
    for code, category in draft.categories.items():
        leaves = [draft.categories[leaf] for leaf in draft.subgroups_of(code)]
        sections = {leaf.iccs_l1 for leaf in leaves}
        if category.iccs_l1 is None and leaves != [category] and len(sections) == 1:
            confirmed = all(leaf.iccs_confirmed for leaf in leaves)
            result[code] = replace(category, iccs_l1=sections.pop(), iccs_confirmed=confirmed)
    return result


def _crosswalk_pair(raw: Any, old: str, new: str, known: Mapping[str, Classification]) -> _Pair:
    raw = raw if isinstance(raw, dict) else {}
    from_codes, to_codes = tuple(raw.get("from", ())), tuple(raw.get("to", ()))
    for codes, version in ((from_codes, old), (to_codes, new)):
        missing = [c for c in codes if c not in known[version].categories]
        if not codes or missing:
            message = (
                f"par {list(from_codes)} → {list(to_codes)}: códigos {missing} en «{version}»."
            )
            raise _fail(_CROSSWALK_FILE, message, "Use códigos existentes en esa versión.")
    if not isinstance(raw.get("comparable"), bool) or not raw.get("note"):
        message = f"par {list(from_codes)}: falta `comparable` o `note`."
        raise _fail(_CROSSWALK_FILE, message, "Ambos son obligatorios.")
    return _Pair(from_codes, to_codes, raw["comparable"], str(raw["note"]))


def _build_crosswalks(
    data: Any, known: Mapping[str, Classification]
) -> dict[tuple[str, str], tuple[_Pair, ...]]:
    tables: dict[tuple[str, str], tuple[_Pair, ...]] = {}
    for table in data.get("tables", []) if isinstance(data, dict) else []:
        old, new = table.get("from"), table.get("to")
        if old not in known or new not in known or old == new or (new, old) in tables:
            message = f"tabla «{old}» → «{new}» inválida o repetida."
            raise _fail(_CROSSWALK_FILE, message, f"Versiones: {', '.join(sorted(known))}.")
        pairs = tuple(_crosswalk_pair(raw, old, new, known) for raw in table.get("pairs", []))
        from_codes = [code for pair in pairs for code in pair.from_codes]
        repeated = sorted({code for code in from_codes if from_codes.count(code) > 1})
        if repeated or (old, new) in tables:
            message = f"{old} → {new}: códigos {repeated} en más de un par (o tabla repetida)."
            raise _fail(_CROSSWALK_FILE, message, "Cada código de origen va en un solo par.")
        tables[(old, new)] = pairs
    return tables


@functools.lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """Load and validate every classification version and the crosswalk (cached)."""
    folder = resources.files("sereno") / "data" / "taxonomy"
    classifications: dict[str, Classification] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml") or entry.name == _CROSSWALK_FILE:
            continue
        parsed = _build_classification(
            _parse_yaml(entry.read_text(encoding="utf-8"), entry.name), entry.name
        )
        if parsed.version in classifications:
            raise _fail(entry.name, f"versión «{parsed.version}» repetida.", "Renómbrela.")
        classifications[parsed.version] = parsed
    if CURRENT_VERSION not in classifications:
        raise _fail(
            folder.name, f"falta la versión vigente «{CURRENT_VERSION}».", "Reinstale el paquete."
        )
    crosswalk_text = (folder / _CROSSWALK_FILE).read_text(encoding="utf-8")
    crosswalks = _build_crosswalks(_parse_yaml(crosswalk_text, _CROSSWALK_FILE), classifications)
    return Taxonomy(classifications, crosswalks)


@functools.lru_cache(maxsize=16)
def _builtin(name: str) -> LabelMapping:
    return _labels.load_mapping_from(name, None, load_taxonomy())


def load_mapping(
    name_or_path: str | os.PathLike[str], extra: str | os.PathLike[str] | None = None
) -> LabelMapping:
    """Return a label mapping: built-in by name, or a user YAML file.

    Built-in names: ``generic``, ``carabineros``, ``pdi``, ``fiscalia``,
    ``municipal``, ``cead``, ``vpd``. A user file (``--mapping FILE``) is merged
    over the built-in it ``extends`` (default ``generic`` for ``cead-2025``);
    ``extra`` is a user file merged over the result. User entries win. Every
    target code is checked against the target version (TaxonomyError naming
    the file, label and code otherwise).
    """
    if extra is None and isinstance(name_or_path, str) and name_or_path in _labels.BUILTIN_MAPPINGS:
        return _builtin(name_or_path)
    return _labels.load_mapping_from(name_or_path, extra, load_taxonomy())


@functools.lru_cache(maxsize=1)
def _statistic_index() -> dict[str, str]:
    return _labels.statistic_index(load_taxonomy().classification(CURRENT_VERSION))


def cead_statistic_category(name: str) -> str:
    """Return the cead-2025 code of a CEAD published statistic name.

    The code is at the level CEAD totals it: "Delitos asociados a armas" is
    familia ``"5"``, "Amenaza falta o riña" grupo ``"701"``, "Hurtos" subgrupo
    ``"60401"``. Unknown names raise TaxonomyError with close matches.
    """
    current = load_taxonomy().classification(CURRENT_VERSION)
    return _labels.statistic_code(name, _statistic_index(), current)
