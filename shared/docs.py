"""Each service's interactive docs, served whole by the sandbox: Swagger UI at ``/docs``, ReDoc at
``/redoc``, the service's reference (rules, tables, error codes) at ``/docs/reference``.

The scripts, stylesheet and icon are the released Swagger UI and ReDoc bundles that the
``fastapi-offline`` package ships (MIT; Swagger UI is Apache-2.0, ReDoc MIT), served from
``/docs/assets``: a docs page loads nothing from another host, so it works on a machine without
internet. One change to a released file: ReDoc's sidebar shows its vendor's logo from a CDN, and the
bundle is served with that one address replaced by an empty ``data:`` URL (the logo then hides itself,
as it does when the CDN cannot be reached). The pages' Content-Security-Policy keeps the browser from
fetching anything else outside the sandbox.

"Authorize" in Swagger UI runs psc's authorization-code flow with PKCE through the sandbox's login
page (the documented client ``esante-ci``, whose redirect URIs cover every loopback address), and
``persistAuthorization`` keeps the token in the browser's storage, so that in the all-in-one mode one
login serves every service's page.
"""

from __future__ import annotations

import secrets
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS_PATH: Final = "/docs"
REDOC_PATH: Final = "/redoc"
REFERENCE_PATH: Final = "/docs/reference"
OAUTH2_REDIRECT_PATH: Final = "/docs/oauth2-redirect"
ASSETS_PATH: Final = "/docs/assets"
REFERENCE_LINK: Final = "docs/reference"
"""The reference page relative to ``/<service>/docs`` and ``/<service>/redoc`` (both one level down)."""

DOCS_CLIENT_ID: Final = "esante-ci"
DOCS_CLIENT_SECRET: Final = "esante-ci"


def content_security_policy(token_origin: str | None) -> str:
    """What a docs page may load: the sandbox's own assets only. Inline scripts and styles: the pages'
    own initialisation and the bundles' styled components; blob workers: ReDoc's search;
    ``connect-src``: the spec, the operations, and psc's token endpoint when psc is on another origin
    (docker-compose: one port a service)."""
    connect = "'self'" if token_origin is None else f"'self' {token_origin}"
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        f"connect-src {connect}; frame-ancestors 'self'"
    )


_SWAGGER_PARAMETERS: Final[dict[str, Any]] = {
    "persistAuthorization": True,
    "validatorUrl": None,  # the default sends the spec to validator.swagger.io for a badge
    "displayRequestDuration": True,
    "tryItOutEnabled": True,
}


def init_oauth() -> dict[str, Any]:
    """Swagger UI's login settings. psc, as ProSanté Connect, requires a ``nonce``, which Swagger UI
    does not send by itself: each page carries a fresh one."""
    return {
        "clientId": DOCS_CLIENT_ID,
        "clientSecret": DOCS_CLIENT_SECRET,
        "usePkceWithAuthorizationCodeGrant": True,
        "scopes": "openid",
        "additionalQueryStringParams": {"nonce": secrets.token_urlsafe(16)},
    }


_REFERENCE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: reference</title>
<link rel="icon" href="assets/favicon.png">
<style>
body{{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;line-height:1.45}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}}code{{background:#f3f3f3;padding:0 .2rem}}
</style></head>
<body><p><a href="../docs">Swagger UI</a> · <a href="../redoc">ReDoc</a> ·
<a href="../openapi.json">openapi.json</a></p>
<h1>{title}</h1>
{body}
</body></html>
"""


def render_reference(title: str, markdown: str) -> str:
    """The reference page: the service's Markdown (tables as GFM writes them) as one HTML page.
    markdown-it is imported here, on the first request of a reference page: importing it costs about
    90 ms, which `esante up` would otherwise pay at every start."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return _REFERENCE_PAGE.format(title=escape(title), body=body)


_REDOC_LOGO: Final = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


def _asset_dir() -> str:
    return str(files("fastapi_offline") / "static")


@cache
def redoc_bundle() -> bytes:
    """ReDoc's standalone bundle, its one external address (the sidebar's logo) made empty."""
    bundle = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    return bundle.replace(_REDOC_LOGO, b"data:,")


def install_docs(app: FastAPI, *, reference: str, token_origin: str | None) -> None:
    """Serve the docs pages of ``app`` (created with ``docs_url=None, redoc_url=None``) under its own
    prefix, whatever that prefix is (``root_path`` when mounted)."""

    @app.get(f"{ASSETS_PATH}/redoc.standalone.js", include_in_schema=False)
    async def redoc_js() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript")

    app.mount(ASSETS_PATH, StaticFiles(directory=_asset_dir()), name="docs-assets")
    rendered: list[str] = []  # the page, once rendered
    policy = content_security_policy(token_origin)

    def with_policy(answer: HTMLResponse) -> HTMLResponse:
        answer.headers["Content-Security-Policy"] = policy
        return answer

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return with_policy(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title}: Swagger UI",
                swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_PATH}",
                init_oauth=init_oauth(),
                swagger_ui_parameters=_SWAGGER_PARAMETERS,
            )
        )

    @app.get(OAUTH2_REDIRECT_PATH, include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return with_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return with_policy(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title}: ReDoc",
                redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
                with_google_fonts=False,
            )
        )

    @app.get(REFERENCE_PATH, include_in_schema=False)
    async def reference_html() -> HTMLResponse:
        if not rendered:
            rendered.append(render_reference(app.title, reference))
        return with_policy(HTMLResponse(rendered[0]))
