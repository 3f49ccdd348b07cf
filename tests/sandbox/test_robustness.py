"""No input to the sandbox routes gives a 500: random headers, paths and bodies."""

from __future__ import annotations

import asyncio
import json

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.tenancy import TENANT_HEADER

header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
clock_bodies = st.fixed_dictionaries(
    {},
    optional={
        "mode": st.sampled_from(["real", "frozen", "offset", "x"]) | json_values,
        "now": st.datetimes().map(lambda d: d.isoformat()) | json_values,
        "offset_seconds": st.integers() | json_values,
    },
)


def _call(app: FastAPI, method: str, path: str, **kwargs: object) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            return await http.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tenant=header_text)
def test_any_tenant_header_is_a_4xx_or_works(root_app: FastAPI, tenant: str) -> None:
    response = _call(root_app, "GET", "/sandbox/population/tags", headers={TENANT_HEADER: tenant})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"] == "tenant-invalid"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=clock_bodies)
def test_any_clock_body_is_a_4xx_or_works(
    root_app: FastAPI, tenant_name: str, body: dict[str, object]
) -> None:
    response = _call(root_app, "PUT", f"/sandbox/tenants/{tenant_name}/clock", content=json.dumps(body))
    assert response.status_code in (200, 400, 422), response.text
    assert set(response.json()) >= ({"mode", "now"} if response.status_code == 200 else {"error", "detail"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tag=header_text, profession=header_text)
def test_any_query_is_a_4xx_or_works(root_app: FastAPI, tag: str, profession: str) -> None:
    response = _call(
        root_app,
        "GET",
        "/sandbox/population/professionals",
        params={"tag": tag, "profession": profession},
    )
    assert response.status_code == 200
