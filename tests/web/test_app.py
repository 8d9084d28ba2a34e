"""The home page and its JSON twin, in-process."""

from __future__ import annotations

import httpx
import pytest

from sereno.settings import get_settings
from sereno.web.app import create_app


@pytest.fixture
def client(store_url):
    from sereno.services.store import init_store

    init_store(store_url).dispose()
    app = create_app(get_settings(database_url=store_url))
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.anyio
async def test_home_lists_the_52_comunas_in_spanish(client):
    async with client as c:
        r = await c.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="es-CL">' in html
    assert "Ñuñoa" in html and "Peñaflor" in html and "13101" in html
    assert html.count("<tr><td>13") == 52
    assert 'href="/api/v1/comunas"' in html
    assert "cdn" not in html.lower()


@pytest.mark.anyio
async def test_json_twin_matches_the_page(client):
    async with client as c:
        data = (await c.get("/api/v1/comunas")).json()
        status = (await c.get("/api/v1/status")).json()
    assert len(data["comunas"]) == 52
    santiago = next(x for x in data["comunas"] if x["cut"] == 13101)
    assert santiago["comuna"] == "Santiago" and santiago["population"] > 400_000
    assert status["incidents"] == 0 and status["statistics"] == 0


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_unknown_path_gets_the_spanish_error_shape(client):
    async with client as c:
        r = await c.get("/no/existe")
    assert r.status_code == 404
    assert r.json() == {
        "ok": False,
        "error": "No existe esa dirección.",
        "errors": [],
        "status": 404,
    }
