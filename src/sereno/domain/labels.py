"""Source labels to category codes: normalisation and per-source mappings.

A *label mapping* turns the free-text offence labels of a source (a police or
municipal export, CEAD, Vancouver's VPD…) into codes of one classification
version. Mappings are YAML files::

    version: cead-2025          # target classification
    extends: generic            # optional: built-in mapping to start from
    labels:
      "Robo con intimidación": "20101"
      "HURTO SIMPLE": "60401"

Labels are compared after :func:`normalize_label`, so case, accents,
punctuation and spacing do not matter. Unmapped labels become
:data:`UNCLASSIFIED`, never an error, so ingest can report them.

The public names are re-exported by :mod:`sereno.domain.taxonomy`; this module
holds no reference to the taxonomy at import time (the taxonomy is passed in),
which keeps the import graph acyclic.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from sereno.errors import TaxonomyError

if TYPE_CHECKING:
    from sereno.domain.taxonomy import Classification, Taxonomy

UNCLASSIFIED = "unclassified"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BUILTIN_MAPPINGS = ("generic", "carabineros", "pdi", "fiscalia", "municipal", "cead", "vpd")
# Base mapping a user file extends when it does not say, per target version.
_DEFAULT_BASE = {"cead-2025": "generic", "fiscalia": "fiscalia"}
_MAPPING_KEYS = frozenset({"version", "extends", "labels"})
# A mapping is a few hundred lines; refuse anything absurdly large.
_MAX_MAPPING_BYTES = 5_000_000
_NON_ALNUM = re.compile(r"[\W_]+")
# Spellings CEAD has used for the same published statistic (normalised).
_STATISTIC_ALIASES = {"robos en lugar no habitado": "robo en lugar no habitado"}


def normalize_label(text: str) -> str:
    """Return the comparison key of an offence label.

    NFC, case-folded, without accents, with every run of whitespace or
    punctuation collapsed to one space and no leading or trailing space.

    Examples
    --------
    >>> normalize_label("ROBO  CON VIOLENCIA o Intimidación.")
    'robo con violencia o intimidacion'
    >>> normalize_label("Porte / posesión de armas")
    'porte posesion de armas'
    """
    folded = unicodedata.normalize("NFC", text).casefold()
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch)
    )
    return unicodedata.normalize("NFC", _NON_ALNUM.sub(" ", bare).strip())


@dataclass(frozen=True)
class LabelMapping:
    """Normalised source labels mapped to codes of one classification version.

    Attributes
    ----------
    version : str
        Target classification version (e.g. ``"cead-2025"``).
    entries : Mapping[str, str]
        Normalised label -> category code. Keys given un-normalised are
        normalised on construction.
    """

    version: str
    entries: Mapping[str, str]

    def __post_init__(self) -> None:
        normalised = {normalize_label(label): code for label, code in self.entries.items()}
        object.__setattr__(self, "entries", MappingProxyType(normalised))

    def classify(self, labels: pd.Series[Any] | Iterable[Any]) -> np.ndarray[Any, Any]:
        """Return the category code of each label (object array, same order).

        Vectorised: only the distinct labels are normalised and looked up, so
        a million rows with a few dozen distinct labels take milliseconds.
        Missing values and unmapped labels give :data:`UNCLASSIFIED`.
        """
        series = labels if isinstance(labels, pd.Series) else pd.Series(list(labels), dtype=object)
        positions, uniques = pd.factorize(series, use_na_sentinel=True)
        lookup = [self.entries.get(normalize_label(str(value)), UNCLASSIFIED) for value in uniques]
        # The extra last slot catches the -1 sentinel of missing values.
        table = np.array([*lookup, UNCLASSIFIED], dtype=object)
        codes: np.ndarray[Any, Any] = table[positions]
        return codes

    def unmapped(self, labels: pd.Series[Any] | Iterable[Any]) -> tuple[str, ...]:
        """Return the distinct non-empty labels this mapping does not know, sorted."""
        series = labels if isinstance(labels, pd.Series) else pd.Series(list(labels), dtype=object)
        found = {
            str(value)
            for value in pd.unique(series.dropna())
            if normalize_label(str(value)) and normalize_label(str(value)) not in self.entries
        }
        return tuple(sorted(found))


@dataclass(frozen=True)
class _MappingDocument:
    source: str
    version: str
    extends: str | None
    labels: dict[str, str]


def _mapping_error(source: str, message: str, hint: str) -> TaxonomyError:
    return TaxonomyError(f"Archivo de mapeo «{source}»: {message}", hint=hint)


def _read_document(text: str, source: str) -> _MappingDocument:
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml when present)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (línea {mark.line + 1})" if mark is not None else ""
        raise _mapping_error(
            source,
            f"no es YAML válido{where}.",
            "Revise comillas, dos puntos y sangría; el formato es "
            '`version: cead-2025` y `labels:` con líneas `"etiqueta": "código"`.',
        ) from exc
    if not isinstance(data, dict):
        raise _mapping_error(
            source,
            "debe ser un diccionario con las claves `version` y `labels`.",
            'Ejemplo: version: cead-2025 / labels: {"hurto simple": "60401"}.',
        )
    unknown = sorted(set(map(str, data)) - _MAPPING_KEYS)
    if unknown:
        raise _mapping_error(
            source,
            f"claves desconocidas: {', '.join(unknown)}.",
            "Las claves admitidas son `version`, `extends` y `labels`.",
        )
    version, extends, labels = data.get("version"), data.get("extends"), data.get("labels")
    if not isinstance(version, str) or not version:
        raise _mapping_error(
            source,
            "falta `version` (la clasificación de destino).",
            "Agregue por ejemplo `version: cead-2025`.",
        )
    if extends is not None and extends not in BUILTIN_MAPPINGS:
        raise _mapping_error(
            source,
            f"`extends: {extends}` no es un mapeo incorporado.",
            f"Use uno de: {', '.join(BUILTIN_MAPPINGS)}, o elimine `extends`.",
        )
    if not isinstance(labels, dict):
        raise _mapping_error(
            source,
            "falta `labels` o no es un diccionario.",
            'Agregue `labels:` y debajo una línea `"etiqueta": "código"` por etiqueta.',
        )
    checked: dict[str, str] = {}
    for label, code in labels.items():
        if not isinstance(label, str) or not isinstance(code, str):
            raise _mapping_error(
                source,
                f"la etiqueta «{label}» → «{code}» no es texto.",
                'Escriba etiqueta y código entre comillas, p. ej. "hurto": "60401".',
            )
        checked[label] = code
    return _MappingDocument(source, version, extends, checked)


def _validated_entries(doc: _MappingDocument, classification: Classification) -> dict[str, str]:
    entries: dict[str, str] = {}
    first_label: dict[str, str] = {}
    for label, code in doc.labels.items():
        key = normalize_label(label)
        if not key:
            raise _mapping_error(
                doc.source,
                f"la etiqueta «{label}» queda vacía al normalizarla.",
                "Use una etiqueta con letras o números.",
            )
        if code not in classification.categories:
            close = difflib.get_close_matches(code, list(classification.categories), n=3)
            suggestion = (
                ", ".join(f"{c} ({classification.categories[c].name})" for c in close) or "ninguno"
            )
            raise _mapping_error(
                doc.source,
                f"la etiqueta «{label}» apunta al código «{code}», que no existe en la "
                f"clasificación «{doc.version}».",
                f"Corrija el código en esa línea (códigos parecidos: {suggestion}) o "
                "elimine la etiqueta.",
            )
        if key in entries and entries[key] != code:
            raise _mapping_error(
                doc.source,
                f"las etiquetas «{first_label[key]}» y «{label}» son la misma tras normalizar "
                f"(«{key}») pero apuntan a códigos distintos ({entries[key]} y {code}).",
                "Deje una sola de las dos líneas.",
            )
        entries[key] = code
        first_label.setdefault(key, label)
    return entries


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > _MAX_MAPPING_BYTES:
            raise _mapping_error(
                str(path),
                f"pesa {size:,} bytes, más que el máximo de {_MAX_MAPPING_BYTES:,}.",
                "Un mapeo de etiquetas tiene a lo más unos miles de líneas.",
            )
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _mapping_error(
            str(path), "no está codificado en UTF-8.", "Guárdelo como UTF-8 y vuelva a intentar."
        ) from exc
    except OSError as exc:
        raise _mapping_error(
            str(path), f"no se puede leer ({exc.strerror}).", "Revise la ruta y los permisos."
        ) from exc


def _builtin_document(name: str) -> _MappingDocument:
    resource = resources.files("sereno") / "data" / "mappings" / f"{name}.yaml"
    return _read_document(resource.read_text(encoding="utf-8"), f"{name} (incorporado)")


def _builtin_mapping(name: str, taxonomy: Taxonomy, seen: tuple[str, ...] = ()) -> LabelMapping:
    if name in seen:
        raise TaxonomyError(
            f"Los mapeos incorporados se extienden en ciclo: {' → '.join((*seen, name))}.",
            hint="Corrija la clave `extends` de esos archivos.",
        )
    doc = _builtin_document(name)
    classification = _target(doc, taxonomy)
    entries: dict[str, str] = {}
    if doc.extends is not None:
        base = _builtin_mapping(doc.extends, taxonomy, (*seen, name))
        _check_same_version(base, doc)
        entries.update(base.entries)
    entries.update(_validated_entries(doc, classification))
    return LabelMapping(doc.version, entries)


def _target(doc: _MappingDocument, taxonomy: Taxonomy) -> Classification:
    if doc.version not in taxonomy.versions:
        raise _mapping_error(
            doc.source,
            f"la clasificación «{doc.version}» no existe.",
            f"Use una de: {', '.join(taxonomy.versions)}.",
        )
    return taxonomy.classification(doc.version)


def _check_same_version(base: LabelMapping, doc: _MappingDocument) -> None:
    if base.version != doc.version:
        raise _mapping_error(
            doc.source,
            f"apunta a la clasificación «{doc.version}» pero se combina con un mapeo "
            f"de «{base.version}».",
            f"Cambie `version` a «{base.version}» o use un mapeo base de «{doc.version}».",
        )


def _user_document(path_like: str | os.PathLike[str]) -> _MappingDocument:
    path = Path(path_like)
    if not path.is_file():
        raise TaxonomyError(
            f"No se encontró el mapeo «{path_like}»: no es un mapeo incorporado ni un "
            "archivo existente.",
            hint=f"Use uno de {', '.join(BUILTIN_MAPPINGS)} o la ruta a un archivo YAML.",
        )
    return _read_document(_read_text(path), str(path))


def load_mapping_from(
    name_or_path: str | os.PathLike[str],
    extra: str | os.PathLike[str] | None,
    taxonomy: Taxonomy,
) -> LabelMapping:
    """Build a mapping (see :func:`sereno.domain.taxonomy.load_mapping`)."""
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_MAPPINGS:
        mapping = _builtin_mapping(name_or_path, taxonomy)
    else:
        doc = _user_document(name_or_path)
        classification = _target(doc, taxonomy)
        base_name = doc.extends or _DEFAULT_BASE.get(doc.version)
        entries: dict[str, str] = {}
        if base_name is not None:
            base = _builtin_mapping(base_name, taxonomy)
            _check_same_version(base, doc)
            entries.update(base.entries)
        entries.update(_validated_entries(doc, classification))
        mapping = LabelMapping(doc.version, entries)
    if extra is None:
        return mapping
    overlay = _user_document(extra)
    _check_same_version(mapping, overlay)
    merged = dict(mapping.entries)
    merged.update(_validated_entries(overlay, _target(overlay, taxonomy)))
    return LabelMapping(mapping.version, merged)


def statistic_index(classification: Classification) -> dict[str, str]:
    """Map each normalised category name to the deepest category bearing it.

    CEAD publishes a total under the name of its familia or grupo; when a
    grupo and its only subgrupo share a name their counts are equal, so the
    subgrupo (the most specific code) is the one returned.
    """
    depth = {"familia": 0, "grupo": 1, "subgrupo": 2}
    index: dict[str, str] = {}
    for code, category in classification.categories.items():
        if code == UNCLASSIFIED:
            continue
        key = normalize_label(category.name)
        current = index.get(key)
        if (
            current is None
            or depth[category.level] > depth[classification.categories[current].level]
        ):
            index[key] = code
    return index


def statistic_code(name: str, index: Mapping[str, str], classification: Classification) -> str:
    """Look a CEAD statistic name up in ``index`` (see :func:`statistic_index`)."""
    key = normalize_label(name)
    key = _STATISTIC_ALIASES.get(key, key)
    if key in index:
        return index[key]
    names = {k: classification.categories[code].name for k, code in index.items()}
    close = [names[k] for k in difflib.get_close_matches(key, list(names), n=5, cutoff=0.6)]
    hint = (
        "¿Quiso decir: " + ", ".join(f"«{n}»" for n in close) + "?"
        if close
        else "Use el nombre tal como lo publica el portal CEAD (p. ej. «Hurtos»)."
    )
    raise TaxonomyError(f"La categoría CEAD «{name}» no se reconoce.", hint=hint)
