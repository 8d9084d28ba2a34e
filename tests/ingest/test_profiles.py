from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sereno.errors import InputError, MissingColumnsError
from sereno.ingest.profiles import (
    FIELDS,
    Profile,
    builtin_profiles,
    column_key,
    load_profile,
    resolve_columns,
)

VPD = Path("/work/shared/data/points-vancouver/vancouver_vpd_crime_2018_2020_2022.csv.gz")


def test_builtin_profiles_are_listed() -> None:
    assert builtin_profiles() == ["carabineros", "fiscalia", "generic", "municipal", "vpd"]


@pytest.mark.parametrize("name", ["carabineros", "fiscalia", "generic", "municipal", "vpd"])
def test_builtin_profiles_load_and_use_known_fields(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert set(profile.columns) <= set(FIELDS)
    assert {"date", "label"} <= set(profile.columns)
    assert profile.date_order in {"dmy", "mdy"}
    assert profile.description


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("fecha", "fecha"),
        ("  Fecha del Hecho ", "fecha_del_hecho"),
        ("FECHA-HECHO", "fecha_hecho"),
        ("Dirección", "direccion"),
        ("Direccio\u0301n", "direccion"),
        ("Nº Parte", "no_parte"),
        ("Latitud (WGS84)", "latitud_wgs84"),
    ],
)
def test_column_key(name: str, key: str) -> None:
    assert column_key(name) == key


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            ["id_caso", "fecha", "hora", "delito", "latitud", "longitud", "comuna", "cut",
             "direccion", "tipo_lugar"],
            {"record_id": "id_caso", "date": "fecha", "time": "hora", "label": "delito",
             "lat": "latitud", "lon": "longitud", "comuna": "cut", "address": "direccion",
             "place_type": "tipo_lugar"},
        ),
        (
            ["Folio", "Fecha Ocurrencia", "Hora Ocurrencia", "Tipo Delito", "X_UTM", "Y_UTM",
             "Comuna", "Dirección"],
            {"record_id": "Folio", "date": "Fecha Ocurrencia", "time": "Hora Ocurrencia",
             "label": "Tipo Delito", "x": "X_UTM", "y": "Y_UTM", "comuna": "Comuna",
             "address": "Dirección"},
        ),
        (
            ["case_id", "datetime", "category", "lat", "lng", "address"],
            {"record_id": "case_id", "date": "datetime", "label": "category", "lat": "lat",
             "lon": "lng", "address": "address"},
        ),
        (
            ["fecha", "fecha_termino", "hora_fin", "fecha_denuncia", "glosa", "x", "y"],
            {"date": "fecha", "date_to": "fecha_termino", "time_to": "hora_fin",
             "reported_at": "fecha_denuncia", "label": "glosa", "x": "x", "y": "y"},
        ),
        (
            ["fecha", "delito", "__lon", "__lat", "id"],
            {"date": "fecha", "label": "delito", "lon": "__lon", "lat": "__lat", "record_id": "id"},
        ),
    ],
    ids=["synthetic", "carabineros-like", "english", "window", "geometry"],
)  # fmt: skip
def test_resolve_columns_generic(columns: list[str], expected: dict[str, str]) -> None:
    assert resolve_columns(columns, load_profile("generic")) == expected


def test_fecha_hecho_wins_over_fecha_and_each_column_serves_one_field() -> None:
    mapping = resolve_columns(
        ["fecha", "fecha_hecho", "delito", "lat", "lon"], load_profile("generic")
    )
    assert mapping["date"] == "fecha_hecho"
    assert "fecha" not in mapping.values()


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        (["folio", "descripcion", "monto"],
         r"falta fecha .*fecha_hecho.*\| falta delito .*tipo_delito.*\| falta coordenadas"),
        (["fecha", "delito", "latitud"], r"falta coordenadas .*longitud: longitud, lon"),
        (["fecha", "latitud", "longitud"], r"^Al archivo le faltan .*falta delito — nombres"),
    ],
    ids=["nothing", "half-pair", "no-label"],
)  # fmt: skip
def test_missing_required_columns(columns: list[str], match: str) -> None:
    with pytest.raises(MissingColumnsError, match=match) as info:
        resolve_columns(columns, load_profile("generic"))
    assert f"Columnas encontradas: {', '.join(columns)}" in str(info.value)


def test_vpd_profile_matches_the_vancouver_file() -> None:
    with gzip.open(VPD, "rt", encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
    profile = load_profile("vpd")
    mapping = resolve_columns(header, profile)
    assert mapping == {
        "date": "datetime", "label": "category", "lat": "lat", "lon": "lon",
        "x": "x_utm10n", "y": "y_utm10n", "address": "hundred_block",
    }  # fmt: skip
    assert (profile.crs, profile.timezone, profile.territory_set) == (
        "EPSG:26910", "America/Vancouver", "VAN",
    )  # fmt: skip
    assert profile.location_precision == "block"


def test_user_profile_extends_a_builtin(tmp_path: Path) -> None:
    path = tmp_path / "mi_perfil.yaml"
    path.write_text(
        "extends: generic\ncrs: EPSG:32718\ncolumns:\n  label: [Tipo de Incidente]\n  date: Día\n",
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.name == "mi_perfil"
    assert profile.crs == "EPSG:32718"
    assert profile.columns["label"][0] == "Tipo de Incidente"
    assert profile.columns["date"][0] == "Día"
    assert "latitud" in profile.columns["lat"]  # inherited
    mapping = resolve_columns(["dia", "tipo_de_incidente", "lat", "lon"], profile)
    assert mapping["date"] == "dia"
    assert mapping["label"] == "tipo_de_incidente"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("columns: [1, 2", "no es YAML válido"),
        ("- a\n- b\n", "debe ser un diccionario YAML"),
        ("colums: {}\n", r"claves desconocidas: colums\. Claves aceptadas: .*columns"),
        (
            "columns:\n  fecha: [fecha]\n",
            r"campos desconocidos: fecha\. Campos aceptados: record_id",
        ),
        ("columns:\n  date: {a: 1}\n", r"el campo «date» debe tener una lista"),
        ("date_order: ymd\ncolumns: {}\n", r"date_order «ymd» no es válido; use dmy o mdy"),
    ],
)
def test_invalid_user_profiles(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "perfil.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_profile(path)


def test_unknown_profile_name_lists_builtins() -> None:
    with pytest.raises(
        InputError, match=r"No existe el perfil «carabinero».*carabineros, fiscalia"
    ):
        load_profile("carabinero")


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No se encuentra el archivo de perfil"):
        load_profile(tmp_path / "no.yaml")


def test_profile_is_immutable() -> None:
    profile = Profile(name="x", columns={"date": ["fecha"], "label": ("delito",)})
    assert profile.columns["date"] == ("fecha",)
    with pytest.raises(TypeError):
        profile.columns["date"] = ("otra",)  # type: ignore[index]
