from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

from sereno.errors import InputError, MissingColumnsError
from sereno.ingest.normalize import RECORD_COLUMNS, NormalizedRows, normalize
from sereno.ingest.profiles import Profile, load_profile
from sereno.ingest.readers import read_table

SANTIAGO = "America/Santiago"
GENERIC = load_profile("generic")
Bounds = tuple[float, float, float, float]


def run(
    path: Path, now: dt.datetime, bounds: Bounds | None = None, profile: Profile = GENERIC
) -> NormalizedRows:
    return normalize(read_table(path), profile, timezone=SANTIAGO, now=now, bounds=bounds)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_records_have_exact_columns_and_types(
    rm_csv: Callable[..., Path], now: dt.datetime
) -> None:
    path = rm_csv(["C1,05-03-2025,14:30,Hurtos,-33.4372,-70.6506,13101,Alameda 100"])
    result = run(path, now)
    assert tuple(result.records.columns) == RECORD_COLUMNS
    dtypes = result.records.dtypes.astype(str).to_dict()
    assert dtypes["source_row"] == "int64"
    assert dtypes["occurred_from"] == dtypes["occurred_to"] == "datetime64[ns, UTC]"
    assert dtypes["reported_at"] == "datetime64[ns, UTC]"
    assert dtypes["lon"] == dtypes["lat"] == "float64"
    assert dtypes["victim_age"] == dtypes["offender_age"] == "Int64"
    for column in ("source_record_id", "raw_label", "occurred_local", "time_flag", "address"):
        assert dtypes[column] == "str"
    row = result.records.iloc[0]
    assert (row.source_row, row.source_record_id, row.raw_label) == (2, "C1", "Hurtos")
    assert (row.comuna_hint, row.address, row.location_precision) == (
        "13101",
        "Alameda 100",
        "exact",
    )
    assert row.occurred_from == row.occurred_to == utc("2025-03-05 17:30")
    assert (row.occurred_local, row.time_flag) == ("05-03-2025 14:30", "")
    assert (row.lon, row.lat) == (-70.6506, -33.4372)
    assert pd.isna(row.reported_at) and pd.isna(row.place_type) and pd.isna(row.victim_age)
    assert list(result.rejects.columns) == ["row", "column", "value", "reason"]
    assert result.rejects.empty


@pytest.mark.parametrize(
    ("fields", "start", "end", "flag", "local"),
    [
        ("05-03-2025,14:30", "2025-03-05 17:30", "2025-03-05 17:30", "", "05-03-2025 14:30"),
        ("05-03-2025,", "2025-03-05 03:00", "2025-03-06 03:00", "date_only", "05-03-2025"),
        ("2025-03-05T14:30,", "2025-03-05 17:30", "2025-03-05 17:30", "", "2025-03-05T14:30"),
        ("2025-03-05T14:30Z,", "2025-03-05 14:30", "2025-03-05 14:30", "", "2025-03-05T14:30Z"),
        ("15-07-2024,10:00", "2024-07-15 14:00", "2024-07-15 14:00", "", "15-07-2024 10:00"),
        ("45721,0.5", "2025-03-05 15:00", "2025-03-05 15:00", "", "45721 0.5"),
        # DST: repeated hour takes the first occurrence (UTC-3); whole days adapt.
        ("05-04-2025,23:30", "2025-04-06 02:30", "2025-04-06 02:30", "ambiguous_dst",
         "05-04-2025 23:30"),
        ("05-04-2025,", "2025-04-05 03:00", "2025-04-06 04:00", "date_only", "05-04-2025"),
        ("08-09-2024,", "2024-09-08 04:00", "2024-09-09 03:00", "date_only", "08-09-2024"),
        ("08-09-2024,01:00", "2024-09-08 04:00", "2024-09-08 04:00", "", "08-09-2024 01:00"),
    ],
    ids=["date+time", "date-only", "iso", "iso-utc", "winter", "excel", "ambiguous",
         "25h-day", "23h-day", "after-jump"],
)  # fmt: skip
def test_occurrence_time_rules(
    rm_csv: Callable[..., Path],
    now: dt.datetime,
    fields: str,
    start: str,
    end: str,
    flag: str,
    local: str,
) -> None:
    result = run(rm_csv([f"C1,{fields},Hurtos,-33.4372,-70.6506,13101,x"]), now)
    assert result.rejects.empty, result.rejects.to_dict("records")
    row = result.records.iloc[0]
    assert (row.occurred_from, row.occurred_to) == (utc(start), utc(end))
    assert (row.time_flag, row.occurred_local) == (flag, local)


