"""Label normalisation, built-in and user label mappings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sereno.domain.taxonomy import (
    CURRENT_VERSION,
    UNCLASSIFIED,
    LabelMapping,
    cead_statistic_category,
    load_mapping,
    load_taxonomy,
    normalize_label,
)
from sereno.errors import TaxonomyError

BUILTINS = ["generic", "carabineros", "pdi", "fiscalia", "municipal", "cead", "vpd"]
CEAD_SERIES = (
    "Abusos sexuales; Acosos sexuales; Amenaza falta o riña; Amenazas; Consumo de alcohol y "
    "drogas en la vía pública; Crímenes y simples delitos ley de armas; Daños; Delitos "
    "asociados a armas; Delitos asociados a drogas; Desórdenes públicos; Femicidios; "
    "Homicidios; Hurtos; Lesiones graves o gravísimas; Lesiones leves; Lesiones menos graves; "
    "Otros delitos sexuales; Otros robos con fuerza en las cosas; Porte de arma cortante o "
    "punzante; Receptación; Robo de objetos de o desde vehículo; Robo de vehículo motorizado; "
    "Robo en lugar habitado; Robo en lugar no habitado; Robo frustrado; Robo por sorpresa; "
    "Robo violento de vehículo motorizado; Robos con violencia o intimidación; Violaciones; "
    "Violencia intrafamiliar"
).split("; ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ROBO  CON VIOLENCIA o Intimidación.", "robo con violencia o intimidacion"),
        ("robo con violencia o intimidacion", "robo con violencia o intimidacion"),
        ("  Daños\t", "danos"),
        ("Riña Pública", "rina publica"),
        ("Porte / posesión de armas o explosivos", "porte posesion de armas o explosivos"),
        ("Amenaza con armas (falta)", "amenaza con armas falta"),
        ("LESIONES LEVES. ART. 494 N°5", "lesiones leves art 494 n 5"),
        ("robo_por-sorpresa", "robo por sorpresa"),
        ("Rin\u0303a", "rina"),  # decomposed ñ (NFD input)
        ("STRASSE", "strasse"),
        ("", ""),
        ("...", ""),
    ],
)
def test_normalize_label(raw: str, expected: str) -> None:
    assert normalize_label(raw) == expected


def test_classify_maps_unmapped_and_missing_to_unclassified() -> None:
    mapping = load_mapping("generic")
    labels = pd.Series(["HURTO SIMPLE", "Robo con intimidación.", "ruidos molestos", None, "vif"])
    codes = mapping.classify(labels)
    assert isinstance(codes, np.ndarray)
    assert codes.tolist() == ["60401", "20101", UNCLASSIFIED, UNCLASSIFIED, "30105"]
    assert mapping.unmapped(labels) == ("ruidos molestos",)


def test_classify_accepts_categorical_and_lists() -> None:
    mapping = load_mapping("generic")
    categorical = pd.Series(["Hurtos", "Daños", "Hurtos"], dtype="category")
    assert mapping.classify(categorical).tolist() == ["60401", "70301", "60401"]
    assert mapping.classify(["Riña"]).tolist() == ["70102"]


def test_classify_one_million_labels() -> None:
    mapping = load_mapping("carabineros")
    distinct = [*list(mapping.entries)[:48], "sin dato", "OTRO"]
    rng = np.random.default_rng(7)
    labels = pd.Series(np.array(distinct, dtype=object)[rng.integers(0, 50, 1_000_000)])
    codes = mapping.classify(labels)
    assert len(codes) == 1_000_000
    unmapped = labels.isin(["sin dato", "OTRO"]).to_numpy()
    assert (codes[unmapped] == UNCLASSIFIED).all()
    assert (codes[~unmapped] != UNCLASSIFIED).all()


def test_label_mapping_normalises_keys() -> None:
    mapping = LabelMapping("cead-2025", {"ROBO  por Sorpresa": "20201"})
    assert dict(mapping.entries) == {"robo por sorpresa": "20201"}
    assert mapping.classify(pd.Series(["robo por sorpresa"])).tolist() == ["20201"]


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_mappings_load_and_target_existing_codes(name: str) -> None:
    mapping = load_mapping(name)
    expected_version = "fiscalia" if name == "fiscalia" else CURRENT_VERSION
    assert mapping.version == expected_version
    categories = load_taxonomy().classification(mapping.version).categories
    assert mapping.entries and set(mapping.entries.values()) <= set(categories)


def test_generic_maps_every_2025_grupo_and_subgrupo_name_into_itself() -> None:
    c = load_taxonomy().classification(CURRENT_VERSION)
    mapping = load_mapping("generic")
    for code, category in c.categories.items():
        if category.level == "familia" or code == UNCLASSIFIED:
            continue
        target = mapping.entries[normalize_label(category.name)]
        assert target in (code, *c.subgroups_of(code)) or c.get(target).parent == code, code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("robo con violencia", "20101"),
        ("robo con intimidación", "20101"),
        ("hurto simple", "60401"),
        ("hurto", "60401"),
        ("robo por sorpresa", "20201"),
        ("lesiones leves", "10501"),
        ("VIF", "30105"),
        ("violencia intrafamiliar", "30105"),
        ("amenazas", "10601"),
        ("daños", "70301"),
        ("microtráfico", "40102"),
        ("robo de vehículo", "60201"),
        ("robo de accesorios de vehículo", "60202"),
        ("robo en lugar habitado", "60101"),
        ("robo en lugar no habitado", "60102"),
        ("receptación", "60501"),
        ("riña", "70102"),
        ("desórdenes", "70401"),
        ("consumo de alcohol en la vía pública", "70204"),
        ("porte de arma blanca", "50201"),
        ("Robo de objeto de o desde vehículo", "60202"),
        ("Otros robos con fuerza", "60301"),
    ],
)
def test_generic_synonyms(label: str, code: str) -> None:
    assert load_mapping("generic").classify(pd.Series([label])).tolist() == [code]


def test_police_mappings_extend_generic() -> None:
    generic = load_mapping("generic")
    for name in ("carabineros", "pdi", "municipal"):
        extended = load_mapping(name)
        assert set(generic.entries.items()) <= set(extended.entries.items()), name
        assert len(extended.entries) > len(generic.entries), name
    label = pd.Series(["HURTO SIMPLE POR UN VALOR DE 4 A 40 UTM"])
    assert load_mapping("carabineros").classify(label).tolist() == ["60401"]
    assert load_mapping("generic").classify(label).tolist() == [UNCLASSIFIED]


def test_vpd_maps_all_eleven_categories_and_collisions_to_other() -> None:
    vpd = [
        "Theft from Vehicle",
        "Other Theft",
        "Mischief",
        "Offence Against a Person",
        "Break and Enter Commercial",
        "Break and Enter Residential/Other",
        "Theft of Bicycle",
        "Vehicle Collision or Pedestrian Struck (with Injury)",
        "Theft of Vehicle",
        "Homicide",
        "Vehicle Collision or Pedestrian Struck (with Fatality)",
    ]
    codes = load_mapping("vpd").classify(pd.Series(vpd)).tolist()
    assert UNCLASSIFIED not in codes
    assert codes[0] == "60202" and codes[1] == "60401" and codes[5] == "60101"
    assert codes[7] == codes[10] == "99903"


def test_cead_mapping_agrees_with_statistic_names() -> None:
    codes = load_mapping("cead").classify(pd.Series(CEAD_SERIES)).tolist()
    assert len(CEAD_SERIES) == 30
    assert codes == [cead_statistic_category(n) for n in CEAD_SERIES]


def test_fiscalia_mapping_stays_in_its_own_classification() -> None:
    mapping = load_mapping("fiscalia")
    assert mapping.classify(pd.Series(["ROBOS NO VIOLENTOS", "Delitos VIF"])).tolist() == [
        "F02",
        "F22",
    ]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_user_mapping_overrides_builtin(tmp_path: Path) -> None:
    user = _write(
        tmp_path / "mio.yaml",
        'version: cead-2025\nlabels:\n  "Hurto simple": "60501"\n  "rayado de muro": "70301"\n',
    )
    mapping = load_mapping(str(user))
    labels = pd.Series(["hurto simple", "RAYADO DE MURO", "robo con violencia"])
    assert mapping.classify(labels).tolist() == ["60501", "70301", "20101"]
    extra = load_mapping("carabineros", extra=user)
    assert extra.classify(labels).tolist() == ["60501", "70301", "20101"]
    assert load_mapping("generic").classify(labels[:1]).tolist() == ["60401"]


def test_user_mapping_can_extend_another_builtin(tmp_path: Path) -> None:
    user = _write(tmp_path / "m.yaml", 'version: cead-2025\nextends: vpd\nlabels:\n  "x": "1"\n')
    mapping = load_mapping(user)
    assert mapping.classify(pd.Series(["Mischief", "hurto"])).tolist() == ["70301", UNCLASSIFIED]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'version: cead-2025\nlabels:\n  "robo raro": "12345"\n',
            "malo\\.yaml».*la etiqueta «robo raro» apunta al código «12345», que no existe en "
            "la clasificación «cead-2025».*Corrija el código",
        ),
        ('version: cead-2025\nlabels:\n  "hurto": 60401\n', "«hurto» → «60401» no es texto"),
        (
            'version: cead-2030\nlabels:\n  "hurto": "60401"\n',
            "clasificación «cead-2030» no existe",
        ),
        ("version: cead-2025\nlabels: [\n", "no es YAML válido"),
        ('labels:\n  "hurto": "60401"\n', "falta `version`"),
        ('version: cead-2025\nlabel:\n  "hurto": "60401"\n', "claves desconocidas: label"),
        (
            'version: cead-2025\nlabels:\n  "Hurto.": "60401"\n  "HURTO": "60501"\n',
            "«Hurto.» y «HURTO» son la misma tras normalizar",
        ),
        ("version: cead-2025\nextends: otra\nlabels: {}\n", "`extends: otra` no es un mapeo"),
    ],
    ids=[
        "unknown-code",
        "int-code",
        "unknown-version",
        "bad-yaml",
        "no-version",
        "unknown-key",
        "conflict",
        "bad-extends",
    ],
)
def test_bad_user_mapping(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "malo.yaml", text)
    with pytest.raises(TaxonomyError, match=message):
        load_mapping(str(path))


def test_user_mapping_for_fiscalia_extends_fiscalia(tmp_path: Path) -> None:
    user = _write(tmp_path / "f.yaml", 'version: fiscalia\nlabels:\n  "hurto": "F03"\n')
    mapping = load_mapping(str(user))
    assert mapping.version == "fiscalia"
    assert mapping.classify(pd.Series(["HURTO", "Robos"])).tolist() == ["F03", "F01"]


def test_extra_mapping_must_share_the_version(tmp_path: Path) -> None:
    extra = _write(tmp_path / "f.yaml", 'version: fiscalia\nlabels:\n  "hurto": "F03"\n')
    with pytest.raises(
        TaxonomyError, match="«fiscalia» pero se combina con un mapeo de «cead-2025»"
    ):
        load_mapping("generic", extra=extra)


def test_missing_mapping_names_builtins(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="No se encontró el mapeo.*generic, carabineros"):
        load_mapping(str(tmp_path / "no-existe.yaml"))
