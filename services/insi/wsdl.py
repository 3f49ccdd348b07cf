"""The WSDL and XSDs of INSi's SOAP endpoint (``soap_contract/``), written for the sandbox from the
names the CNAM's service uses (see services/insi/README.md), served so that a SOAP toolkit (zeep,
JAX-WS, .NET's svcutil) generates a client: ``GET /insi/soap?wsdl`` and ``GET /insi/soap/xsd/<name>``.

The WSDL's address is the endpoint it was asked from (``/insi/soap``, or ``/insi/soap/<tenant>`` for a
tenant's own endpoint); the schemas are imported by relative URLs, so that they come from the same host.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Final
from xml.sax.saxutils import escape

SCHEMAS: Final = (
    "insi-recsans.xsd",
    "insi-recvit.xsd",
    "insi-resultat.xsd",
    "insi-verification.xsd",
    "ctxbam.xsd",
    "ctxlps.xsd",
    "ws-addressing.xsd",
    "siram.xsd",
)
XML: Final = "application/xml"


@cache
def _read(name: str) -> str:
    return (files("services.insi") / "soap_contract" / name).read_text(encoding="utf-8")


def wsdl(endpoint: str, *, relative_schemas: str = "soap/xsd/") -> bytes:
    """The WSDL naming ``endpoint`` as the port's address; ``relative_schemas``: where the XSDs are,
    from the WSDL's own URL."""
    document = _read("insi.wsdl").replace('location="ENDPOINT"', f'location="{escape(endpoint)}"')
    return document.replace('schemaLocation="soap/xsd/', f'schemaLocation="{relative_schemas}').encode()


def schema(name: str) -> bytes | None:
    """One of the XSDs, or None for a name that is not one."""
    return _read(name).encode() if name in SCHEMAS else None
