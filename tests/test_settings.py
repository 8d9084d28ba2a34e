import pytest

from sereno.errors import ConfigError
from sereno.settings import get_settings


def test_environment_and_overrides(monkeypatch):
    monkeypatch.setenv("SERENO_PORT", "8123")
    assert get_settings().port == 8123
    assert get_settings(port=9000).port == 9000


def test_mistyped_variable_is_an_error(monkeypatch):
    monkeypatch.setenv("SERENO_DATABSE_URL", "sqlite:///x.db")
    with pytest.raises(ConfigError, match="SERENO_DATABSE_URL.*no es una configuración"):
        get_settings()
    try:
        get_settings()
    except ConfigError as exc:
        assert exc.hint and "SERENO_DATABASE_URL" in exc.hint


def test_bad_value_is_refused(monkeypatch):
    monkeypatch.setenv("SERENO_PORT", "70000")
    with pytest.raises(ConfigError, match="SERENO_PORT tiene un valor no válido"):
        get_settings()
