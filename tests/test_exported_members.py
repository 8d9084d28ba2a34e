"""Nothing goes public by accident: each module's __all__ is exactly what it defines for users."""

import importlib

import pytest

EXPECTED = {
    "sereno": {"PIPELINE_VERSION", "__version__"},
    "sereno.errors": {
        "ConfigError",
        "FileFormatError",
        "InputError",
        "MissingColumnsError",
        "SerenoError",
        "StorageError",
        "TaxonomyError",
        "TerritoryError",
    },
    "sereno.domain.grid": {
        "DEFAULT_CELL_SIZE",
        "cell_center",
        "cell_ids",
        "cell_indices",
        "parse_cell_id",
    },
    "sereno.domain.locate": {"PolygonLocator"},
    "sereno.ingest.dedup": {"LinkRule", "duplicated_keys", "link_across_sources", "record_keys"},
    "sereno.analysis.nearrepeat": {
        "KnoxBand",
        "KnoxResult",
        "RepeatLocationsResult",
        "knox_test",
        "repeat_locations",
    },
    "sereno.analysis.alerts": {"AlertResult", "monthly_alerts"},
    "sereno.analysis.fdr": {"benjamini_hochberg"},
}


@pytest.mark.parametrize("module", sorted(EXPECTED))
def test_all_is_exact(module):
    mod = importlib.import_module(module)
    assert set(mod.__all__) == EXPECTED[module]
    for name in mod.__all__:
        assert hasattr(mod, name)
