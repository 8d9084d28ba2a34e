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

__all__ = ["AlertsReport", "alerts_for_period"]


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