WINDOW_HEADER = "id_caso,fecha,hora,fecha_termino,hora_termino,delito,latitud,longitud"


@pytest.mark.parametrize(
    ("fields", "start", "end", "flag"),
    [
        ("01-03-2025,22:00,02-03-2025,06:30", "2025-03-02 01:00", "2025-03-02 09:30", "window"),
        ("01-03-2025,22:00,,06:30", "2025-03-02 01:00", "2025-03-02 09:30", "window"),
        ("01-03-2025,08:00,,18:00", "2025-03-01 11:00", "2025-03-01 21:00", "window"),
        ("01-03-2025,,03-03-2025,", "2025-03-01 03:00", "2025-03-04 03:00", "window"),
        (
            "05-04-2025,22:00,05-04-2025,23:15",
            "2025-04-06 01:00",
            "2025-04-06 02:15",
            "ambiguous_dst",
        ),
        ("01-03-2025,22:00,,", "2025-03-02 01:00", "2025-03-02 01:00", ""),
    ],
    ids=["two-dates", "overnight", "same-day", "days", "ambiguous-end", "no-end"],
)
def test_aoristic_windows(
    rm_csv: Callable[..., Path], now: dt.datetime, fields: str, start: str, end: str, flag: str
) -> None:
    result = run(
        rm_csv([f"C1,{fields},Robo en lugar habitado,-33.4,-70.6"], header=WINDOW_HEADER), now
    )
    assert result.rejects.empty, result.rejects.to_dict("records")
    row = result.records.iloc[0]
    assert (row.occurred_from, row.occurred_to, row.time_flag) == (utc(start), utc(end), flag)


def test_window_end_before_start_is_rejected(rm_csv: Callable[..., Path], now: dt.datetime) -> None:
    path = rm_csv(["C1,03-03-2025,10:00,01-03-2025,09:00,Robo,-33.4,-70.6"], header=WINDOW_HEADER)
    result = run(path, now)
    assert result.records.empty
    assert result.rejects.iloc[0].to_dict() == {
        "row": 2, "column": "hora_termino", "value": "01-03-2025 09:00",
        "reason": "el fin del intervalo es anterior al inicio; revise la fecha y hora de término",
    }  # fmt: skip


