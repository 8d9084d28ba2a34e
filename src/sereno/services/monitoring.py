"""Monitoring use cases that read aggregated statistics from the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from sereno.analysis.alerts import monthly_alerts
from sereno.domain.territory import builtin_territory_set
from sereno.errors import InputError
from sereno.storage import repo
from sereno.storage.db import transaction

__all__ = ["AlertsReport", "alerts_for_period", "trends_report"]


@dataclass(frozen=True)
class AlertsReport:
    """Alerts of one month: the JSON twin of ``sereno alerts``."""

    period: str
    tests: int
    source: str
    measure: str
    method: str
    alerts: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "period": self.period,
            "tests": self.tests,
            "source": self.source,
            "measure": self.measure,
            "method": self.method,
            "alerts": self.alerts,
        }


def _pct(value: float) -> str:
    return f"{abs(value):,.0f} %".replace(",", ".")


def _p(value: float) -> str:
    return "< 0,001" if value < 0.001 else f"{value:.3f}".replace(".", ",")


def _message(category: str, comuna: str, observed: float, expected: float, p_adj: float) -> str:
    change = (observed - expected) / expected * 100 if expected > 0 else float("inf")
    if expected <= 0:
        size = "sin casos en los mismos meses de años anteriores"
    else:
        size = f"{_pct(change)} {'sobre' if change > 0 else 'bajo'} lo esperado"
    cases = f"{int(observed):,}".replace(",", ".")
    return f"{category} en {comuna}: {cases} casos, {size} (p ajustado {_p(p_adj)})"


def alerts_for_period(
    engine: Engine,
    period: str,
    *,
    source: str = "CEAD",
    measure: str = "casos_policiales",
    years: int = 3,
    alpha: float = 0.05,
) -> AlertsReport:
    """Alerts for every comuna × category of a monthly statistics source in ``period``."""
    with transaction(engine) as conn:
        df = repo.monthly_statistics(conn, source, measure)
    if df.empty:
        raise InputError(
            f"No hay estadísticas mensuales de la fuente «{source}» ({measure}).",
            hint="Importe primero la serie, p. ej. «sereno import stats archivo_cead.csv».",
        )
    table = df.pivot_table(
        index=["territory_code", "category"], columns="period", values="value", aggfunc="sum"
    ).sort_index(axis=1)
    months = list(table.columns)
    if period not in months:
        raise InputError(
            f"El periodo {period} no tiene datos de la fuente «{source}».",
            hint=f"Periodos disponibles: {months[0]} a {months[-1]}.",
        )
    result = monthly_alerts(
        table.fillna(0).to_numpy(float), months.index(period), years=years, alpha=alpha
    )
    names = dict(
        zip(builtin_territory_set("CL").codes, builtin_territory_set("CL").names, strict=True)
    )
    labels = df.drop_duplicates("category").set_index("category")["raw_category"].to_dict()
    alerts = []
    order = np.argsort(result.p_adjusted, kind="stable")
    for i in order:
        if not result.alert[i]:
            continue
        cut, code = table.index[i]
        comuna = names.get(str(cut), str(cut))
        category = labels.get(code, code)
        alerts.append(
            {
                "territory": int(cut) if str(cut).isdigit() else cut,
                "territory_name": comuna,
                "category": code,
                "category_name": category,
                "observed": float(result.observed[i]),
                "expected": round(float(result.expected[i]), 2),
                "lower": float(result.lower[i]),
                "upper": float(result.upper[i]),
                "p_adjusted": float(result.p_adjusted[i]),
                "direction": "alza" if result.direction[i] > 0 else "baja",
                "message": _message(
                    category, comuna, result.observed[i], result.expected[i], result.p_adjusted[i]
                ),
            }
        )
    return AlertsReport(
        period=period,
        tests=result.tests,
        source=source,
        measure=measure,
        method=(
            f"Línea base: mismo mes ±1 de los {years} años anteriores (Farrington et al. 1996, sin tendencia); "
            f"binomial negativa; control de tasa de falsos descubrimientos de Benjamini-Hochberg al {alpha * 100:.0f} %."
        ),
        alerts=alerts,
    )


def _without_nested(codes: list[str], present: set[str]) -> list[str]:
    """Stored categories to sum: drop any code whose ancestor is also selected (no double count)."""
    from sereno.domain.taxonomy import CURRENT_VERSION, load_taxonomy

    cl = load_taxonomy().classification(CURRENT_VERSION)
    wanted = set(codes)
    # A grupo or familia all of whose subgrupos are wanted stands for them (CEAD publishes
    # some series only at that level, e.g. "Crímenes y simples delitos ley de armas").
    for code in cl.categories:
        leaves = set(cl.subgroups_of(code)) - {code}
        if leaves and leaves <= wanted:
            wanted.add(code)
    chosen = [c for c in sorted(wanted) if c in present]
    keep = []
    for code in chosen:
        parent = cl.categories[code].parent if code in cl.categories else None
        nested = False
        while parent:
            if parent in chosen:
                nested = True
                break
            parent = cl.categories[parent].parent if parent in cl.categories else None
        if not nested:
            keep.append(code)
    return keep


def trends_report(
    engine: Engine,
    *,
    territory: str = "region",
    category: str | None = None,
    source: str = "CEAD",
    measure: str = "casos_policiales",
) -> dict[str, Any]:
    """Yearly rates per 100,000, year-on-year change, trend and seasonality of a series.

    Rates have exact Poisson intervals; the trend is Mann–Kendall on the monthly series.
    """
    from sereno.analysis.rates import compare_counts, poisson_rate
    from sereno.analysis.trends import mann_kendall, seasonal_profile
    from sereno.services.selection import parse_categories, select_territories

    ts, _stored, codes, territory_name = select_territories(engine, territory)
    if codes is None:
        raise InputError(
            "Las tendencias usan estadísticas por comuna: elija comunas, una provincia o «region».",
            hint="Por ejemplo --territory 13101 o --territory region.",
        )
    if category is None:
        raise InputError(
            "Indique la categoría con --category (código CEAD o familia, p. ej. dmcs).",
            hint="Sumar todas las categorías contaría dos veces las que son totales de otras.",
        )
    wanted, category_text = parse_categories(category)
    with transaction(engine) as conn:
        df = repo.monthly_statistics(conn, source, measure)
        population = repo.population_by_year(conn, codes)
    if df.empty:
        raise InputError(f"No hay estadísticas mensuales de la fuente «{source}» ({measure}).")
    df = df[df["territory_code"].isin(codes)]
    use = _without_nested(list(wanted or []), set(df["category"]))
    if not use:
        raise InputError(
            f"La fuente «{source}» no tiene series para {category_text}.",
            hint="Revise el código de categoría (sereno usa la clasificación CEAD 2025).",
        )
    monthly = df[df["category"].isin(use)].groupby("period")["value"].sum().sort_index()
    years = monthly.groupby(monthly.index.str.slice(0, 4)).agg(["sum", "count"])
    years = years[years["count"] == 12]
    rows = []
    prev = None
    for year, row in years.iterrows():
        y = int(str(year))
        pop = population.get(y)
        count = int(row["sum"])
        rate = poisson_rate(count, pop) if pop else None
        change: Any = compare_counts(count, prev) if prev is not None else None
        rows.append(
            {
                "year": y,
                "count": count,
                "population": pop,
                "rate": None if rate is None else round(float(rate.rate), 2),
                "lower": None if rate is None else round(float(rate.lower), 2),
                "upper": None if rate is None else round(float(rate.upper), 2),
                "small": None if rate is None else bool(rate.small),
                "change_pct": None if change is None else round(float(change.change_pct), 1),
                "p_value": None if change is None else float(change.p_value),
            }
        )
        prev = count
    trend = mann_kendall(monthly.to_numpy(float))
    season = seasonal_profile(monthly.to_numpy(float)[: len(monthly) // 12 * 12])
    return {
        "territory": territory_name,
        "category": category_text,
        "categories_summed": use,
        "source": source,
        "measure": measure,
        "population_vintage": "INE proyecciones de población base Censo 2017 (mismo año)",
        "period": f"{monthly.index[0]} a {monthly.index[-1]}",
        "years": rows,
        "trend": {
            "tau": float(trend.tau),
            "p_value": float(trend.p_value),
            "slope_per_month": float(trend.slope),
            "slope_lower": float(trend.slope_lower),
            "slope_upper": float(trend.slope_upper),
            "direction": {"increasing": "alza", "decreasing": "baja"}.get(
                str(trend.direction), "sin tendencia"
            ),
        },
        "seasonality": {
            "index_by_month": [round(float(v), 3) for v in np.asarray(season.index)],
            "share_of_variance": float(season.share_of_variance),
        },
        "method": "Tasas por 100.000 con intervalos exactos de Poisson (Garwood); cambio anual con prueba "
        "binomial condicional; tendencia de Mann-Kendall con pendiente de Theil-Sen sobre la serie mensual.",
    }
