"""Runtime settings, read from ``SERENO_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides taking precedence."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
