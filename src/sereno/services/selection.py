"""Parse the filters every analysis command shares: territory, category and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from sereno.domain.taxonomy import CURRENT_VERSION, load_taxonomy
from sereno.domain.territory import TerritorySet, builtin_territory_set
from sereno.errors import ConfigError, TerritoryError
from sereno.services.territories import get_territory_set

__all__ = ["Selection", "parse_categories", "parse_period", "select_territories"]


@dataclass(frozen=True)
class Selection:
    """Territories, categories and UTC time range chosen for an analysis."""

    territories: TerritorySet
    stored_set: str
    codes: list[str] | None
    categories: list[str] | None
    t_from: datetime | None
    t_to: datetime | None
    description: str


def select_territories(
    engine: Engine, spec: str
) -> tuple[TerritorySet, str, list[str] | None, str]:
    """Territories named by ``spec``: ``region``, a CUT, a list of CUTs, a province, or a set code.

    Returns the selected polygons, the set code incidents are stored under, the territory
    codes to filter on (``None`` = the whole set) and a Spanish description.
    """
    value = spec.strip()
    rm = builtin_territory_set("RM")
    if value.casefold() in ("region", "región", "rm"):
        return rm, "CL", list(rm.codes), "Región Metropolitana (52 comunas)"
    parts = [p.strip() for p in value.split(",") if p.strip()]
    cl = builtin_territory_set("CL")
    if parts and all(p.isdigit() and len(p) >= 4 for p in parts):
        unknown = [p for p in parts if p not in set(cl.codes)]
        if unknown:
            raise TerritoryError(
                f"El código de comuna {unknown[0]} no existe.",
                hint="Use el CUT de la DPA, p. ej. 13101 (Santiago), o varios separados por comas.",
            )
        mask = np.isin(cl.codes, parts)
        sub = cl.subset(mask, code="SEL", name=", ".join(cl.names[mask]))
        return sub, "CL", parts, sub.name
    prov = rm.attributes.get("provincia")
    prov_code = rm.attributes.get("cut_provincia")
    if prov is not None and prov_code is not None:
        names = prov.astype(str).str.casefold()
        mask = (names == value.casefold()).to_numpy() | (prov_code.astype(str) == value).to_numpy()
        if mask.any():
            sub = rm.subset(mask, code="SEL", name=f"Provincia de {prov[mask].iloc[0]}")
            return sub, "CL", list(sub.codes), sub.name
    ts = get_territory_set(engine, value)
    return ts, ts.code, None, ts.name


def parse_categories(spec: str | None) -> tuple[list[str] | None, str]:
    """Category codes for a code (with its descendants) or a family tag such as ``dmcs``."""
    if spec is None or not spec.strip():
        return None, "todas las categorías"
    cl = load_taxonomy().classification(CURRENT_VERSION)
    codes: set[str] = set()
    names = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        tags = ("dmcs", "vif", "incivilidades", "drogas", "armas", "otros")
        if part.casefold() in tags:
            codes.update(cl.codes_with_tag(part.casefold()))
            names.append(part.upper() if part.casefold() in ("dmcs", "vif") else part)
            continue
        category = cl.get(part)  # raises a Spanish TaxonomyError for unknown codes
        codes.add(part)
        codes.update(cl.children(part))
        codes.update(cl.subgroups_of(part))
        names.append(category.name)
    return sorted(codes), ", ".join(names)


def _day(value: str, option: str) -> date:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ConfigError(
        f"La fecha «{value}» de {option} no es válida.", hint="Use dd-mm-aaaa o aaaa-mm-dd."
    )


def parse_period(
    t_from: str | None, t_to: str | None, timezone: str
) -> tuple[datetime | None, datetime | None, str]:
    """UTC bounds (naive, as stored) of local days ``[from, to]`` (``to`` inclusive)."""
    tz = ZoneInfo(timezone)
    start = _day(t_from, "--from") if t_from else None
    end = _day(t_to, "--to") if t_to else None
    if start and end and end < start:
        raise ConfigError(
            "La fecha --to es anterior a --from.", hint="Revise el orden de las fechas."
        )

    def utc(d: date) -> datetime:
        local = pd.Timestamp(d).tz_localize(tz, nonexistent="shift_forward")
        out: datetime = local.tz_convert("UTC").tz_localize(None).to_pydatetime()
        return out

    lo = utc(start) if start else None
    hi = utc(end + pd.Timedelta(days=1)) if end else None
    text = f"{start.strftime('%d-%m-%Y') if start else 'inicio'} a {end.strftime('%d-%m-%Y') if end else 'hoy'}"
    return lo, hi, text
