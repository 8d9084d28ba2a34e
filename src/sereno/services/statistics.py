"""Import of aggregated statistics (CEAD casos policiales and similar) and of population."""

from __future__ import annotations

import re
import time
from datetime import date
from importlib import resources
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, update

from sereno import PIPELINE_VERSION
from sereno.domain.taxonomy import CURRENT_VERSION, cead_statistic_category
from sereno.domain.territory import builtin_territory_set
from sereno.errors import MissingColumnsError, TaxonomyError
from sereno.ingest.readers import read_table
from sereno.services.imports import ImportSummary, source_kind_for, write_reports
from sereno.storage import repo
from sereno.storage.bulk import bulk_insert
from sereno.storage.db import transaction
from sereno.storage.models import Population, Statistic

__all__ = ["import_statistics", "load_population"]

_ALIASES = {
    "territory": ("cut", "codigo_comuna", "cod_comuna", "territorio", "territory", "code"),
    "period": ("period", "periodo", "mes", "año", "anio", "year"),
    "category": ("category", "categoria", "delito", "grupo_delito"),
    "value": ("count", "value", "valor", "casos", "frecuencia", "n"),
    "measure": ("measure", "medida", "unidad"),
}
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def _fold(name: str) -> str:
    import unicodedata

    n = unicodedata.normalize("NFD", str(name).strip().casefold())
    return "".join(c for c in n if unicodedata.category(c) != "Mn").replace(" ", "_")


def _resolve(columns: list[str]) -> dict[str, str]:
    folded = {_fold(c): c for c in columns}
    found: dict[str, str] = {}
    for fieldname, aliases in _ALIASES.items():
        for a in aliases:
            if _fold(a) in folded:
                found[fieldname] = folded[_fold(a)]
                break
    missing = [f for f in ("territory", "period", "category", "value") if f not in found]
    if missing:
        names = {
            "territory": "cut",
            "period": "period (AAAA-MM o AAAA)",
            "category": "category",
            "value": "count",
        }
        raise MissingColumnsError(
            "Faltan columnas obligatorias: " + ", ".join(names[m] for m in missing) + ".",
            hint=f"Columnas encontradas: {', '.join(columns)}. Formato esperado: "
            "cut;period;category;count[;measure].",
        )
    return found


