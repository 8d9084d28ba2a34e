"""FastAPI application: a Spanish home page and its JSON twin."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from sereno import __version__
from sereno.errors import SerenoError
from sereno.settings import Settings, get_settings

__all__ = ["create_app"]


def _es_int(value: Any) -> str:
    if value is None:
        return "—"
    return f"{int(value):,}".replace(",", ".")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app for a store (settings are passed in, never read at import)."""
    from sereno.services.status import comuna_volumes, store_status
    from sereno.storage.db import open_store

    cfg = settings or get_settings()
    engine = open_store(cfg.database_url)
    # No docs UI: FastAPI's Swagger page loads its assets from a CDN.
    app = FastAPI(
        title="Sereno",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    templates = Jinja2Templates(directory=str(resources.files("sereno.web") / "templates"))
    templates.env.filters["es_int"] = _es_int

    @app.exception_handler(SerenoError)
    async def _sereno_error(_request: Request, exc: SerenoError) -> JSONResponse:
        return JSONResponse(
            {
                "ok": False,
                "error": exc.message,
                "errors": [exc.hint] if exc.hint else [],
                "status": 400,
            },
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "No existe esa dirección.", 405: "Método no permitido en esta dirección."}
        text = messages.get(exc.status_code, "La solicitud no se pudo atender.")
        return JSONResponse(
            {"ok": False, "error": text, "errors": [], "status": exc.status_code},
            status_code=exc.status_code,
        )

    @app.get("/api/v1/comunas", tags=["territorio"])
    def api_comunas() -> dict[str, Any]:
        """Comunas de la RM con población y volúmenes cargados."""
        return comuna_volumes(engine)

    @app.get("/api/v1/status", tags=["datos"])
    def api_status() -> dict[str, Any]:
        """Resumen de lo cargado (fuentes, territorios, categorías, periodos, lotes)."""
        return store_status(engine)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        data = comuna_volumes(engine)
        return templates.TemplateResponse(
            request, "index.html", {"data": data, "version": __version__}
        )

    return app
