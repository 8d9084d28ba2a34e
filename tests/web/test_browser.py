"""The home page in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SERENO_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from sereno.services.imports import import_incidents
    from sereno.services.store import init_store
    from sereno.settings import get_settings
    from sereno.web.app import create_app

    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = init_store(url)
    csv = tmp_path / "inc.csv"
    csv.write_text(
        "id_caso,fecha,hora,delito,latitud,longitud,sintetico\n"
        "W1,10-03-2025,10:00,Hurtos,-33.4378,-70.6506,sí\n"
        "W2,11-03-2025,11:00,Robo por sorpresa,-33.4173,-70.6063,sí\n",
        encoding="utf-8",
    )
    import_incidents(engine, csv, source="Demo sintética", report_dir=tmp_path)
    port = _free_port()
    config = uvicorn.Config(
        create_app(get_settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"chromium not found at {CHROMIUM}: .ci/run must install it")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_home_page_renders_comunas_and_volumes(server, browser, tmp_path, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "/")
    assert page.title().startswith("Sereno")
    assert page.locator("#comunas tbody tr").count() == 52
    assert page.locator("#total-incidentes").inner_text() == "2"
    assert "datos sintéticos" in page.locator(".warn").first.inner_text()
    providencia = page.locator("#comunas tbody tr", has_text="Providencia")
    assert providencia.locator("td").nth(4).inner_text() == "1"
    # Nothing is fetched from outside the app (no CDN).
    assert all(u.startswith(server) for u in requests)
    # The page fits the viewport width (tables scroll inside their own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / f"home-{width}.png"), full_page=False)
    assert (tmp_path / f"home-{width}.png").stat().st_size > 10_000
    page.close()
