"""The HTML pages of psc (Jinja2, autoescaped): the two login pages, errors, logout."""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from services.psc.authorization import Page
from services.psc.login_rules import CARD_LABELS
from services.psc.records import Client, Patient, Professional

if TYPE_CHECKING:  # jinja2 is imported with the first page rendered, not at the start
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


def _page_links(action: str, query: dict[str, str], page: Page[Any]) -> dict[str, Any]:
    def url(number: int) -> str:
        return f"{action}?{urlencode({**query, 'page': str(number)})}"

    return {
        "page": page.page,
        "previous_url": url(page.page - 1) if page.page > 1 else None,
        "next_url": url(page.page + 1) if page.has_next else None,
    }


def professional_login(
    *,
    action: str,
    tenant: str,
    client: Client,
    request_params: dict[str, str],
    q: str,
    profession: str,
    page: Page[Professional],
    professions: list[tuple[str, str]],
) -> str:
    groups = [(label, list(rows)) for label, rows in groupby(page.items, key=lambda p: p.profession_label)]
    query = {**request_params, "q": q, "profession": profession}
    return render(
        "login_professional.html",
        action=action,
        tenant=tenant,
        client=client,
        request_params=request_params,
        q=q,
        profession=profession,
        professions=professions,
        groups=groups,
        card_labels=CARD_LABELS,
        **_page_links(action, query, page),
    )


def patient_login(
    *,
    action: str,
    tenant: str,
    client: Client,
    request_params: dict[str, str],
    q: str,
    page: Page[Patient],
) -> str:
    rows = [{"patient": p} for p in page.items]
    return render(
        "login_patient.html",
        action=action,
        tenant=tenant,
        client=client,
        request_params=request_params,
        q=q,
        rows=rows,
        **_page_links(action, {**request_params, "q": q}, page),
    )


def error_page(*, tenant: str, error: str, detail: str, rule: str | None) -> str:
    return render("error.html", tenant=tenant, error=error, detail=detail, rule=rule)


def logged_out_page(*, tenant: str, revoked: int) -> str:
    return render("logged_out.html", tenant=tenant, revoked=revoked)
