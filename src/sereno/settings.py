"""Runtime settings, read from ``SERENO_*`` environment variables."""

from __future__ import annotations

import difflib
import os

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from sereno.errors import ConfigError

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "get_settings"]

DEFAULT_DATABASE_URL = "sqlite:///./sereno.db"


class Settings(BaseSettings):
    """Sereno settings; every field can be set with an ``SERENO_`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="SERENO_", extra="forbid")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the store (SQLite file or PostgreSQL).",
    )
    host: str = Field("127.0.0.1", description="Address the web app listens on.")
    port: int = Field(8000, description="Port the web app listens on.", ge=1, le=65535)
    reject_dir: str | None = Field(
        None,
        description="Folder for import reports; default: ./informes_importacion.",
    )


# SERENO_* variables that are read elsewhere (tests, debugging), not settings.
_OTHER_VARIABLES = {"SERENO_TEST_POSTGRES_URL", "SERENO_DEBUG", "SERENO_CHROMIUM"}


def _check_environment() -> None:
    known = {f"SERENO_{name.upper()}" for name in Settings.model_fields} | _OTHER_VARIABLES
    unknown = sorted(
        k for k in os.environ if k.upper().startswith("SERENO_") and k.upper() not in known
    )
    if unknown:
        close = difflib.get_close_matches(unknown[0].upper(), sorted(known), n=1)
        raise ConfigError(
            f"La variable de entorno {unknown[0]} no es una configuración de Sereno.",
            hint=(f"¿Quiso decir {close[0]}? " if close else "")
            + "Variables válidas: "
            + ", ".join(sorted(known - _OTHER_VARIABLES))
            + ".",
        )


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides taking precedence.

    A ``SERENO_*`` variable that is not a setting (a typo) is an error, not silently ignored.
    """
    _check_environment()
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first.get("loc") else "?"
        raise ConfigError(
            f"La configuración SERENO_{name.upper()} tiene un valor no válido: «{first.get('input')}».",
            hint=f"Revise su valor ({Settings.model_fields[name].description})"
            if name in Settings.model_fields
            else None,
        ) from None
