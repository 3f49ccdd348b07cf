"""The INSi app: the JSON operations, the SOAP 1.2 endpoint, and the sandbox's software numbers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.insi.config import get_insi_settings
from services.insi.router import MUTUAL_TLS_SCHEME, router
from shared.app import create_service_app
from shared.runtime import Runtime
from shared.tls import ensure_ca

DESCRIPTION = """\
The INSi teleservice: qualification of the INS (identifiant national de santé) from the five traits or a
carte Vitale, and verification of an INS already held. Full documentation: `services/insi/README.md`.

* **JSON**: `POST /v1/search-by-traits`, `/v1/search-by-vitale`, `/v1/verify`; answers carry `code_cr`
  `00` (one identity, with the active INS, the traits and the INS history), `01` (none) or `02` (several).
* **SOAP 1.2** (the real wire, after the WSDL `DESIR_ICIR_EXP_1.5.0`): `POST /soap` (or `/soap/{tenant}`),
  `rechercherInsAvecTraitsIdentite`, `rechercherInsAvecCarteVitale` and the sandbox's
  `verifierInsAvecTraitsIdentite`; the WSDL to generate a client from: `GET /soap?wsdl`.
* **Who may call**: a psc bearer token (CPS, e-CPS, or CPE: the secretariat), or over HTTPS
  (`esante up --tls`) a client certificate from `esante cert --cn INSI-AUTO|INSI-MANU`. Anyone else:
  `desir_560`.
* **Software authorisation number**: `ContexteLPS/LPS/IDAM` (SOAP) or the `X-Insi-Idam` header (JSON);
  `ESANTE-SANDBOX` is known everywhere; `PUT /sandbox/logiciels/{idam}` registers one in a tenant.
  Unknown: `desir_550`.
* **Matching**: case, accents, hyphens, apostrophes and spaces are normalised; first prénom, then every
  prénom, then the place of birth separate homonyms.
* **Errors on demand** (nom de naissance): `FAUTE-550`, `FAUTE-560`, `FAUTE-TECHNIQUE`, `LENT`
  (`ESANTE_INSI_SLOW_SECONDS`, default 5) or `LENT-<seconds>`.
* **OIDs**: `.8` NIR / `.9` NIA as the CNAM test platform; `ESANTE_INSI_OID_MODE=test` (`.10`) or `demo`
  (`.11`) for every NIR.
"""


def on_startup(runtime: Runtime) -> None:
    """Make (first start) the sandbox CA that signs INSi's organisation certificates."""
    ensure_ca(runtime.settings.data_dir)


SECURITY_SCHEMES: dict[str, Any] = {
    MUTUAL_TLS_SCHEME: {
        "type": "mutualTLS",
        "description": "Over HTTPS (esante up --tls): a client certificate of the sandbox CA with the CN "
        "INSI-AUTO or INSI-MANU (esante cert)",
    },
}


def create_app(runtime: Runtime) -> FastAPI:
    app = create_service_app(
        name="insi",
        title="INSi (sandbox)",
        description=DESCRIPTION,
        runtime=runtime,
        routers=[router],
    )
    app.state.insi_settings = get_insi_settings()
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        """The generated document plus the client certificate, which the JSON operations take too."""
        if app.openapi_schema is None:
            schema = generate()
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            for scheme, description in SECURITY_SCHEMES.items():
                schemes.setdefault(scheme, description)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
    return app
