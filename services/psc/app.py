"""The psc app: ProSanté Connect (professionals) at its root, Mon espace santé (patients) under /patients."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from services.psc.keys import key_ring
from services.psc.router import build_router
from shared.app import create_service_app
from shared.runtime import Runtime
from shared.tenancy import TENANT_HEADER

DESCRIPTION = """\
OpenID Connect provider of the sandbox, in the Keycloak layout ProSanté Connect uses
(`/protocol/openid-connect/auth`, `token`, `userinfo`, `token/introspect`, `certs`, `logout`).

* **Professionals** (CPS, e-CPS, CPE): discovery at `/.well-known/openid-configuration` (alias
  `/.well-known/wallet-openid-configuration`); the login page lists the test professionals. The
  authorization request needs `state` and `nonce`, as ProSanté Connect does. userinfo takes the access
  token in the Authorization header, or on a POST as the form field `access_token` (RFC 6750 §2.2, what
  pyoidc sends by default), not both.
* **Patients** (Mon espace santé): the same endpoints under `/patients`; subject = INS.
* **A legal representative acting for a minor** (the sandbox's own parameter; ameli.fr: the parent
  activates the child's profile « sur son propre compte », « les 2 profils seront accessibles depuis le
  compte du parent »): the parent logs in with their own identity and adds `represented_ins=<INS of the
  child>` to the authorization request (or to the `client_credentials` form). psc checks that the
  caller is one of the child's legal representatives (`not-representative` otherwise; `access_denied`
  back to the client in the code flow, `invalid_grant` at the token endpoint). The tokens of that login
  (access, ID, refreshed ones) keep `sub` = the parent's INS and add `represented_ins` (the child's INS)
  and `represented` (the child's names and birth date); userinfo returns both. The DMP's and MSSanté's
  patient routes then act on the child's profile and mailbox, and check the representation and the
  minority again at each call.
* **CI**: `client_credentials` with `login_hint` = RPPS or IdNat (INS for patients) and `card_mode`.
  Documented client: `esante-ci` / `esante-ci` (every grant, any `http://localhost:*` redirect URI).
* **Browsers**: pages served from a loopback address (`localhost`, `127.0.0.1`, `[::1]`, any port) may
  call the endpoints from JavaScript (CORS), as Keycloak allows a client's web origins: every service's
  docs page logs in that way when psc has a port of its own (docker-compose).
"""

LOOPBACK_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?"


def on_startup(runtime: Runtime) -> None:
    """Make (first start) or load the signing keys, once per process."""
    key_ring(runtime.settings.data_dir, runtime.settings.signing_alg)


def create_app(runtime: Runtime) -> FastAPI:
    app = create_service_app(
        name="psc",
        title="ProSanté Connect (sandbox)",
        description=DESCRIPTION,
        runtime=runtime,
        routers=[build_router(runtime, "professional"), build_router(runtime, "patient")],
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=LOOPBACK_ORIGINS,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", TENANT_HEADER],
    )
    return app
