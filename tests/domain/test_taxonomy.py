"""Classification versions, crosswalk and CEAD statistic names."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import pandas as pd
import pytest

from sereno.domain import taxonomy
from sereno.domain.taxonomy import (
    CURRENT_VERSION,
    UNCLASSIFIED,
    cead_statistic_category,
    load_taxonomy,
)
from sereno.errors import TaxonomyError

DMCS_REFERENCE = {
    "Homicidios",
    "Violaciones",
    "Robos con violencia o intimidación",
    "Robo violento de vehículo motorizado",
    "Robo por sorpresa",
    "Robo de vehículo motorizado",
    "Robo de objetos de o desde vehículo",
    "Robo en lugar habitado",
    "Robo en lugar no habitado",
    "Otros robos con fuerza en las cosas",
    "Hurtos",
    "Lesiones leves",
    "Lesiones menos graves",
    "Lesiones graves o gravísimas",
}

# The 30 series of shared/data/cead/README.md: name -> (code, level).
CEAD_STATISTICS = [
    ("Abusos sexuales", "10202", "subgrupo"),
    ("Acosos sexuales", "10203", "subgrupo"),
    ("Amenaza falta o riña", "701", "grupo"),
    ("Amenazas", "10601", "subgrupo"),
    ("Consumo de alcohol y drogas en la vía pública", "702", "grupo"),
    ("Crímenes y simples delitos ley de armas", "501", "grupo"),
    ("Daños", "70301", "subgrupo"),
    ("Delitos asociados a armas", "5", "familia"),
    ("Delitos asociados a drogas", "4", "familia"),
    ("Desórdenes públicos", "70401", "subgrupo"),
    ("Femicidios", "10102", "subgrupo"),
    ("Homicidios", "10101", "subgrupo"),
    ("Hurtos", "60401", "subgrupo"),
    ("Lesiones graves o gravísimas", "10301", "subgrupo"),
    ("Lesiones leves", "10501", "subgrupo"),
    ("Lesiones menos graves", "10401", "subgrupo"),
    ("Otros delitos sexuales", "10204", "subgrupo"),
    ("Otros robos con fuerza en las cosas", "60301", "subgrupo"),
    ("Porte de arma cortante o punzante", "50201", "subgrupo"),
    ("Receptación", "60501", "subgrupo"),
    ("Robo de objetos de o desde vehículo", "60202", "subgrupo"),
    ("Robo de vehículo motorizado", "60201", "subgrupo"),
    ("Robo en lugar habitado", "60101", "subgrupo"),
    ("Robo en lugar no habitado", "60102", "subgrupo"),
    ("Robo frustrado", "99902", "subgrupo"),
    ("Robo por sorpresa", "20201", "subgrupo"),
    ("Robo violento de vehículo motorizado", "20102", "subgrupo"),
    ("Robos con violencia o intimidación", "20101", "subgrupo"),
    ("Violaciones", "10201", "subgrupo"),
    ("Violencia intrafamiliar", "301", "grupo"),
]


def test_public_api_is_exact() -> None:
    assert sorted(taxonomy.__all__) == sorted(
        [
            "CURRENT_VERSION",
            "UNCLASSIFIED",
            "Category",
            "Classification",
            "CrosswalkResult",
            "LabelMapping",
            "Taxonomy",
            "cead_statistic_category",
            "load_mapping",
            "load_taxonomy",
            "normalize_label",
        ]
    )
    assert all(hasattr(taxonomy, name) for name in taxonomy.__all__)


def test_load_taxonomy_is_cached_and_lists_versions_oldest_first() -> None:
    tax = load_taxonomy()
    assert load_taxonomy() is tax
    assert tax.versions == ("dmcs-tradicional", "cead-2024", "cead-2025", "fiscalia")
    assert CURRENT_VERSION == "cead-2025"


@pytest.mark.parametrize(
    ("version", "valid_from", "valid_to"),
    [
        ("cead-2025", date(2025, 1, 1), None),
        ("cead-2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("dmcs-tradicional", None, date(2023, 12, 31)),
        ("fiscalia", None, None),
    ],
)
def test_validity_periods(version: str, valid_from: date | None, valid_to: date | None) -> None:
    classification = load_taxonomy().classification(version)
    assert (classification.valid_from, classification.valid_to) == (valid_from, valid_to)


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (date(2019, 6, 1), "dmcs-tradicional"),
        (date(2024, 3, 1), "cead-2024"),
        (date(2025, 1, 1), "cead-2025"),
        (date(2026, 2, 1), "cead-2025"),
    ],
)
def test_version_for_date(day: date, version: str) -> None:
    assert load_taxonomy().version_for_date(day) == version


@pytest.mark.parametrize("version", ["dmcs-tradicional", "cead-2024", "cead-2025", "fiscalia"])
def test_every_version_has_unclassified(version: str) -> None:
    category = load_taxonomy().classification(version).get(UNCLASSIFIED)
    assert (category.name, category.level, category.version) == (
        "Sin clasificar",
        "subgrupo",
        version,
    )


@pytest.mark.parametrize(
    ("version", "familias", "grupos", "subgrupos"),
    [("cead-2025", 8, 23, 48), ("cead-2024", 6, 23, 50), ("dmcs-tradicional", 2, 3, 14)],
    ids=["2025", "2024", "dmcs"],
)
def test_level_counts(version: str, familias: int, grupos: int, subgrupos: int) -> None:
    cats = load_taxonomy().classification(version).categories.values()
    levels = [c.level for c in cats if c.code != UNCLASSIFIED]
    assert (levels.count("familia"), levels.count("grupo"), levels.count("subgrupo")) == (
        familias,
        grupos,
        subgrupos,
    )


@pytest.mark.parametrize(
    ("version", "code", "name", "parent"),
    [
        ("cead-2025", "30104", "Amenazas en contexto de violencia intrafamiliar", "301"),
        ("cead-2025", "70102", "Riña pública", "701"),
        ("cead-2025", "99902", "Robo frustrado", "999"),
        ("cead-2024", "10801", "Violencia intrafamiliar a mujer", "108"),
        ("cead-2024", "10803", "Violencia intrafamiliar a adulto mayor", "108"),
        ("cead-2024", "10102", "Femicidio no íntimo", "101"),
        ("cead-2024", "11001", "Amenazas o riña", "110"),
        ("cead-2024", "50101", "Consumo de alcohol y drogas en la vía pública", "501"),
    ],
)
def test_official_codes(version: str, code: str, name: str, parent: str) -> None:
    category = load_taxonomy().classification(version).get(code)
    assert (category.name, category.parent, category.code_source) == (name, parent, "official")


@pytest.mark.parametrize("version", ["dmcs-tradicional", "fiscalia"])
def test_synthetic_codes_are_marked(version: str) -> None:
    cats = load_taxonomy().classification(version).categories.values()
    assert {c.code_source for c in cats if c.code != UNCLASSIFIED} == {"sereno"}


@pytest.mark.parametrize(
    ("name", "code", "level"), CEAD_STATISTICS, ids=[n for n, _, _ in CEAD_STATISTICS]
)
def test_cead_statistic_category(name: str, code: str, level: str) -> None:
    assert cead_statistic_category(name) == code
    assert load_taxonomy().classification(CURRENT_VERSION).get(code).level == level


def test_every_category_of_the_shipped_cead_file_maps() -> None:
    path = resources.files("sereno") / "data" / "rm_cead_casos_policiales_monthly.csv.gz"
    with resources.as_file(path) as csv:
        names = pd.read_csv(csv, usecols=["category"])["category"].unique()
    assert sorted(names) == sorted(n for n, _, _ in CEAD_STATISTICS)
    assert len({cead_statistic_category(n) for n in names}) == 30


def test_cead_statistic_accepts_other_spelling() -> None:
    assert cead_statistic_category("ROBOS EN LUGAR NO HABITADO") == "60102"


def test_unknown_cead_statistic_lists_close_matches() -> None:
    with pytest.raises(TaxonomyError, match="no se reconoce.*Robos con violencia o intimidación"):
        cead_statistic_category("Robo con violencia")


def test_armas_familia_is_ley_de_armas_plus_arma_cortante() -> None:
    c = load_taxonomy().classification(CURRENT_VERSION)
    armas = cead_statistic_category("Delitos asociados a armas")
    ley = cead_statistic_category("Crímenes y simples delitos ley de armas")
    cortante = cead_statistic_category("Porte de arma cortante o punzante")
    assert c.children(armas) == (ley, c.get(cortante).parent)
    assert c.get(ley).parent == armas
    assert c.subgroups_of(armas) == (*c.subgroups_of(ley), cortante)


def test_dmcs_tag_equals_reference_list() -> None:
    c = load_taxonomy().classification(CURRENT_VERSION)
    codes = c.codes_with_tag("dmcs")
    assert len(codes) == 14
    assert {c.get(code).name for code in codes} == DMCS_REFERENCE


def test_traditional_dmcs_is_its_familia() -> None:
    c = load_taxonomy().classification("dmcs-tradicional")
    assert c.codes_with_tag("dmcs") == c.subgroups_of("S1")
    assert c.codes_with_tag("vif") == ("S20101",)


@pytest.mark.parametrize(
    ("tag", "familia"),
    [("vif", "3"), ("drogas", "4"), ("armas", "5"), ("incivilidades", "7"), ("otros", "99")],
)
def test_headline_tags_follow_familias(tag: str, familia: str) -> None:
    c = load_taxonomy().classification(CURRENT_VERSION)
    assert c.codes_with_tag(tag) == c.subgroups_of(familia)


def test_unknown_code_and_tag_raise_in_spanish() -> None:
    c = load_taxonomy().classification(CURRENT_VERSION)
    with pytest.raises(TaxonomyError, match="«10801» no existe en la clasificación «cead-2025»"):
        c.get("10801")
    with pytest.raises(TaxonomyError, match="La etiqueta «robos» no existe"):
        c.codes_with_tag("robos")
    with pytest.raises(TaxonomyError, match="La clasificación «cead-2030» no existe"):
        load_taxonomy().classification("cead-2030")


@pytest.mark.parametrize(
    ("code", "version", "section", "confirmed"),
    [
        ("10101", "cead-2025", "01", True),
        ("20101", "cead-2025", "04", True),
        ("60401", "cead-2025", "05", True),
        ("40102", "cead-2025", "06", True),
        ("50201", "cead-2025", "09", True),
        ("70401", "cead-2025", "08", True),
        ("10203", "cead-2025", "03", False),
        ("60501", "cead-2025", "05", False),
        ("70503", "cead-2025", "08", False),
        ("99901", "cead-2025", "05", False),
        ("2", "cead-2025", "04", True),
        ("1", "cead-2025", None, True),
        ("10106", "cead-2024", "01", False),
        ("F22", "fiscalia", "02", False),
        ("F10", "fiscalia", None, True),
    ],
)
def test_iccs_sections(code: str, version: str, section: str | None, confirmed: bool) -> None:
    tax = load_taxonomy()
    assert tax.iccs_l1(code, version) == section
    assert tax.classification(version).get(code).iccs_confirmed is confirmed


def test_iccs_level2_sits_inside_level1() -> None:
    tax = load_taxonomy()
    for version in tax.versions:
        for cat in tax.classification(version).categories.values():
            if cat.iccs_l2 is not None:
                assert cat.iccs_l1 is not None and cat.iccs_l2.startswith(cat.iccs_l1), cat


def test_crosswalk_vif_2024_to_2025_is_not_comparable() -> None:
    result = load_taxonomy().crosswalk("10801", "cead-2024", "cead-2025")
    assert result.codes == ("30101", "30102", "30103", "30104", "30105")
    assert result.comparable is False
    assert "no comparables" in result.note


def test_crosswalk_rvi_is_comparable_as_a_sum() -> None:
    tax = load_taxonomy()
    forward = tax.crosswalk("S10103", "dmcs-tradicional", "cead-2025")
    assert (forward.codes, forward.comparable) == (("20101", "20102"), True)
    backward = tax.crosswalk("20101", "cead-2025", "dmcs-tradicional")
    assert (backward.codes, backward.comparable) == (("S10103",), False)
    assert "Sólo comparable como suma de: 20101 + 20102" in backward.note


@pytest.mark.parametrize(
    ("code", "old", "new", "codes", "comparable"),
    [
        ("10301", "cead-2024", "cead-2025", ("20101",), True),
        ("40102", "cead-2024", "cead-2025", ("60102",), True),
        ("10205", "cead-2024", "cead-2025", ("10203", "10204"), False),
        ("60101", "cead-2025", "dmcs-tradicional", ("S10203",), True),
        ("S10206", "dmcs-tradicional", "cead-2024", ("40401",), True),
        ("60401", "cead-2025", "cead-2025", ("60401",), True),
        (UNCLASSIFIED, "cead-2024", "cead-2025", (UNCLASSIFIED,), True),
    ],
)
def test_crosswalk_pairs(
    code: str, old: str, new: str, codes: tuple[str, ...], comparable: bool
) -> None:
    result = load_taxonomy().crosswalk(code, old, new)
    assert (result.codes, result.comparable) == (codes, comparable)


def test_every_dmcs_category_has_a_2025_equivalent() -> None:
    tax = load_taxonomy()
    for code in tax.classification("dmcs-tradicional").subgroups_of("S1"):
        result = tax.crosswalk(code, "dmcs-tradicional", "cead-2025")
        assert result.codes and set(result.codes) <= set(
            tax.classification("cead-2025").codes_with_tag("dmcs") + ("10102",)
        ), code


def test_crosswalk_refuses_fiscalia() -> None:
    with pytest.raises(TaxonomyError, match="No hay tabla de equivalencias entre «fiscalia»"):
        load_taxonomy().crosswalk("F01", "fiscalia", "cead-2025")


def test_crosswalk_without_equivalent_says_so() -> None:
    result = load_taxonomy().crosswalk("10203", "cead-2025", "dmcs-tradicional")
    assert (result.codes, result.comparable) == ((), False)
    assert "no tiene equivalencia" in result.note


def _category(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"code": "10101", "name": "Homicidios", "level": "subgrupo"}
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([_category(), _category()], "código «10101» repetido"),
        ([_category(parent="101")], "el padre «101» de «10101» no existe"),
        ([_category(iccs_l1="12")], "sección ICCS «12» inválida"),
        ([_category(iccs_l1=1)], "sección ICCS «1» inválida"),
        ([_category(iccs_l1="01", iccs_l2="0201")], "ICCS «0201» no está en la sección «01»"),
        ([_category(code=10101)], "el código debe ser texto"),
        ([_category(level="clase")], "`level` o `parent` inválido"),
        ([_category(tags=["dmcs", "robos"])], "etiquetas .* inválidas"),
        ([_category(colour="red")], "claves desconocidas"),
        ([_category(code=UNCLASSIFIED)], "repetido o reservado"),
        (
            [{"code": "1", "name": "F", "level": "subgrupo"}, _category(parent="1")],
            "«10101» \\(subgrupo\\) bajo «1» \\(subgrupo\\)",
        ),
    ],
    ids=[
        "duplicate",
        "missing-parent",
        "bad-section",
        "unquoted-section",
        "l2-outside-l1",
        "int-code",
        "bad-level",
        "bad-tag",
        "unknown-key",
        "reserved",
        "parent-same-level",
    ],
)
def test_invalid_classification_yaml_is_rejected(
    categories: list[dict[str, Any]], message: str
) -> None:
    data = {"version": "prueba", "name": "Prueba", "categories": categories}
    with pytest.raises(TaxonomyError, match=f"Taxonomía «prueba.yaml»: .*{message}"):
        taxonomy._build_classification(data, "prueba.yaml")


def test_invalid_crosswalk_code_is_rejected() -> None:
    known = {v: load_taxonomy().classification(v) for v in ("cead-2024", "cead-2025")}
    data = {
        "tables": [
            {
                "from": "cead-2024",
                "to": "cead-2025",
                "pairs": [{"from": ["10801"], "to": ["10801"], "comparable": False, "note": "x"}],
            }
        ]
    }
    with pytest.raises(TaxonomyError, match=r"códigos \['10801'\] en «cead-2025»"):
        taxonomy._build_crosswalks(data, known)