REJECTS = [
    ("C1,08-09-2024,00:30,Hurtos,-33.4,-70.6,,x", "hora", "08-09-2024 00:30",
     r"^la hora 00:30 del 08-09-2024 no existe en America/Santiago: ese día los relojes saltaron "
     r"de 00:00 a 01:00"),
    ("C1,2024-09-08T00:15,,Hurtos,-33.4,-70.6,,x", "fecha", "2024-09-08T00:15",
     r"^la hora 00:15 del 08-09-2024 no existe en America/Santiago"),
    ("C1,31-02-2025,10:00,Hurtos,-33.4,-70.6,,x", "fecha", "31-02-2025",
     r"^la fecha «31-02-2025» no se reconoce; formatos aceptados: dd-mm-aaaa, dd/mm/aaaa"),
    ("C1,2025,10:00,Hurtos,-33.4,-70.6,,x", "fecha", "2025",
     r"^la fecha «2025» parece solo un año: escriba la fecha completa, p\. ej\. 15-03-2025; "
     r"formatos aceptados: dd-mm-aaaa"),
    ("C1,5,10:00,Hurtos,-33.4,-70.6,,x", "fecha", "5",
     r"^la fecha «5» no se reconoce; formatos aceptados: .*serie de Excel entre 10000 y 80000"),
    ("C1,99999,10:00,Hurtos,-33.4,-70.6,,x", "fecha", "99999", r"^la fecha «99999» no se recon"),
    ("C1,05-03-2025,25:10,Hurtos,-33.4,-70.6,,x", "hora", "25:10",
     r"^la hora «25:10» no se reconoce; formatos aceptados: HH:MM, HH:MM:SS"),
    ("C1,03-06-2025,10:00,Hurtos,-33.4,-70.6,,x", "fecha", "03-06-2025 10:00",
     r"posterior a la fecha de importación \(01-06-2025\)"),
    ("C1,31-12-1899,10:00,Hurtos,-33.4,-70.6,,x", "fecha", "31-12-1899 10:00",
     r"es anterior a 01-01-1900"),
    ("C1,,10:00,Hurtos,-33.4,-70.6,,x", "fecha", None, r"^falta fecha \(puede incluir la hora\)"),
    ("C1,05-03-2025,10:00,  ,-33.4,-70.6,,x", "delito", None, r"^falta delito: la celda está"),
    ("C1,05-03-2025,10:00,Hurtos,,-70.6,,x", "latitud/longitud", None, r"^faltan las coordenadas"),
    ("C1,05-03-2025,10:00,Hurtos,abc,-70.6,,x", "latitud", "abc",
     r"^la latitud «abc» no es un número; escriba grados con coma o punto decimal, "
     r"p\. ej\. -33,4569 o -33\.4569$"),
    ("C1,05-03-2025,10:00,Hurtos,-33.4,-200.6,,x", "latitud/longitud", "-33.4, -200.6",
     r"^coordenadas fuera de rango"),
    ("C1,05-03-2025,10:00,Hurtos,-133.4,-70.6,,x", "latitud/longitud", "-133.4, -70.6",
     r"^latitud y longitud parecen intercambiadas"),
    ("C1,05-03-2025,10:00,Hurtos,-170.6,-33.4,,x", "latitud/longitud", "-170.6, -33.4",
     r"^latitud y longitud parecen intercambiadas"),
    ("C1,05-03-2025,10:00,Hurtos,0,0,,x", "latitud/longitud", "0, 0", r"^las coordenadas son 0, 0"),
    ("C1,05-03-2025,10:00,Hurtos,-33.4,-70.6,,=1+1", "direccion", "=1+1", r"fórmula de planilla"),
    ("C1,05-03-2025,10:00,@SUMA(A1),-33.4,-70.6,,x", "delito", "@SUMA(A1)", r"fórmula de planilla"),
    ("+C1,05-03-2025,10:00,Hurtos,-33.4,-70.6,,x", "id_caso", "+C1", r"fórmula de planilla"),
    ("C1,05-03-2025,10:00,-Robo,-33.4,-70.6,,x", "delito", "-Robo", r"fórmula de planilla"),
    ('C1,05-03-2025,10:00,Hurtos,-33.4,-70.6,,"\tx"', "direccion", "\tx", r"fórmula de planilla"),
    ('C1,05-03-2025,10:00,Hurtos,-33.4,-70.6,,"\rx"', "direccion", "\rx", r"fórmula de planilla"),
    ("C1,05-03-2025,10:00,Hurtos,-33.4,-70.6,,  =cmd", "direccion", "  =cmd", r"fórmula de"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "column", "value", "reason"), REJECTS)
def test_row_rejects(
    rm_csv: Callable[..., Path],
    now: dt.datetime,
    row: str,
    column: str,
    value: str | None,
    reason: str,
) -> None:
    good = "C9,05-03-2025,10:00,Hurtos,-33.4,-70.6,,x"
    result = run(rm_csv([row, good]), now)
    assert result.records["source_row"].tolist() == [3]
    assert len(result.rejects) == 1
    reject = result.rejects.iloc[0]
    assert (reject.row, reject.column) == (2, column)
    assert pd.isna(reject.value) if value is None else reject.value == value
    assert pd.Series([reject.reason]).str.contains(reason, regex=True).all(), reject.reason


@pytest.mark.parametrize(
    "value",
    ["-33.4 negativo", "'; DROP TABLE incidents; --", "Calle -5", "1+1", "a=b", "O'Higgins 1550",
     "Av. Libertador Bernardo O'Higgins", "-", "-5 metros al norte", '"quoted"'],
)  # fmt: skip
def test_harmless_text_is_kept_verbatim(
    rm_csv: Callable[..., Path], now: dt.datetime, value: str
) -> None:
    quoted = '"' + value.replace('"', '""') + '"'
    result = run(rm_csv([f"C1,05-03-2025,10:00,{quoted},-33.4,-70.6,,{quoted}"]), now)
    assert result.rejects.empty, result.rejects.to_dict("records")
    assert result.records.iloc[0][["raw_label", "address"]].tolist() == [value, value]


def test_whitespace_is_stripped(rm_csv: Callable[..., Path], now: dt.datetime) -> None:
    path = rm_csv(['  C1 ," 05-03-2025 ", 10:00 ,"\u00a0Hurtos  ",-33.4,-70.6, 13101 ,"  "'])
    row = run(path, now).records.iloc[0]
    assert (row.source_record_id, row.raw_label, row.comuna_hint) == ("C1", "Hurtos", "13101")
    assert pd.isna(row.address)
    assert row.occurred_local == "05-03-2025 10:00"


