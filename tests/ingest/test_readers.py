from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sereno.errors import FileFormatError
from sereno.ingest.readers import ACCEPTED_EXTENSIONS, REJECT_COLUMNS, RawTable, read_table

ROWS = [
    [
        "C1",
        "05-03-2025",
        "14:30",
        "Robo con violencia o intimidación",
        "-33.4372",
        "-70.6506",
        "Ñuñoa",
    ],
    ["C2", "05-03-2025", "", "Hurtos", "-33.4263", "-70.6120", "Peñalolén"],
    ["C3", "06-03-2025", "09:05", "Lesiones leves, menos graves", "-33.5000", "-70.7000", ""],
]
HEADER = ["id_caso", "fecha", "hora", "delito", "latitud", "longitud", "comuna"]


def _csv_text(rows: list[list[str]], delimiter: str) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if delimiter in v or '"' in v else v

    return "".join(delimiter.join(cell(v) for v in r) + "\r\n" for r in [HEADER, *rows])


def _expected(rows: list[list[str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=HEADER, dtype="str")
    return frame.mask(frame == "").astype("str")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_encodings_and_delimiters_read_back(
    write_file: Callable[..., Path], encoding: str, delimiter: str
) -> None:
    path = write_file("a.csv", _csv_text(ROWS, delimiter), encoding=encoding)
    raw = read_table(path)
    pd.testing.assert_frame_equal(raw.frame, _expected(ROWS))
    assert raw.encoding == encoding
    assert raw.delimiter == delimiter
    assert raw.format == "csv"
    assert raw.row_numbers.tolist() == [2, 3, 4]
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert list(raw.rejects.columns) == list(REJECT_COLUMNS)
    assert raw.rejects.empty


def test_utf16_tab_export_from_excel(write_file: Callable[..., Path]) -> None:
    path = write_file("unicode.txt", _csv_text(ROWS, "\t"), encoding="utf-16")
    raw = read_table(path)
    assert raw.encoding == "utf-16"
    pd.testing.assert_frame_equal(raw.frame, _expected(ROWS))


def test_gzip_csv_is_read_and_hashes_the_compressed_bytes(tmp_path: Path) -> None:
    path = tmp_path / "datos.csv.gz"
    path.write_bytes(gzip.compress(_csv_text(ROWS, ",").encode()))
    raw = read_table(path)
    pd.testing.assert_frame_equal(raw.frame, _expected(ROWS))
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("a;lat;lon\n1;-33,45;-70,65\n", ","),
        ('a,lat,lon\n1,"-33,45","-70,65"\n', ","),
        ("a,lat,lon\n1,-33.45,-70.65\n", "."),
        ("a;lat;lon\n1;-33.45;-70.65\n", "."),
        ("a;b\nx;y\n", ","),
        ("a;x;y\n1;346.500;6.298.500\n2;346.100;6.298.000\n", ","),
        ("a;x;y\n1;346.500,25;6298500\n2;346.100;6298000\n", ","),
        ("a;x;y\n1;346.500;6298500.5\n", "."),
        ('a,x,y\n1,346.500,"6,298,500.25"\n', "."),
        ("a,x,y\n1,346.500,6298500\n", "."),
    ],
    ids=[
        "semicolon-comma",
        "comma-quoted-comma",
        "comma-dot",
        "semicolon-dot",
        "no-numbers",
        "semicolon-grouped-thousands",
        "semicolon-grouped-decimal-comma",
        "semicolon-dot-metres",
        "comma-grouped-decimal-dot",
        "comma-ambiguous",
    ],
)
def test_decimal_mark_detection(write_file: Callable[..., Path], text: str, decimal: str) -> None:
    assert read_table(write_file("d.csv", text)).decimal == decimal


