"""Source profiles: which file columns hold which incident fields.

A profile maps each canonical field (``date``, ``label``, ``lat``…) to the column
names a source uses for it. Built-in profiles live in ``sereno/data/profiles/*.yaml``;
users may pass their own YAML file with the same keys. Column names are matched
ignoring case, accents, spaces and punctuation (``"Fecha Hecho"`` = ``fecha_hecho``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from sereno.errors import InputError, MissingColumnsError

__all__ = [
    "FIELDS",
    "GEOMETRY_COLUMNS",
    "REQUIRED_FIELDS",
    "Profile",
    "builtin_profiles",
    "column_key",
    "load_profile",
    "resolve_columns",
]

#: Canonical fields, in resolution order, with the Spanish description shown to users.
FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "record_id": "identificador del caso",
        "date": "fecha (puede incluir la hora)",
        "time": "hora",
        "date_to": "fecha de término",
        "time_to": "hora de término",
        "reported_at": "fecha de denuncia",
        "label": "delito",
        "lat": "latitud",
        "lon": "longitud",
        "x": "coordenada X (este)",
        "y": "coordenada Y (norte)",
        "comuna": "comuna (nombre o código CUT)",
        "address": "dirección",
        "place_type": "tipo de lugar",
        "location_precision": "precisión de la ubicación",
        "victim_sex": "sexo de la víctima",
        "victim_age": "edad de la víctima",
        "victim_relationship": "relación víctima-victimario",
        "offender_sex": "sexo del imputado",
        "offender_age": "edad del imputado",
    }
)
REQUIRED_FIELDS = ("date", "label")
#: Columns the geo readers add with the point geometry.
GEOMETRY_COLUMNS = ("__lon", "__lat")
_COORD_PAIRS = (("lat", "lon"), ("x", "y"))
_KEYS = {"name", "description", "extends", "columns", "crs", "timezone", "date_order",
         "territory_set", "location_precision"}  # fmt: skip
_DATE_ORDERS = ("dmy", "mdy")


@dataclass(frozen=True)
class Profile:
    """How one source names its columns, and what its coordinates and times mean.

    Attributes
    ----------
    name : str
        Profile name (the YAML file stem for built-ins).
    columns : Mapping[str, tuple[str, ...]]
        Canonical field → accepted column names, most specific first.
    crs : str or None
        CRS of the ``x``/``y`` columns (``lat``/``lon`` are always WGS84).
    timezone : str or None
        IANA zone of local times; ``None`` uses the territory's.
    date_order : str
        ``"dmy"`` (Chile) or ``"mdy"`` for ambiguous numeric dates; ISO is always ymd.
    territory_set : str or None
        Default territory set for files of this source.
    location_precision : str
        Precision assumed when the file has no precision column.
    description : str
        One line saying what export the profile is for.
    """

    name: str
    columns: Mapping[str, tuple[str, ...]]
    crs: str | None = None
    timezone: str | None = None
    date_order: str = "dmy"
    territory_set: str | None = None
    location_precision: str = "exact"
    description: str = ""
    _keys: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        columns = MappingProxyType({f: tuple(a) for f, a in self.columns.items()})
        object.__setattr__(self, "columns", columns)
        keys = {
            f: tuple(dict.fromkeys(column_key(a) for a in aliases))
            for f, aliases in columns.items()
        }
        object.__setattr__(self, "_keys", MappingProxyType(keys))


def column_key(name: str) -> str:
    """Matching key of a column name: lower case, no accents, ``_`` between words.

    Examples
    --------
    >>> column_key("  Fecha del Hecho ")
    'fecha_del_hecho'
    >>> column_key("Dirección")
    'direccion'
    """
    text = unicodedata.normalize("NFKD", str(name)).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with Sereno."""
    folder = resources.files("sereno") / "data" / "profiles"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a built-in profile by name, or a user profile from a YAML file.

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        ``"generic"``, ``"carabineros"``… or a path ending in ``.yaml``/``.yml``.

    Returns
    -------
    Profile

    Raises
    ------
    sereno.errors.InputError
        Unknown built-in name, unreadable file, or invalid profile contents.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(name_or_path)
        if not path.is_file():
            raise InputError(f"No se encuentra el archivo de perfil «{path}».")
        return _profile_from_yaml(path.read_text(encoding="utf-8"), path.stem, str(path))
    if text not in builtin_profiles():
        raise InputError(
            f"No existe el perfil «{text}». Perfiles incluidos: {', '.join(builtin_profiles())}.",
            hint="Use uno de ellos o indique la ruta de su propio archivo .yaml.",
        )
    source = resources.files("sereno") / "data" / "profiles" / f"{text}.yaml"
    return _profile_from_yaml(source.read_text(encoding="utf-8"), text, f"{text}.yaml")