def test_xlsx_date_cells_and_serials(tmp_path: Path, now: dt.datetime) -> None:
    """XLSX date cells (read as ISO text) and plausible serials still work; a year does not."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id_caso", "fecha", "hora", "delito", "latitud", "longitud"])
    sheet.append(["C1", dt.datetime(2025, 3, 5, 10, 0), None, "Hurtos", -33.4, -70.6])
    sheet.append(["C2", dt.date(1920, 1, 2), "10:00", "Hurtos", -33.4, -70.6])
    sheet.append(["C3", 45721, "10:00", "Hurtos", -33.4, -70.6])
    sheet.append(["C4", 2025, "10:00", "Hurtos", -33.4, -70.6])
    book.save(tmp_path / "fechas.xlsx")
    result = run(tmp_path / "fechas.xlsx", now)
    assert result.records["source_record_id"].tolist() == ["C1", "C2", "C3"]
    local = result.records["occurred_from"].dt.tz_convert(SANTIAGO).dt.strftime("%Y-%m-%d %H:%M")
    assert local.tolist() == ["2025-03-05 10:00", "1920-01-02 10:00", "2025-03-05 10:00"]
    assert result.rejects["row"].tolist() == [5]
    assert "parece solo un año" in result.rejects["reason"].iloc[0]


def test_swapped_and_outside_points_with_bounds(
    rm_csv: Callable[..., Path], now: dt.datetime, rm_bounds: Bounds
) -> None:
    rows = [
        "C1,05-03-2025,10:00,Hurtos,-70.6506,-33.4372,,x",  # swapped
        "C2,05-03-2025,10:00,Hurtos,-34.6037,-58.3816,,x",  # Buenos Aires
        "C3,05-03-2025,10:00,Hurtos,-33.4372,-70.6506,,x",
    ]
    result = run(rm_csv(rows), now, bounds=rm_bounds)
    assert result.records["source_row"].tolist() == [4]
    assert result.rejects["row"].tolist() == [2, 3]
    assert result.rejects["reason"].iloc[0].startswith("latitud y longitud parecen intercambiadas")
    assert "fuera del territorio (longitud -71.7200 a -69.7600" in result.rejects["reason"].iloc[1]


def test_decimal_comma_coordinates(write_file: Callable[..., Path], now: dt.datetime) -> None:
    text = (
        "id_caso;fecha;hora;delito;latitud;longitud;x_utm;y_utm\n"
        "C1;05-03-2025;10:00;Hurtos;-33,437215;-70,650612;;\n"
        "C2;05-03-2025;10:00;Hurtos;-33.437215;-70.650612;;\n"
        "C3;05-03-2025;10:00;Hurtos;;;346.123,5;6.299.000,25\n"
    )
    raw = read_table(write_file("es.csv", text, encoding="cp1252"))
    assert raw.decimal == ","
    result = normalize(raw, GENERIC, timezone=SANTIAGO, now=now)
    assert result.rejects.empty
    assert result.records["lat"].iloc[:2].tolist() == [-33.437215, -33.437215]
    lon, lat = pyproj.Transformer.from_crs(32719, 4326, always_xy=True).transform(
        346123.5, 6299000.25
    )
    np.testing.assert_allclose(result.records[["lon", "lat"]].iloc[2], [lon, lat], atol=1e-9)


def _utm(x: float, y: float) -> list[float]:
    lon, lat = pyproj.Transformer.from_crs(32719, 4326, always_xy=True).transform(x, y)
    return [lon, lat]


def test_grouped_thousands_in_metres(write_file: Callable[..., Path], now: dt.datetime) -> None:
    """Regression: es-CL metres "346.500;6.298.500" were rejected as "no es un número"."""
    text = (
        "id_caso;fecha;hora;delito;latitud;longitud;x_utm;y_utm\n"
        "C1;05-03-2025;10:00;Hurtos;;;346.500;6.298.500\n"
        "C2;05-03-2025;10:00;Hurtos;;;346.500,25;6.298.500\n"
        "C3;05-03-2025;10:00;Hurtos;;;-346.500;6298500,5\n"
        "C4;05-03-2025;10:00;Hurtos;-33.456;-70.650;;\n"
    )
    raw = read_table(write_file("miles.csv", text, encoding="cp1252"))
    assert raw.decimal == ","
    result = normalize(raw, GENERIC, timezone=SANTIAGO, now=now)
    assert result.rejects.empty, result.rejects.to_dict("records")
    got = result.records[["lon", "lat"]].to_numpy()
    expected = [_utm(346500, 6298500), _utm(346500.25, 6298500), _utm(-346500, 6298500.5)]
    np.testing.assert_allclose(got[:3], expected, atol=1e-9)
    assert got[3].tolist() == [-70.65, -33.456]  # lat/lon dots are never thousands


def test_dots_are_not_thousands_in_a_decimal_point_file(
    rm_csv: Callable[..., Path], now: dt.datetime
) -> None:
    header = "id_caso,fecha,hora,delito,x,y"
    rows = ["C1,05-03-2025,10:00,Hurtos,346123.500,6299000.25",
            'C2,05-03-2025,10:00,Hurtos,"346,123.5","6,299,000.25"',
            "C3,05-03-2025,10:00,Hurtos,346123.5,6.299.000"]  # fmt: skip
    raw = read_table(rm_csv(rows, header=header))
    assert raw.decimal == "."
    result = normalize(raw, GENERIC, timezone=SANTIAGO, now=now)
    expected = [_utm(346123.5, 6299000.25)] * 2
    np.testing.assert_allclose(result.records[["lon", "lat"]].to_numpy(), expected, atol=1e-9)
    assert result.rejects[["row", "column", "value"]].values.tolist() == [[4, "y", "6.299.000"]]
    assert result.rejects["reason"].iloc[0] == (
        "la coordenada Y «6.299.000» no es un número; escriba metros con punto decimal, "
        "p. ej. 346500.25"
    )


def test_metres_not_a_number_message(write_file: Callable[..., Path], now: dt.datetime) -> None:
    text = "id_caso;fecha;hora;delito;x_utm;y_utm\nC1;05-03-2025;10:00;Hurtos;abc;6.298.500\n"
    result = normalize(read_table(write_file("m.csv", text)), GENERIC, timezone=SANTIAGO, now=now)
    assert result.rejects["reason"].tolist() == [
        "la coordenada X «abc» no es un número; escriba metros con coma decimal, "
        "p. ej. 346500,25 o 346.500,25"
    ]


def test_projected_xy_and_lonlat_in_xy_columns(
    rm_csv: Callable[..., Path], now: dt.datetime
) -> None:
    header = "id_caso,fecha,hora,delito,x,y"
    utm = run(rm_csv(["C1,05-03-2025,10:00,Hurtos,346123.5,6299000.25"], header=header), now)
    lon, lat = pyproj.Transformer.from_crs(32719, 4326, always_xy=True).transform(
        346123.5, 6299000.25
    )
    np.testing.assert_allclose(utm.records[["lon", "lat"]].iloc[0], [lon, lat], atol=1e-9)
    geo = run(
        rm_csv(["C1,05-03-2025,10:00,Hurtos,-70.65,-33.45"], header=header, name="g.csv"), now
    )
    assert geo.records[["lon", "lat"]].iloc[0].tolist() == [-70.65, -33.45]


def test_projected_xy_without_crs_is_an_error(
    rm_csv: Callable[..., Path], now: dt.datetime
) -> None:
    profile = Profile(
        name="sin_crs", columns={"date": ("fecha",), "label": ("delito",), "x": ("x",), "y": ("y",)}
    )
    path = rm_csv(
        ["C1,05-03-2025,10:00,Hurtos,346123.5,6299000.25"], header="id,fecha,hora,delito,x,y"
    )
    with pytest.raises(InputError, match="no indica su sistema de referencia"):
        run(path, now, profile=profile)


def test_missing_columns_error(bad_dir: Path, now: dt.datetime) -> None:
    with pytest.raises(MissingColumnsError, match="falta fecha"):
        run(bad_dir / "missing_columns.csv", now)


def test_unknown_timezone(rm_csv: Callable[..., Path], now: dt.datetime) -> None:
    with pytest.raises(InputError, match="La zona horaria «America/Santigo» no existe"):
        normalize(read_table(rm_csv(["C1,05-03-2025,10:00,Hurtos,-33.4,-70.6,,x"])), GENERIC,
                  timezone="America/Santigo", now=now)  # fmt: skip


def test_reader_rejects_are_merged_in_row_order(
    rm_csv: Callable[..., Path], now: dt.datetime
) -> None:
    rows = [
        "C1,31-02-2025,10:00,Hurtos,-33.4,-70.6,,x",
        "C2,05-03-2025",
        "C3,05-03-2025,10:00,Hurtos,-33.4,-70.6,,x",
    ]
    result = run(rm_csv(rows), now)
    assert result.rejects["row"].tolist() == [2, 3]
    assert result.rejects["reason"].iloc[1].startswith("la fila tiene 2 campos y el encabezado 8")
    assert result.records["source_row"].tolist() == [4]


def test_person_attributes_reported_at_and_precision(
    rm_csv: Callable[..., Path], now: dt.datetime
) -> None:
    header = ("folio,fecha,hora,delito,latitud,longitud,fecha_denuncia,sexo_victima,edad_victima,"
              "relacion_victima,sexo_imputado,edad_imputado,precision")  # fmt: skip
    rows = ["F1,05-03-2025,10:00,Lesiones,-33.4,-70.6,06-03-2025 09:15,F,34,pareja,M,41.0,calle",
            "F2,05-03-2025,10:00,Lesiones,-33.4,-70.6,,M,150,,,,"]  # fmt: skip
    records = run(rm_csv(rows, header=header), now).records
    assert records["reported_at"].iloc[0] == utc("2025-03-06 12:15")
    assert pd.isna(records["reported_at"].iloc[1])
    assert records["victim_age"].tolist() == [34, pd.NA]
    assert records["offender_age"].iloc[0] == 41
    assert records[["victim_sex", "victim_relationship", "offender_sex"]].iloc[0].tolist() == [
        "F",
        "pareja",
        "M",
    ]
    assert records["location_precision"].tolist() == ["calle", "exact"]


def test_vpd_profile_uses_its_own_zone_crs_and_precision(
    write_file: Callable[..., Path], now: dt.datetime
) -> None:
    text = (
        "datetime,category,hundred_block,neighbourhood,x_utm10n,y_utm10n,lon,lat\n"
        "2018-07-01T13:05,Mischief,11XX HORNBY ST,Downtown,490768.8928,5458511.972,,\n"
        "2018-07-01T13:05,Mischief,11XX HORNBY ST,Downtown,,,-123.126918,49.279293\n"
        "2018-07-01T13:05,Offence Against a Person,OFFSET TO PROTECT PRIVACY,,,,,\n"
    )
    result = normalize(
        read_table(write_file("vpd.csv", text)), load_profile("vpd"), timezone=SANTIAGO, now=now
    )
    records = result.records
    assert records["occurred_from"].tolist() == [utc("2018-07-01 20:05")] * 2  # PDT = UTC-7
    np.testing.assert_allclose(records["lon"], [-123.126918, -123.126918], atol=2e-6)
    np.testing.assert_allclose(records["lat"], [49.279293, 49.279293], atol=2e-6)
    assert records["location_precision"].tolist() == ["block", "block"]
    assert result.rejects["row"].tolist() == [4]


def test_geojson_points_are_normalized(tmp_path: Path, now: dt.datetime) -> None:
    import json

    feature = {"type": "Feature", "properties": {"fecha": "05-03-2025 10:00", "delito": "Hurtos"},
               "geometry": {"type": "Point", "coordinates": [-70.6506, -33.4372]}}  # fmt: skip
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    records = run(path, now).records
    assert records[["source_row", "lon", "lat"]].iloc[0].tolist() == [1, -70.6506, -33.4372]


def test_naive_now_means_utc(rm_csv: Callable[..., Path]) -> None:
    # now + 1 day = 02-06-2025 12:00 UTC = 08:00 in Santiago (UTC-4)
    path = rm_csv(
        ["C1,02-06-2025,08:00,Hurtos,-33.4,-70.6,,x", "C2,02-06-2025,09:30,Hurtos,-33.4,-70.6,,x"]
    )
    result = run(path, dt.datetime(2025, 6, 1, 12, 0))
    assert result.records["source_row"].tolist() == [2]


def test_projected_geopackage_is_transformed(tmp_path: Path, now: dt.datetime) -> None:
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"fecha": ["05-03-2025 10:00"], "delito": ["Hurtos"]},
        geometry=[Point(346_123.5, 6_299_000.25)],
        crs="EPSG:32719",
    )
    path = tmp_path / "capas.gpkg"
    frame.to_file(path, layer="incidentes", driver="GPKG")
    records = run(path, now).records
    lon, lat = pyproj.Transformer.from_crs(32719, 4326, always_xy=True).transform(
        346_123.5, 6_299_000.25
    )
    np.testing.assert_allclose(records[["lon", "lat"]].iloc[0], [lon, lat], atol=1e-9)