def test_wrong_field_counts_become_rejects_with_spreadsheet_rows(
    write_file: Callable[..., Path],
) -> None:
    text = "a,b,c\n1,2,3\n\n4,5\n6,7,8,9\n10,11,12\n13,14"
    raw = read_table(write_file("r.csv", text))
    assert raw.frame["a"].tolist() == ["1", "10"]
    assert raw.row_numbers.tolist() == [2, 6]  # row 3 is blank, rows 4, 5 and 7 are bad
    assert raw.rejects["row"].tolist() == [4, 5, 7]
    assert raw.rejects["reason"].str.contains(r"la fila tiene \d campos y el encabezado 3").all()
    assert raw.rejects["value"].tolist() == ["4,5", "6,7,8,9", "13,14"]


def test_quoted_line_breaks_keep_record_numbering(write_file: Callable[..., Path]) -> None:
    text = 'a,b\n1,"Calle 1\nDepto 2"\n2,x\n3\n'
    raw = read_table(write_file("q.csv", text))
    assert raw.frame["b"].tolist() == ["Calle 1\nDepto 2", "x"]
    assert raw.row_numbers.tolist() == [2, 3]
    assert raw.rejects["row"].tolist() == [4]


def test_unterminated_quote_rejects_the_runaway_record(write_file: Callable[..., Path]) -> None:
    text = 'a,b\n1,x\n2,"abre\n3,y\n'
    raw = read_table(write_file("u.csv", text))
    assert raw.frame["a"].tolist() == ["1"]
    assert raw.rejects["row"].tolist() == [3]
    assert raw.rejects["reason"].str.contains("comillas que nunca se cierran").all()


def test_stray_quote_inside_a_value_is_text(write_file: Callable[..., Path]) -> None:
    raw = read_table(write_file("s.csv", 'a,b\n1,tubo de 5" pulgadas\n2,x\n'))
    assert raw.frame["b"].tolist() == ['tubo de 5" pulgadas', "x"]
    assert raw.rejects.empty


def test_text_is_nfc_and_empty_cells_are_na(write_file: Callable[..., Path]) -> None:
    raw = read_table(write_file("n.csv", "Direccio\u0301n,b\nJose\u0301 Miguel,\n"))
    assert list(raw.frame.columns) == ["Dirección", "b"]
    assert raw.frame.iloc[0, 0] == "José Miguel"
    assert raw.frame["b"].isna().all()
    assert raw.frame["b"].dtype == "str"


def test_values_that_look_like_na_stay_text(write_file: Callable[..., Path]) -> None:
    raw = read_table(write_file("na.csv", "a,b\nNA,null\nN/A,nan\n"))
    assert raw.frame.to_numpy().tolist() == [["NA", "null"], ["N/A", "nan"]]


def test_cp1252_detected_after_a_long_ascii_prefix(write_file: Callable[..., Path]) -> None:
    ascii_rows = "x,y\n" + "a,b\n" * 400_000  # 1.6 MB of ASCII before the first accent
    path = write_file("late.csv", ascii_rows + "Ñuñoa,Peñalolén\n", encoding="cp1252")
    raw = read_table(path)
    assert raw.encoding == "cp1252"
    assert raw.frame.iloc[-1].tolist() == ["Ñuñoa", "Peñalolén"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "El archivo está vacío"),
        (b"  \r\n \n", "El archivo está vacío"),
        (b"a,b,c\r\n", "no tiene filas de datos"),
        (b"a,b,c", "no tiene filas de datos"),
        (b"a,,c\n1,2,3\n", r"columnas sin nombre \(posición 2\)"),
        (b"fecha,Fecha ,x\n1,2,3\n", "repite nombres de columna: Fecha, fecha"),
        ("a,b\nÑuñoa,x\n".encode() + "Peñalolén,y\n".encode("cp1252"), "mezcla codificaciones"),
        (b"\xef\xbb\xbfa,b\n\xd1,x\n", "declara UTF-8"),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "header-no-newline",
        "blank-name",
        "duplicate-name",
        "mixed-encoding",
        "bom-but-cp1252",
    ],  # fmt: skip
)
def test_unreadable_csv_files(write_file: Callable[..., Path], content: bytes, match: str) -> None:
    with pytest.raises(FileFormatError, match=match):
        read_table(write_file("bad.csv", content))


def test_binary_file_is_refused(nul_bytes_csv: Path) -> None:
    with pytest.raises(FileFormatError, match="no parece un archivo de texto CSV"):
        read_table(nul_bytes_csv)


