"""psc's errors. The OAuth 2.0 endpoints answer in their protocol's vocabulary (RFC 6749 §5.2):
``{"error": "invalid_grant", "error_description": "...", "rule": "..."}``; ``rule`` is the sandbox's
extra member naming the rule that refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from shared.errors import Forbidden, NotFound, SandboxError

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2 error answer."""

    error: str = Field(examples=["invalid_grant"])
    error_description: str = Field(examples=["the authorization code was already used"])
    rule: str | None = Field(default=None, description="Sandbox rule that refused", examples=["code-replay"])


class OAuthError(SandboxError):
    """An OAuth 2.0 error of the token or introspection endpoint."""

    status = 400
    code = "invalid_request"
    headers = _NO_STORE

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "error_description": self.detail}
        if self.rule:
            body["rule"] = self.rule
        return body


class InvalidRequest(OAuthError):
    code = "invalid_request"


class InvalidClient(OAuthError):
    status = 401
    code = "invalid_client"
    headers = {**_NO_STORE, "WWW-Authenticate": 'Basic realm="psc"'}  # noqa: RUF012


class InvalidGrant(OAuthError):
    code = "invalid_grant"


class UnauthorizedClient(OAuthError):
    code = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"


class InvalidScope(OAuthError):
    code = "invalid_scope"


class SessionCompromised(InvalidGrant):
    """A used code or a rotated refresh token came back: its session is revoked (RFC 6749 §10.5,
    OAuth 2.0 Security BCP §4.14). The revocation must be kept even though the request fails."""

    def __init__(self, detail: str, *, session_id: str, rule: str) -> None:
        super().__init__(detail, rule=rule)
        self.session_id = session_id


class AuthorizeError(SandboxError):
    """A refused authorization (or logout) request.

    With ``redirect_uri`` (validated for the client) it goes back to the client as
    ``?error=...&error_description=...&state=...`` (RFC 6749 §4.1.2.1); without, it is shown as a page.
    """

    status = 400
    code = "invalid_request"

    def __init__(
        self,
        error: str,
        detail: str,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(detail, rule=rule, code=error)
        self.redirect_uri = redirect_uri
        self.state = state


class NotAProfessional(Forbidden):
    code = "userinfo-subject"


class NotAPatient(Forbidden):
    code = "userinfo-subject"


class UnknownClient(NotFound):
    """The CLI named a client that does not exist (the HTTP endpoints answer invalid_client)."""

    code = "client-unknown"
