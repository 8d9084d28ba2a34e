"""The ``sereno`` command (Typer + rich). Messages for people are in Spanish."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sereno.cli._spanish import install as _install_spanish
from sereno.errors import ConfigError, SerenoError

__all__ = ["app", "main"]

_install_spanish()

app = typer.Typer(
    name="sereno",
    help="Sereno: observatorio regional de seguridad. Datos, análisis y reportes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
territory_app = typer.Typer(
    help="Conjuntos territoriales (comunas, barrios).", no_args_is_help=True
)
import_app = typer.Typer(help="Importar incidentes o estadísticas agregadas.", no_args_is_help=True)
synth_app = typer.Typer(
    help="Generar datos sintéticos (para demostración y pruebas).", no_args_is_help=True
)
app.add_typer(territory_app, name="territory")
app.add_typer(import_app, name="import")
app.add_typer(synth_app, name="synth")

out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="URL de la base de datos (por defecto SERENO_DATABASE_URL o sqlite:///./sereno.db).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Imprimir el resultado como un objeto JSON.")]
TerritoryOpt = Annotated[
    str,
    typer.Option(
        "--territory",
        help="region, un CUT, varios CUT con comas, una provincia o un conjunto cargado.",
    ),
]
CategoryOpt = Annotated[
    str | None, typer.Option("--category", help="Código de categoría o familia (dmcs, vif…).")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="Primer día (dd-mm-aaaa).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Último día, incluido (dd-mm-aaaa).")]


def handles_errors(func: F) -> F:
    """Turn our errors into a Spanish message and exit code 2, with no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SerenoError as exc:
            err.print(f"[bold red]Error:[/] {exc.message}", highlight=False)
            if exc.hint:
                err.print(f"Sugerencia: {exc.hint}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("Interrumpido: no se guardó nada de la operación en curso.")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if os.environ.get("SERENO_DEBUG"):
                raise
            err.print(
                f"[bold red]Error inesperado:[/] {type(exc).__name__}: {exc}\n"
                "Las importaciones son atómicas: un lote que no terminó no deja filas guardadas. "
                "Revise «sereno status» y, si el problema persiste, repórtelo ejecutando con "
                "SERENO_DEBUG=1 para ver el detalle técnico.",
                highlight=False,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _engine(db: str | None, *, create: bool = False) -> Any:
    from sereno.services.store import init_store
    from sereno.storage.db import open_store

    return init_store(db) if create else open_store(db, create=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def _fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _fmt_num(value: float | None, decimals: int = 2) -> str:
    """Decimal comma, "—" for missing."""
    return "—" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def _band(low: float, high: float | None) -> str:
    return f"{low:g}–{high:g}" if high is not None else f"{low:g} o más"


def _fmt_pct(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".", ",")


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, float], None] | None]:
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("Importando", total=1.0)

        def update(msg: str, frac: float) -> None:
            bar.update(task, description=msg, completed=frac)

        yield update


@app.command("init")
@handles_errors
def init_cmd(db: DbOpt = None) -> None:
    """Crear o actualizar la base de datos (esquema, comunas, clasificación, población)."""
    from sereno.services.store import init_store
    from sereno.storage.db import database_url

    init_store(db, refresh=True)
    out.print(f"Base de datos lista: {database_url(db)}")


@territory_app.command("list")
@handles_errors
def territory_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Listar los conjuntos territoriales registrados."""
    from sereno.services.territories import list_territory_sets

    sets = list_territory_sets(_engine(db, create=True))
    if as_json:
        _print_json(sets)
        return
    table = Table("Código", "Nombre", "Territorios", "CRS métrico", "Zona horaria", "Tipo")
    for s in sets:
        table.add_row(
            s["code"],
            s["name"],
            _fmt_int(s["territories"]),
            s["crs"],
            s["timezone"],
            "incorporado" if s["builtin"] else "cargado",
        )
    out.print(table)


@territory_app.command("load")
@handles_errors
def territory_load(
    file: Annotated[Path, typer.Argument(help="Archivo GeoJSON o GeoPackage con polígonos.")],
    code_field: Annotated[
        str, typer.Option("--code-field", help="Campo con el código de cada territorio.")
    ],
    name_field: Annotated[
        str, typer.Option("--name-field", help="Campo con el nombre de cada territorio.")
    ],
    code: Annotated[
        str | None,
        typer.Option("--code", help="Código del conjunto (por defecto, el nombre del archivo)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Nombre del conjunto.")] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs", help="CRS métrico, p. ej. EPSG:32719 (por defecto, la zona UTM del centroide)."
        ),
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Zona horaria IANA para leer horas locales.")
    ] = "America/Santiago",
    layer: Annotated[str | None, typer.Option("--layer", help="Capa del GeoPackage.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cargar otro conjunto territorial (otra región, barrios de otra ciudad)."""
    from sereno.services.territories import load_territory_file

    set_code = code or file.stem.upper().replace(" ", "_")
    ts = load_territory_file(
        _engine(db, create=True),
        file,
        code=set_code,
        name=name,
        code_field=code_field,
        name_field=name_field,
        crs=crs,
        timezone=timezone,
        layer=layer,
    )
    info = {
        "code": ts.code,
        "name": ts.name,
        "territories": len(ts.codes),
        "crs": ts.crs,
        "timezone": ts.timezone,
    }
    if as_json:
        _print_json(info)
    else:
        out.print(
            f"Conjunto {ts.code} cargado: {_fmt_int(len(ts.codes))} territorios, CRS {ts.crs}, zona horaria {ts.timezone}."
        )