def test_huge_first_line_fails_fast(huge_line_csv: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(
        FileFormatError, match=r"la primera línea supera 1 MB: ¿es realmente un CSV\?"
    ):
        read_table(huge_line_csv)
    assert time.perf_counter() - start < 1.0


def test_unknown_extension_lists_accepted_formats(write_file: Callable[..., Path]) -> None:
    with pytest.raises(FileFormatError, match=r"extensión «\.xls».*Formatos aceptados: CSV"):
        read_table(write_file("viejo.xls", b"\xd0\xcf\x11\xe0"))
    assert set(ACCEPTED_EXTENSIONS.values()) == {"csv", "xlsx", "geojson", "gpkg"}


def test_missing_file() -> None:
    with pytest.raises(FileFormatError, match="No se encuentra el archivo"):
        read_table("/no/existe/incidentes.csv")


def test_raw_table_is_frozen(write_file: Callable[..., Path]) -> None:
    raw = read_table(write_file("f.csv", "a,b\n1,2\n"))
    assert isinstance(raw, RawTable)
    with pytest.raises(AttributeError):
        raw.format = "xlsx"  # type: ignore[misc]


# --------------------------------------------------------------------- XLSX


def _workbook(path: Path, rows: list[list[object]], title: str = "Hoja1") -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    other = book.create_sheet("Otra")
    other["A1"] = "solo"
    other["A2"] = "dato"
    book.save(path)
    return path


def test_xlsx_values_become_text(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["id", "fecha", "hora", "delito", "latitud", "longitud", "cantidad", "activo"],
        [101, dt.datetime(2025, 3, 5), dt.time(14, 30), "Hurtos", -33.437215, -70.6506, 3.0, True],
        [102, dt.datetime(2025, 3, 5, 23, 15), None, "Robo", -33.4263, -70.612, 2.5, False],
        [None, None, None, None, None, None, None, None],
        ["103", dt.date(2024, 9, 8), "00:30", "Daños", "-33,45", "-70,65", None, None],
    ]
    raw = read_table(_workbook(tmp_path / "libro.xlsx", rows))
    assert raw.format == "xlsx"
    assert raw.row_numbers.tolist() == [2, 3, 5]
    assert raw.frame.iloc[0].tolist() == [
        "101", "2025-03-05", "14:30:00", "Hurtos", "-33.437215", "-70.6506", "3", "VERDADERO",
    ]  # fmt: skip
    assert raw.frame.iloc[1, 1] == "2025-03-05T23:15:00"
    assert raw.frame.iloc[1, 6] == "2.5"
    assert pd.isna(raw.frame.iloc[1, 2])
    assert raw.frame.iloc[2, 1] == "2024-09-08"
    assert all(raw.frame[c].dtype == "str" for c in raw.frame.columns)


def test_xlsx_sheet_choice(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "libro.xlsx", [["a", "b"], [1, 2]])
    assert read_table(path, sheet="Otra").frame.columns.tolist() == ["solo"]
    with pytest.raises(FileFormatError, match="no tiene una hoja llamada «Datos».*Hoja1, Otra"):
        read_table(path, sheet="Datos")


def _with_dimension(path: Path, ref: str) -> Path:
    """Rewrite the first sheet's stored ``<dimension ref>`` inside the XLSX zip."""
    out = path.with_name("dimension_" + path.name)
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data
                )
                assert count == 1
            dst.writestr(info, data)
    return out


@pytest.mark.parametrize("ref", ["A1:F3", "A1:B1"])
def test_xlsx_wrong_stored_dimension_loses_no_rows(tmp_path: Path, ref: str) -> None:
    rows: list[list[object]] = [HEADER[:6]]
    rows += [[f"C{i}", "05-03-2025", "14:30", "Hurtos", -33.43, -70.65] for i in range(10)]
    path = _with_dimension(_workbook(tmp_path / "libro.xlsx", rows), ref)
    raw = read_table(path)
    assert len(raw.frame) == 10
    assert raw.row_numbers.tolist() == list(range(2, 12))
    assert raw.frame.columns.tolist() == HEADER[:6]
    assert raw.frame["id_caso"].tolist() == [f"C{i}" for i in range(10)]
    assert raw.frame["longitud"].tolist() == ["-70.65"] * 10


