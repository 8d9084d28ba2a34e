"""Sereno's exceptions.

Every error a user can act on derives from :class:`SerenoError`; its message is in
Spanish and says what was wrong, what is accepted and how to fix it.

Tree::

    SerenoError
    ├── ConfigError            bad setting or option
    ├── InputError             a file or value the user gave cannot be used
    │   ├── FileFormatError    unreadable file: encoding, corrupt XLSX, zip bomb, no rows…
    │   └── MissingColumnsError required columns are absent
    ├── TerritoryError         unknown territory set or comuna, bad boundary file
    ├── TaxonomyError          unknown category or bad mapping file
    └── StorageError           database cannot be opened or migrated
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "FileFormatError",
    "InputError",
    "MissingColumnsError",
    "SerenoError",
    "StorageError",
    "TaxonomyError",
    "TerritoryError",
]


class SerenoError(Exception):
    """Base of every error Sereno reports to a user (message in Spanish)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} Sugerencia: {hint}")


class ConfigError(SerenoError):
    """A setting or command-line option has an invalid value."""


class InputError(SerenoError):
    """Input supplied by a user (file, row, value) cannot be used."""


class FileFormatError(InputError):
    """A file cannot be read: wrong encoding, corrupt, empty or dangerous."""


class MissingColumnsError(InputError):
    """A file lacks columns the chosen profile requires."""


class TerritoryError(SerenoError):
    """A territory set, comuna code or boundary file is unknown or invalid."""


class TaxonomyError(SerenoError):
    """A category code or mapping file is unknown or invalid."""


class StorageError(SerenoError):
    """The database cannot be opened, migrated or written."""