def _report_dir(explicit: Path | None) -> Path | None:
    from sereno.settings import get_settings

    configured = get_settings().reject_dir
    return explicit or (Path(configured) if configured else None)


def _print_summary(summary: Any, as_json: bool) -> None:
    d = summary.to_dict()
    if as_json:
        keys = [
            "batch_id",
            "rows_read",
            "inserted",
            "duplicates",
            "rejected",
            "unclassified",
            "seconds",
        ]
        extra = [
            "linked",
            "updated",
            "ambiguous_times",
            "report",
            "rejects_report",
            "duplicates_report",
            "report_error",
        ]
        _print_json({k: d[k] for k in keys + extra})
        return
    out.print(f"Lote {d['batch_id']} ({d['file_name']}, fuente {d['source']}):")
    out.print(f"  filas leídas: {_fmt_int(d['rows_read'])}")
    out.print(f"  insertadas:   {_fmt_int(d['inserted'])}")
    out.print(f"  duplicadas:   {_fmt_int(d['duplicates'])}")
    out.print(f"  rechazadas:   {_fmt_int(d['rejected'])}")
    if d.get("unclassified"):
        out.print(
            f"  sin clasificar: {_fmt_int(d['unclassified'])} (se guardan con su glosa original)"
        )
        for label, n in list(d["unclassified_labels"].items())[:10]:
            out.print(f"    «{label}»: {_fmt_int(n)}", highlight=False)
    if d.get("linked"):
        out.print(f"  vinculadas a otra fuente (mismo hecho): {_fmt_int(d['linked'])}")
    if d.get("ambiguous_times"):
        out.print(
            f"  horas ambiguas por cambio de hora: {_fmt_int(d['ambiguous_times'])} "
            "(se tomó la primera ocurrencia, horario de verano; quedan marcadas)"
        )
    if d.get("updated"):
        out.print(f"  actualizadas (valor revisado): {_fmt_int(d['updated'])}")
    for reason, n in list(d["reject_reasons"].items())[:10]:
        out.print(f"    rechazo: {reason} ({_fmt_int(n)})", highlight=False)
    out.print(f"  tiempo: {str(d['seconds']).replace('.', ',')} s")
    if d.get("rejects_report"):
        out.print(f"  informe de rechazos: {d['rejects_report']}")
    if d.get("duplicates_report"):
        out.print(f"  informe de duplicados: {d['duplicates_report']}")
    if d.get("report_error"):
        err.print(f"[bold yellow]Aviso:[/] {d['report_error']}", highlight=False)