def test_corrupt_xlsx(bad_dir: Path) -> None:
    with pytest.raises(FileFormatError, match="El archivo XLSX está dañado"):
        read_table(bad_dir / "corrupt.xlsx")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "renombrado.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", "<office:document/>")
    with pytest.raises(FileFormatError, match="falta xl/workbook.xml"):
        read_table(path)


def test_zip_bomb_is_refused_before_opening(zip_bomb_xlsx: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"ocuparía 640 MB \(límite 512 MB\).*bomba ZIP"):
        read_table(zip_bomb_xlsx)
    assert time.perf_counter() - start < 1.0


def test_extreme_compression_ratio_is_refused(ratio_bomb_xlsx: Path) -> None:
    with pytest.raises(FileFormatError, match=r"se comprime .* veces \(límite 100\).*bomba ZIP"):
        read_table(ratio_bomb_xlsx)


# ------------------------------------------------------------ GeoJSON / GPKG


def _feature(geometry: dict[str, object] | None, **props: object) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_geojson_points_and_rejects(tmp_path: Path) -> None:
    square = [[[-70.6, -33.4], [-70.5, -33.4], [-70.5, -33.3], [-70.6, -33.4]]]
    features = [
        _feature({"type": "Point", "coordinates": [-70.6506, -33.4372]}, delito="Hurtos", n=2),
        _feature({"type": "Polygon", "coordinates": square}, delito="Robo", n=1),
        _feature(None, delito="Daños", n=3),
        _feature({"type": "MultiPoint", "coordinates": [[-70.61, -33.42]]}, delito="Robo", n=4),
    ]
    path = tmp_path / "puntos.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    raw = read_table(path)
    assert raw.format == "geojson"
    assert raw.crs == "EPSG:4326"
    assert raw.row_numbers.tolist() == [1, 3, 4]
    assert raw.frame["delito"].tolist() == ["Hurtos", "Daños", "Robo"]
    assert raw.frame["n"].tolist() == ["2", "3", "4"]
    np.testing.assert_allclose(
        raw.frame["__lon"].astype(float).tolist(), [-70.6506, np.nan, -70.61]
    )
    assert raw.rejects["row"].tolist() == [2]
    assert raw.rejects["reason"].str.contains("la geometría es de tipo Polygon").all()


def test_geopackage_keeps_projected_crs(tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"fecha": ["05-03-2025"], "delito": ["Hurtos"]},
        geometry=[Point(346_000.0, 6_296_000.0)],
        crs="EPSG:32719",
    )
    path = tmp_path / "capas.gpkg"
    frame.to_file(path, layer="incidentes", driver="GPKG")
    raw = read_table(path)
    assert raw.format == "gpkg"
    assert raw.crs == "EPSG:32719"
    assert raw.frame[["__lon", "__lat"]].astype(float).iloc[0].tolist() == [346_000.0, 6_296_000.0]
    with pytest.raises(FileFormatError, match="no tiene la capa «otra».*incidentes"):
        read_table(path, layer="otra")


def test_invalid_geojson(write_file: Callable[..., Path]) -> None:
    with pytest.raises(FileFormatError, match="no se puede leer como GeoJSON"):
        read_table(write_file("roto.geojson", "{not json"))


def test_cp1252_file_with_bad_rows_takes_the_transcoding_path(
    write_file: Callable[..., Path],
) -> None:
    text = "comuna;delito\nÑuñoa;Hurtos\nPeñalolén\nMaipú;Daños\n"
    raw = read_table(write_file("malo.csv", text, encoding="cp1252"))
    assert raw.encoding == "cp1252"
    assert raw.frame.to_numpy().tolist() == [["Ñuñoa", "Hurtos"], ["Maipú", "Daños"]]
    assert raw.rejects[["row", "value"]].to_numpy().tolist() == [[3, "Peñalolén"]]