def _profile_from_yaml(text: str, default_name: str, where: str) -> Profile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"El perfil «{where}» no es YAML válido: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"El perfil «{where}» debe ser un diccionario YAML (clave: valor).")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(
            f"El perfil «{where}» tiene claves desconocidas: {', '.join(unknown)}. "
            f"Claves aceptadas: {', '.join(sorted(_KEYS))}."
        )
    columns = _columns_from_yaml(data.get("columns") or {}, where)
    base = load_profile(data["extends"]) if data.get("extends") else None
    if base is not None:
        merged = {f: columns.get(f, ()) + base.columns.get(f, ()) for f in FIELDS}
        columns = {f: a for f, a in merged.items() if a}
    date_order = data.get("date_order") or (base.date_order if base else "dmy")
    if date_order not in _DATE_ORDERS:
        raise InputError(
            f"En el perfil «{where}», date_order «{date_order}» no es válido; use "
            f"{' o '.join(_DATE_ORDERS)}."
        )

    def pick(key: str, default: Any = None) -> Any:
        return data.get(key, getattr(base, key) if base is not None else default)

    return Profile(
        name=str(data.get("name") or default_name),
        columns=columns,
        crs=pick("crs"),
        timezone=pick("timezone"),
        date_order=date_order,
        territory_set=pick("territory_set"),
        location_precision=str(pick("location_precision", "exact") or "exact"),
        description=str(data.get("description") or ""),
    )


def _columns_from_yaml(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise InputError(f"En el perfil «{where}», «columns» debe ser campo: [nombres…].")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise InputError(
            f"El perfil «{where}» usa campos desconocidos: {', '.join(map(str, unknown))}. "
            f"Campos aceptados: {', '.join(FIELDS)}."
        )
    columns: dict[str, tuple[str, ...]] = {}
    for name, aliases in raw.items():
        items = [aliases] if isinstance(aliases, str) else aliases
        if not isinstance(items, list) or not all(isinstance(a, str | int) for a in items):
            raise InputError(
                f"En el perfil «{where}», el campo «{name}» debe tener una lista de nombres de "
                "columna, p. ej. [fecha, fecha_hecho]."
            )
        columns[name] = tuple(str(a) for a in items)
    return columns


def resolve_columns(columns: Iterable[str], profile: Profile) -> dict[str, str]:
    """Map canonical fields to the file's columns.

    Aliases are tried in profile order and each column serves one field at most.
    When the geo readers' ``__lon``/``__lat`` columns are present, they are used for
    ``lon``/``lat`` (the geometry wins over attribute columns).

    Parameters
    ----------
    columns : iterable of str
        Column names as read from the file.
    profile : Profile

    Returns
    -------
    dict
        Field → column name, only for fields found.

    Raises
    ------
    sereno.errors.MissingColumnsError
        ``date``, ``label`` or a coordinate pair cannot be found.
    """
    names = list(columns)
    by_key: dict[str, str] = {}
    for name in names:
        if name not in GEOMETRY_COLUMNS:
            by_key.setdefault(column_key(name), name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name in FIELDS:
        for key in profile._keys.get(field_name, ()):
            column = by_key.get(key)
            if column is not None and column not in used:
                mapping[field_name] = column
                used.add(column)
                break
    if all(c in names for c in GEOMETRY_COLUMNS):
        mapping["lon"], mapping["lat"] = GEOMETRY_COLUMNS
    missing = [f for f in REQUIRED_FIELDS if f not in mapping]
    if not any(a in mapping and b in mapping for a, b in _COORD_PAIRS):
        missing.append("lat+lon o x+y")
    if missing:
        raise MissingColumnsError(_missing_message(missing, names, profile))
    return mapping


def _missing_message(missing: list[str], names: list[str], profile: Profile) -> str:
    parts = []
    for item in missing:
        fields = item.split(" o ")[0].split("+") if "+" in item else [item]
        for extra in item.split(" o ")[1:]:
            fields += extra.split("+")
        accepted = "; ".join(
            f"{FIELDS[f]}: {', '.join(profile.columns.get(f, ())) or '(ninguno)'}" for f in fields
        )
        label = FIELDS[item] if item in FIELDS else "coordenadas (latitud y longitud, o X e Y)"
        parts.append(f"falta {label} — nombres aceptados: {accepted}")
    found = ", ".join(names) if names else "(ninguna)"
    return (
        f"Al archivo le faltan columnas obligatorias para el perfil «{profile.name}»: "
        + " | ".join(parts)
        + f". Columnas encontradas: {found}. Renombre las columnas o use otro perfil."
    )
