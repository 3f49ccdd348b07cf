"""The login pages read well: the tenant name in the header is legible (WCAG AA contrast), and the
patient page says what each Mon espace santé status allows."""

from __future__ import annotations

import re

import httpx
import pytest

from shared.testing.oidc import PATIENTS, PSC, Oidc


def _luminance(hex_color: str) -> float:
    digits = hex_color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula() -> None:
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert contrast("#fff", "#eee") < 1.2  # the old tenant name: white on light grey


@pytest.mark.asyncio
async def test_the_tenant_name_is_legible_on_every_login_page(
    client: httpx.AsyncClient, oidc: Oidc, tenant_name: str
) -> None:
    for base in (PSC, PATIENTS):
        page = await client.get(f"{base}/auth", params=oidc.authorize_params())
        assert page.status_code == 200
        assert f"<code>{tenant_name}</code>" in page.text
        rule = re.search(r"header code\{([^}]*)\}", page.text)
        assert rule is not None, "the header's code element has its own colours"
        colours = dict(re.findall(r"(background|color):(#[0-9a-fA-F]{3,6})", rule.group(1)))
        assert contrast(colours["color"], colours["background"]) >= 4.5


@pytest.mark.asyncio
async def test_the_patient_page_says_what_each_status_allows(client: httpx.AsyncClient, oidc: Oidc) -> None:
    page = (await client.get(f"{PATIENTS}/auth", params=oidc.authorize_params())).text
    legend = page.split('<table class="legend">', 1)[1].split("</table>", 1)[0]
    for status in ("invited", "opposed", "open", "activated", "closed"):
        assert f"<td><code>{status}</code></td>" in legend, status
    assert "Only persons whose Mon espace santé account is activated can log in" not in page