def _parse_numbers(values: pd.Series, decimal: str) -> pd.Series:
    text = values.astype("object").where(values.notna(), None).astype(str).str.strip()
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def import_statistics(
    engine: Engine,
    path: str | Path,
    *,
    source: str = "CEAD",
    measure: str | None = None,
    imported_by: str = "cli",
    report_dir: str | Path | None = None,
) -> ImportSummary:
    """Import a table of aggregated figures (territory × period × category × measure).

    Rows already stored with the same value count as duplicates; a stored figure whose
    value changed (a revision by the producer) is updated and counted in ``updated``.
    """
    t0 = time.perf_counter()
    raw = read_table(path)
    frame = raw.frame
    cols = _resolve(list(frame.columns))
    n = len(frame)
    rows = pd.Series(raw.row_numbers)
    reasons = pd.Series([None] * n, dtype=object)
    bad_col = pd.Series([None] * n, dtype=object)
    bad_val = pd.Series([None] * n, dtype=object)

    def flag(mask: np.ndarray, column: str, reason: str) -> None:
        m = pd.Series(mask) & reasons.isna()
        reasons[m] = reason
        bad_col[m] = column
        bad_val[m] = frame.loc[m.to_numpy(), column].astype(str).str.slice(0, 100).to_numpy()

    terr = (
        frame[cols["territory"]]
        .astype("object")
        .where(frame[cols["territory"]].notna(), "")
        .astype(str)
        .str.strip()
    )
    terr = terr.str.replace(r"\.0$", "", regex=True)
    known = set(builtin_territory_set("CL").codes.tolist())
    flag(
        (~terr.isin(known)).to_numpy(),
        cols["territory"],
        "El código de comuna (CUT) no existe. Use el código de 4 o 5 dígitos de la DPA, p. ej. 13101.",
    )
    period = (
        frame[cols["period"]]
        .astype("object")
        .where(frame[cols["period"]].notna(), "")
        .astype(str)
        .str.strip()
    )
    m = period.str.extract(_PERIOD)
    month = pd.to_numeric(m[1], errors="coerce")
    badp = m[0].isna() | (month.notna() & ((month < 1) | (month > 12)))
    flag(
        badp.to_numpy(),
        cols["period"],
        "El periodo no es válido. Use AAAA-MM (mensual) o AAAA (anual).",
    )
    today = date.today()
    year = pd.to_numeric(m[0], errors="coerce")
    future = (year > today.year) | ((year == today.year) & month.notna() & (month > today.month))
    flag(
        future.fillna(False).to_numpy(dtype=bool),
        cols["period"],
        "El periodo está en el futuro: revise el año y el mes.",
    )
    # A ';' file is an Excel es-CL export: '.' groups thousands and ',' is the decimal mark.
    value = _parse_numbers(
        frame[cols["value"]], "," if raw.decimal == "," or raw.delimiter == ";" else "."
    )
    flag(
        (value.isna() | (value < 0)).to_numpy(),
        cols["value"],
        "El valor no es un número mayor o igual a cero (use coma decimal solo si el archivo usa ';').",
    )
    raw_cat = (
        frame[cols["category"]]
        .astype("object")
        .where(frame[cols["category"]].notna(), "")
        .astype(str)
        .str.strip()
    )
    codes = pd.Series([None] * n, dtype=object)
    for name in raw_cat.unique():
        try:
            code = cead_statistic_category(name)
        except TaxonomyError as exc:
            flag((raw_cat == name).to_numpy(), cols["category"], exc.message)
            continue
        codes[raw_cat == name] = code
    meas = (
        frame[cols["measure"]]
        .astype("object")
        .where(frame[cols["measure"]].notna(), "")
        .astype(str)
        .str.strip()
        if "measure" in cols
        else pd.Series([""] * n)
    )
    meas = meas.where(meas != "", measure or "casos_policiales")
    if measure:
        meas[:] = measure
    # Counts of cases are whole numbers: "1.096" read with a decimal point is the classic
    # misread of Spanish thousands grouping (one thousand and ninety-six).
    counts = meas.str.casefold().isin(_COUNT_MEASURES).to_numpy()
    fractional = counts & value.notna().to_numpy() & (value.to_numpy() % 1 != 0)
    flag(
        fractional,
        cols["value"],
        "Un conteo de casos debe ser un número entero; si el archivo usa punto para los miles "
        "(1.096 = mil noventa y seis), expórtelo con ';' como separador o sin separador de miles.",
    )
    # The same key twice in one file with different values: which one is right is unknown.
    key_df = pd.DataFrame({"t": terr, "p": period, "c": codes.astype(str), "m": meas, "v": value})
    conflict = (
        key_df.groupby(["t", "p", "c", "m"], dropna=False)["v"].transform("nunique").to_numpy() > 1
    )
    flag(
        conflict,
        cols["value"],
        "La misma comuna, periodo, categoría y medida aparece más de una vez con valores distintos; "
        "deje una sola fila con el valor correcto.",
    )

    ok = reasons.isna().to_numpy()
    rejects = pd.DataFrame(
        {
            "row": rows[~ok].to_numpy(),
            "column": bad_col[~ok].to_numpy(),
            "value": bad_val[~ok].to_numpy(),
            "reason": reasons[~ok].to_numpy(),
        }
    )
    if len(raw.rejects):
        rejects = pd.concat(
            [raw.rejects[["row", "column", "value", "reason"]], rejects], ignore_index=True
        )
    rows_read = (
        n + int(np.setdiff1d(raw.rejects["row"].to_numpy(), raw.row_numbers).size)
        if len(raw.rejects)
        else n
    )
    good = pd.DataFrame(
        {
            "territory_code": terr[ok].to_numpy(),
            "period": period[ok].to_numpy(),
            "category": codes[ok].to_numpy(),
            "raw_category": raw_cat[ok].to_numpy(),
            "measure": meas[ok].to_numpy(),
            "value": value[ok].to_numpy(float),
        }
    )
    key = ["territory_code", "period", "category", "measure"]
    dup_file = good.duplicated(key, keep="first").to_numpy()
    good = good.loc[~dup_file].reset_index(drop=True)
    with transaction(engine, exclusive=True) as conn:
        source_id = repo.get_or_create_source(conn, source, source_kind_for(source))
        stored = repo.existing_statistics(conn, source_id)
        merged = good.merge(stored, on=key, how="left", suffixes=("", "_old"))
        is_new = merged["id"].isna().to_numpy()
        changed = (~is_new) & (merged["value"].to_numpy() != merged["value_old"].to_numpy())
        batch_id = repo.create_batch(
            conn,
            source_id=source_id,
            kind="statistics",
            file_name=Path(path).name,
            sha256=raw.sha256,
            rows_read=rows_read,
            imported_by=imported_by,
            pipeline_version=PIPELINE_VERSION,
            status="running",
        )
        ins = merged.loc[is_new]
        pstart = [
            date(int(p[:4]), int(p[5:7]) if len(p) > 4 else 1, 1) for p in ins["period"].tolist()
        ]
        bulk_insert(
            conn,
            Statistic.__tablename__,
            pd.DataFrame(
                {
                    "batch_id": batch_id,
                    "source_id": source_id,
                    "territory_code": ins["territory_code"].to_numpy(),
                    "period": ins["period"].to_numpy(),
                    "period_start": [d.isoformat() for d in pstart],
                    "category": ins["category"].to_numpy(),
                    "raw_category": ins["raw_category"].to_numpy(),
                    "classification_version": CURRENT_VERSION,
                    "measure": ins["measure"].to_numpy(),
                    "value": ins["value"].to_numpy(float),
                }
            ),
        )
        upd = merged.loc[changed]
        for sid, val in zip(upd["id"].astype(int).tolist(), upd["value"].tolist(), strict=True):
            conn.execute(
                update(Statistic).where(Statistic.id == sid).values(value=val, batch_id=batch_id)
            )
        n_dup = int(dup_file.sum() + ((~is_new) & ~changed).sum())
        repo.finish_batch(
            conn,
            batch_id,
            {"updated": int(changed.sum()), "encoding": raw.encoding, "delimiter": raw.delimiter},
            inserted=int(is_new.sum()),
            duplicates=n_dup + int(changed.sum()),
            rejected=int(rejects["row"].nunique()),
        )
    summary = ImportSummary(
        batch_id=batch_id,
        rows_read=rows_read,
        inserted=int(is_new.sum()),
        duplicates=n_dup + int(changed.sum()),
        rejected=int(rejects["row"].nunique()),
        unclassified=0,
        seconds=round(time.perf_counter() - t0, 3),
        updated=int(changed.sum()),
        source=source,
        file_name=Path(path).name,
        reject_reasons={str(k): int(v) for k, v in rejects["reason"].value_counts().items()}
        if len(rejects)
        else {},
    )
    return write_reports(
        summary, rejects, Path(report_dir or "informes_importacion"), sha256=raw.sha256
    )


_COUNT_MEASURES = {"casos_policiales", "casos", "denuncias", "detenciones", "count", "frecuencia"}
_VINTAGE = {
    "census": "INE Censo 2017",
    "projection": "INE proyecciones de población base Censo 2017",
}


def load_population(engine: Engine) -> int:
    """Load the shipped population table (census 2017 and INE projections) if absent."""
    with transaction(engine) as conn:
        if repo.count_rows(conn, Population):
            return 0
        raw = resources.files("sereno.data").joinpath("chile_population.csv.gz").read_bytes()
        df = pd.read_csv(BytesIO(raw), compression="gzip", dtype={"cut": str})
        bulk_insert(
            conn,
            Population.__tablename__,
            pd.DataFrame(
                {
                    "territory_code": df["cut"].astype(str).to_numpy(),
                    "year": df["year"].astype(int).to_numpy(),
                    "kind": df["kind"].to_numpy(),
                    "population": df["population"].astype(int).to_numpy(),
                    "vintage": [_VINTAGE.get(k, k) for k in df["kind"]],
                    "source": df["source"].to_numpy(),
                }
            ),
        )
        return len(df)
