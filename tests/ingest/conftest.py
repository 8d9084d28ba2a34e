"""Fixtures for the import pipeline: the bad-input corpus and generated big files."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
#: (min_lon, min_lat, max_lon, max_lat) of the Región Metropolitana, rounded outwards.
RM_BOUNDS = (-71.72, -34.30, -69.76, -32.91)
SANTIAGO = "America/Santiago"
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)

HEADER = "id_caso,fecha,hora,delito,latitud,longitud,comuna,direccion"


@pytest.fixture
def bad_dir() -> Path:
    return BAD


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        data = content.encode(encoding) if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def rm_csv(write_file: Callable[..., Path]) -> Callable[..., Path]:
    """CSV of RM incidents: rows are given as lists of fields after the header."""

    def make(rows: list[str], header: str = HEADER, name: str = "incidentes.csv") -> Path:
        return write_file(name, "\n".join([header, *rows]) + "\n")

    return make


@pytest.fixture(scope="session")
def huge_line_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100 MB 'CSV' without any line break."""
    path = tmp_path_factory.mktemp("huge") / "una_linea.csv"
    block = b"a" * (1 << 20)
    with path.open("wb") as fh:
        for _ in range(100):
            fh.write(block)
    return path


def _xlsx_with_sheet(path: Path, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"0" * (16 << 20)
            for _ in range(megabytes // 16):
                fh.write(block)
    return path


@pytest.fixture(scope="session")
def zip_bomb_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """XLSX whose sheet unpacks to 640 MB (about 3 MB on disk)."""
    return _xlsx_with_sheet(tmp_path_factory.mktemp("bomb") / "bomba.xlsx", 640)


@pytest.fixture(scope="session")
def ratio_bomb_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """XLSX below the size limit whose 32 MB sheet compresses more than 100 times."""
    return _xlsx_with_sheet(tmp_path_factory.mktemp("ratio") / "comprimido.xlsx", 32)


@pytest.fixture
def nul_bytes_csv(write_file: Callable[..., Path]) -> Path:
    return write_file("binario.csv", b"id,fecha\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\n")


@pytest.fixture
def rm_bounds() -> tuple[float, float, float, float]:
    return RM_BOUNDS


@pytest.fixture
def now() -> dt.datetime:
    return NOW