@import_app.command("incidents")
@handles_errors
def import_incidents_cmd(
    file: Annotated[Path, typer.Argument(help="Archivo CSV, XLSX, GeoJSON o GeoPackage.")],
    source: Annotated[
        str,
        typer.Option("--source", help="Institución que envía los datos (p. ej. «Carabineros»)."),
    ],
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="Perfil de columnas: generic, carabineros, fiscalia, municipal, vpd o un YAML.",
        ),
    ] = "generic",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML con equivalencias de glosas propias.")
    ] = None,
    source_kind: Annotated[
        str | None,
        typer.Option("--source-kind", help="carabineros, pdi, fiscalia, municipal, cead u other."),
    ] = None,
    territory_set: Annotated[
        str | None, typer.Option("--territory-set", help="Conjunto territorial (por defecto CL).")
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir", help="Carpeta de informes (por defecto ./informes_importacion)."
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Importar incidentes como un lote atómico (todo o nada)."""
    from sereno.services.imports import import_incidents

    engine = _engine(db, create=True)
    with _progress(not as_json) as bar:
        summary = import_incidents(
            engine,
            file,
            source=source,
            source_kind=source_kind,
            profile=profile,
            mapping=mapping,
            territory_set=territory_set,
            report_dir=_report_dir(report_dir),
            progress=bar,
        )
    _print_summary(summary, as_json)


@import_app.command("stats")
@handles_errors
def import_stats_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV o XLSX con columnas cut, period, category, count [measure].")
    ],
    source: Annotated[str, typer.Option("--source", help="Productor de la estadística.")] = "CEAD",
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure", help="Medida si el archivo no la trae (p. ej. casos_policiales)."
        ),
    ] = None,
    report_dir: Annotated[
        Path | None, typer.Option("--report-dir", help="Carpeta de informes.")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Importar estadísticas agregadas (comuna × periodo × categoría), p. ej. CEAD."""
    from sereno.services.statistics import import_statistics

    summary = import_statistics(
        _engine(db, create=True),
        file,
        source=source,
        measure=measure,
        report_dir=_report_dir(report_dir),
    )
    _print_summary(summary, as_json)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            from datetime import datetime

            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ConfigError(
        f"La fecha «{value}» de {option} no es válida.", hint="Use dd-mm-aaaa o aaaa-mm-dd."
    )


@synth_app.command("incidents")
@handles_errors
def synth_incidents_cmd(
    out_file: Annotated[
        Path, typer.Option("--out", help="Archivo CSV de salida (el manifiesto JSON va al lado).")
    ],
    n: Annotated[int, typer.Option("--n", help="Número de incidentes.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Semilla (mismo valor, mismo archivo).")] = 1,
    start: Annotated[
        str | None, typer.Option("--start", help="Primer día (dd-mm-aaaa), por defecto 01-01-2025.")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--end", help="Día siguiente al último (dd-mm-aaaa), por defecto 01-01-2026."),
    ] = None,
) -> None:
    """Escribir incidentes sintéticos de la RM con patrones plantados y su manifiesto."""
    from sereno.services.synth import synthesize_incidents, write_synthetic

    s = _parse_date(start, "--start") or date(2025, 1, 1)
    e = _parse_date(end, "--end") or date(2026, 1, 1)
    result = synthesize_incidents(n, seed=seed, start=s, end=e)
    csv_path, manifest = write_synthetic(result, out_file)
    out.print(
        f"Escritos {_fmt_int(len(result.frame))} incidentes SINTÉTICOS en {csv_path}; manifiesto en {manifest}."
    )


@app.command("status")
@handles_errors
def status_cmd(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Resumen de lo cargado: por fuente, territorio, categoría y periodo."""
    from sereno.services.status import store_status

    data = store_status(_engine(db))
    if as_json:
        _print_json(data)
        return
    out.print(
        f"Incidentes: {_fmt_int(data['incidents'])} · Estadísticas: {_fmt_int(data['statistics'])} · "
        f"Lotes: {_fmt_int(data['batches'])}"
    )
    table = Table("Fuente", "Tipo", "Incidentes", "Estadísticas", "Sintética")
    for s in data["by_source"]:
        table.add_row(
            s["source"],
            s["kind"],
            _fmt_int(s["incidents"]),
            _fmt_int(s["statistics"]),
            "sí" if s["synthetic"] else "no",
        )
    out.print(table)
    if data["by_period"]:
        out.print(
            f"Periodo de incidentes: {data['by_period'][0]['period']} a {data['by_period'][-1]['period']}"
        )


@app.command("alerts")
@handles_errors
def alerts_cmd(
    period: Annotated[
        str, typer.Option("--period", help="Mes evaluado, AAAA-MM (p. ej. 2025-06).")
    ],
    source: Annotated[
        str, typer.Option("--source", help="Fuente de las estadísticas mensuales.")
    ] = "CEAD",
    measure: Annotated[
        str, typer.Option("--measure", help="Medida de la serie.")
    ] = "casos_policiales",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Alertas del mes por comuna y categoría frente a su propia historia.

    Ejemplo: sereno alerts --period 2025-06 --json
    """
    import re

    from sereno.services.monitoring import alerts_for_period

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise ConfigError(
            f"El periodo «{period}» no es válido.", hint="Use AAAA-MM, por ejemplo 2025-06."
        )
    report = alerts_for_period(_engine(db), period, source=source, measure=measure)
    if as_json:
        _print_json(report.to_dict())
        return
    out.print(
        f"Alertas {period} · fuente {report.source} ({report.measure}) · "
        f"{_fmt_int(report.tests)} series evaluadas · {len(report.alerts)} alertas"
    )
    out.print(f"Método: {report.method}", highlight=False)
    for a in report.alerts:
        out.print(f"  {'▲' if a['direction'] == 'alza' else '▼'} {a['message']}", highlight=False)


@app.command("hotspots")
@handles_errors
def hotspots_cmd(
    territory: TerritoryOpt = "region",
    category: CategoryOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    cell: Annotated[int, typer.Option("--cell", help="Tamaño de celda en metros.")] = 100,
    method: Annotated[str, typer.Option("--method", help="gistar o lisa.")] = "gistar",
    neighbors: Annotated[
        str, typer.Option("--neighbors", help="queen o distance:METROS.")
    ] = "queen",
    permutations: Annotated[
        int, typer.Option("--permutations", help="0 = inferencia analítica.")
    ] = 0,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Semilla de las permutaciones.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json o geojson.")] = "csv",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Archivo de salida (por defecto, la pantalla).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Puntos calientes en la grilla: una fila por celda de la zona de estudio (ceros incluidos).

    Ejemplo: sereno hotspots --territory 13101 --category dmcs --from 01-01-2025 --to 31-12-2025 --out santiago.csv
    """
    from sereno.services.hotspots import grid_hotspots

    if fmt not in ("csv", "json", "geojson"):
        raise ConfigError(f"El formato «{fmt}» no existe.", hint="Use csv, json o geojson.")
    result = grid_hotspots(
        _engine(db),
        territory=territory,
        category=category,
        date_from=date_from,
        date_to=date_to,
        cell=cell,
        method=method,
        neighbors=neighbors,
        permutations=permutations,
        seed=seed,
    )
    if fmt == "csv":
        text = result.cells.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(
            {**result.describe(), "cells": result.cells.to_dict(orient="records")},
            ensure_ascii=False,
        )
    else:
        text = json.dumps(result.to_geojson(), ensure_ascii=False)
    d = result.describe()
    summary = (
        f"{d['territory']} · {d['categories']} · {d['period']} · {_fmt_int(d['incidents'])} incidentes · "
        f"{_fmt_int(d['cells'])} celdas de {cell} m · {_fmt_int(d['significant_cells'])} significativas · {d['method']}"
    )
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        out.print(f"{summary}\nEscrito en {out_file}", highlight=False)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        err.print(summary, highlight=False)


@app.command("nearrepeat")
@handles_errors
def nearrepeat_cmd(
    territory: TerritoryOpt = "region",
    category: CategoryOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    permutations: Annotated[
        int, typer.Option("--permutations", help="Permutaciones de Monte Carlo.")
    ] = 99,
    seed: Annotated[int | None, typer.Option("--seed", help="Semilla.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Repetición cercana: test de Knox por bandas de distancia y de días.

    Ejemplo: sereno nearrepeat --territory 13110 --category 60101 --permutations 999 --seed 1 --json
    """
    from sereno.services.patterns import near_repeat

    data = near_repeat(
        _engine(db),
        territory=territory,
        category=category,
        date_from=date_from,
        date_to=date_to,
        permutations=permutations,
        seed=seed,
    )
    if as_json:
        _print_json(data)
        return
    out.print(
        f"{data['territory']} · {data['categories']} · {data['period']} · {_fmt_int(data['n'])} incidentes"
    )
    out.print(f"Método: {data['method']}; {data['permutations']} permutaciones", highlight=False)
    table = Table("Distancia (m)", "Días", "Observados", "Esperados", "Razón de Knox", "p")
    for b in data["bands"]:
        space = "mismo lugar" if b["space_to"] == 0 else _band(b["space_from"], b["space_to"])
        days = _band(b["time_from"], b["time_to"])
        table.add_row(
            space,
            days,
            _fmt_int(b["observed"]),
            _fmt_num(b["expected"], 1),
            _fmt_num(b["ratio"]),
            _fmt_num(b["p"], 3),
        )
    out.print(table)


@app.command("concentration")
@handles_errors
def concentration_cmd(
    territory: TerritoryOpt = "region",
    category: CategoryOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    cell: Annotated[int, typer.Option("--cell", help="Tamaño de celda en metros.")] = 100,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Concentración del delito en celdas: participación de las celdas con más casos y Gini.

    Ejemplo: sereno concentration --territory 13101 --category dmcs --json
    """
    from sereno.services.patterns import cell_concentration

    data = cell_concentration(
        _engine(db),
        territory=territory,
        category=category,
        date_from=date_from,
        date_to=date_to,
        cell=cell,
    )
    if as_json:
        _print_json(data)
        return
    out.print(
        f"{data['territory']} · {data['categories']} · {data['period']} · "
        f"{_fmt_int(data['incidents'])} incidentes en {_fmt_int(data['cells'])} celdas de {cell} m"
    )
    for k, v in data["share_top"].items():
        out.print(
            f"  el {_fmt_pct(float(k))} de las celdas concentra el {_fmt_pct(v)} de los incidentes"
        )
    for k, v in data["cells_for_share"].items():
        out.print(
            f"  el {_fmt_pct(float(k))} de los incidentes ocurre en el {_fmt_pct(v)} de las celdas"
        )
    out.print(
        f"  Gini {data['gini']:.3f} · Gini generalizado {data['generalized_gini']:.3f}".replace(
            ".", ","
        )
    )
    out.print(f"Método: {data['method']}", highlight=False)


@app.command("trends")
@handles_errors
def trends_cmd(
    category: Annotated[
        str, typer.Option("--category", help="Código CEAD o familia (dmcs, vif…).")
    ],
    territory: TerritoryOpt = "region",
    source: Annotated[
        str, typer.Option("--source", help="Fuente de las estadísticas mensuales.")
    ] = "CEAD",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evolución anual: casos, tasas por 100.000 con intervalos, cambio y tendencia.

    Ejemplo: sereno trends --territory 13123 --category 20201
    """
    from sereno.services.monitoring import trends_report

    data = trends_report(_engine(db), territory=territory, category=category, source=source)
    if as_json:
        _print_json(data)
        return
    out.print(
        f"{data['territory']} · {data['category']} · fuente {data['source']} · {data['period']}"
    )
    table = Table("Año", "Casos", "Tasa ×100.000", "IC 95 %", "Cambio", "p")
    for r in data["years"]:
        ci = "—" if r["lower"] is None else f"{_fmt_num(r['lower'], 1)}–{_fmt_num(r['upper'], 1)}"
        change = "—" if r["change_pct"] is None else f"{_fmt_num(r['change_pct'], 1)} %"
        table.add_row(
            str(r["year"]),
            _fmt_int(r["count"]),
            _fmt_num(r["rate"], 1),
            ci,
            change,
            _fmt_num(r["p_value"], 3),
        )
    out.print(table)
    t = data["trend"]
    out.print(
        f"Tendencia mensual: {t['direction']} (τ {_fmt_num(t['tau'])}, p {_fmt_num(t['p_value'], 3)}, "
        f"{_fmt_num(t['slope_per_month'])} casos/mes)",
        highlight=False,
    )
    out.print(f"Método: {data['method']} Población: {data['population_vintage']}.", highlight=False)


@app.command("demo")
@handles_errors
def demo_cmd(
    db: DbOpt = None,
    n: Annotated[int, typer.Option("--n", help="Incidentes sintéticos a generar.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Semilla de los datos sintéticos.")] = 1,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Solo construir la base, sin servir la web.")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Dirección de escucha.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Puerto.")] = 8000,
) -> None:
    """Construir la base de demostración (CEAD real + un año sintético) y servir la web."""
    from sereno.services.demo import build_demo
    from sereno.storage.db import database_url

    url = database_url(db)
    report = build_demo(url, n=n, seed=seed, log=lambda m: out.print(m, highlight=False))
    out.print(
        f"Demo lista en {url}: {_fmt_int(report['statistics'])} estadísticas CEAD, "
        f"{_fmt_int(report['incidents'])} incidentes sintéticos."
    )
    if not no_serve:
        _serve(url, host, port)


def _serve(url: str, host: str, port: int) -> None:
    import uvicorn

    from sereno.settings import get_settings
    from sereno.web.app import create_app

    settings = get_settings(database_url=url, host=host, port=port)
    out.print(f"Sereno está sirviendo en http://{host}:{port}  (Ctrl+C para detener)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command("serve")
@handles_errors
def serve_cmd(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Dirección de escucha.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Puerto.")] = 8000,
) -> None:
    """Servir la aplicación web."""
    from sereno.storage.db import database_url

    _engine(db, create=True)
    _serve(database_url(db), host, port)


def main() -> None:
    """Console-script entry point."""
    app()
