"""Export each service's OpenAPI document exactly as its app serves it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from shared.config import SandboxSettings
from shared.db import Storage


def service_specs() -> dict[str, dict[str, Any]]:
    """Every service's OpenAPI document, built from its app (no database needed)."""
    from services.sandbox.registry import all_services
    from shared.runtime import Runtime

    settings = SandboxSettings(
        data_dir=Path("/nonexistent-esante-openapi"), public_url="http://localhost:8000"
    )
    runtime = Runtime(settings, storage=cast(Storage, _NoStorage()))
    base = settings.public_url or "http://localhost:8000"
    return {
        spec.name: {**spec.create_app(runtime).openapi(), "servers": _servers(base, spec.name)}
        for spec in all_services()
    }


def _servers(public_url: str, name: str) -> list[dict[str, str]]:
    """Where the exported file's paths live: a client generated from it calls ``<base>/<name>/v1/...``
    (the served spec needs none: FastAPI adds the mount's prefix, and the docs page is under it)."""
    return [
        {"url": f"{public_url}/{name}", "description": "`make run` / `esante up` on this machine"},
        {"url": f"/{name}", "description": "the same prefix on any host (docker-compose, another port)"},
    ]


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_specs(output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in service_specs().items():
        path = output_dir / f"{name}.json"
        path.write_text(render(spec), encoding="utf-8")
        written.append(path)
    return written


class _NoStorage:
    """Building an app for its OpenAPI document touches no storage."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"openapi export must not touch storage ({name})")
