"""Wire models of psc, for the OpenAPI documentation (the hot paths serialise by hand)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TokenForm(BaseModel):
    """The token endpoint's ``application/x-www-form-urlencoded`` body (RFC 6749 §4.1.3, §4.4, §6)."""

    grant_type: str = Field(
        examples=["client_credentials"], description="authorization_code, refresh_token or client_credentials"
    )
    client_id: str | None = Field(default=None, description="With client_secret, when not using HTTP Basic")
    client_secret: str | None = None
    code: str | None = Field(default=None, description="authorization_code: the code")
    redirect_uri: str | None = Field(default=None, description="authorization_code: as in the request")
    code_verifier: str | None = Field(default=None, description="authorization_code: PKCE verifier")
    refresh_token: str | None = Field(default=None, description="refresh_token: the refresh token")
    scope: str | None = Field(default=None, examples=["openid scope_all"])
    login_hint: str | None = Field(
        default=None,
        description="client_credentials: RPPS or IdNat of the professional (INS on the patient issuer)",
        examples=["810001234567"],
    )
    card_mode: str | None = Field(default=None, description="client_credentials: cps (default), e-cps or cpe")


class TokenRead(BaseModel):
    """RFC 6749 §5.1 answer."""

    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(examples=[3600])
    scope: str = Field(examples=["openid scope_all"])
    refresh_token: str | None = Field(default=None, description="authorization_code and refresh_token grants")
    id_token: str | None = Field(
        default=None, description="When the scope contains openid (not client_credentials)"
    )


class IntrospectionForm(BaseModel):
    token: str
    token_type_hint: str | None = Field(default=None, examples=["access_token"])


class IntrospectionRead(BaseModel):
    """RFC 7662 §2.2: ``active`` and, when active, the token's claims."""

    model_config = ConfigDict(extra="allow")

    active: bool


class Jwk(BaseModel):
    model_config = ConfigDict(extra="allow")

    kty: str
    kid: str
    use: str
    alg: str


class JwksRead(BaseModel):
    keys: list[Jwk]


class DiscoveryRead(BaseModel):
    """OpenID Provider Metadata (OIDC Discovery 1.0 §3)."""

    model_config = ConfigDict(extra="allow")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    introspection_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    grant_types_supported: list[str]
    code_challenge_methods_supported: list[str]
    acr_values_supported: list[str]
    scopes_supported: list[str]
    claims_supported: list[str]


class UserinfoRead(BaseModel):
    """ProSanté Connect userinfo (professionals) or Mon espace santé userinfo (patients)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "sub": "f:2f9e5a1c-0000-5000-8000-000000000000:810001234567",
                    "SubjectNameID": "810001234567",
                    "given_name": "Anne",
                    "family_name": "MARTIN",
                    "Acces_Regulation_Medicale": "FAUX",
                    "authMode": "CARD",
                    "card_mode": "cps",
                }
            ]
        },
    )

    sub: str


def form_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a form body parsed by hand."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": model.model_json_schema()}},
        }
    }
