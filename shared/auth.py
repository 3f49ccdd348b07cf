"""Bearer-token verification against psc's JWKS, and the typed actor every service works with.

Access tokens are JWTs signed by ``psc`` (ES256 by default, RS256 possible), header ``typ: at+jwt``
(RFC 9068), audience ``esante-sandbox``. Expiry is judged by the tenant's clock, not the machine's.
A verified token is cached by its exact text, so a repeated token costs a dictionary lookup; any other
text, forged or not, goes through the full check.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import jwt
from jwt import PyJWK

from shared.errors import Forbidden, Unauthenticated

ACCESS_TOKEN_AUDIENCE = "esante-sandbox"
ACCESS_TOKEN_TYPE = "at+jwt"
ALGORITHMS = ("ES256", "RS256")

CardMode = Literal["cps", "e-cps", "cpe"]
CARD_MODES: tuple[CardMode, ...] = ("cps", "e-cps", "cpe")


@dataclass(frozen=True, slots=True)
class StructureRef:
    id: str
    raison_sociale: str
    idnat: str
    finess: str | None = None
    kind: str | None = None
    secteur_activite: str | None = None


@dataclass(frozen=True, slots=True)
class ProfessionalActor:
    """A professional (or a CPE-holding secretary) authenticated by ProSanté Connect."""

    idnat: str
    rpps: str | None
    nom: str
    prenom: str
    profession: str | None
    savoir_faire: str | None
    structure: StructureRef | None
    card: CardMode
    regulation: bool
    client_id: str
    kind: Literal["professional"] = "professional"

    @property
    def acts_in_person(self) -> bool:
        """CPS and e-CPS identify a health professional; a CPE card only an establishment's staff."""
        return self.card in ("cps", "e-cps") and self.profession is not None


@dataclass(frozen=True, slots=True)
class PatientActor:
    """A person logged in to Mon espace santé (subject = INS); ``represented_ins``: the minor this legal
    representative acts for (the token's ``represented_ins`` claim, chosen at login), else None."""

    ins: str
    nom: str
    prenom: str
    client_id: str
    represented_ins: str | None = None
    birthdate: str | None = None
    """The birth date of the person whose Mon espace santé the token acts on (the represented minor's)."""
    kind: Literal["patient"] = "patient"

    @property
    def profile_ins(self) -> str:
        """The INS whose Mon espace santé the token acts on: the represented minor's, or one's own."""
        return self.represented_ins or self.ins


@dataclass(frozen=True, slots=True)
class ServiceActor:
    """A software client acting for itself (client_credentials without a professional)."""

    client_id: str
    kind: Literal["service"] = "service"


Actor = ProfessionalActor | PatientActor | ServiceActor


REALM = "esante-sandbox"
_UNQUOTABLE = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")
"""What RFC 6750 §3 does not allow in ``error_description`` (quotes, backslashes, non-ASCII)."""


class TokenError(Unauthenticated):
    """A 401 with ``WWW-Authenticate`` as RFC 6750 §3 writes it: ``error="invalid_token"`` and the reason,
    except when the request carried no token at all (§3.1: then no error code)."""

    code = "token-invalid"

    def __init__(self, detail: str, *, rule: str | None = None, code: str | None = None) -> None:
        super().__init__(detail, rule=rule, code=code)
        challenge = f'Bearer realm="{REALM}"'
        if self.code != "token-missing":
            reason = _UNQUOTABLE.sub("?", f"{self.code}: {detail}")[:300]
            challenge += f', error="invalid_token", error_description="{reason}"'
        self.headers = {"WWW-Authenticate": challenge}


def _fail(code: str, detail: str) -> TokenError:
    return TokenError(detail, code=code, rule="token")


_INSTANT_MAX = 253_402_300_800  # 10000-01-01: a NumericDate beyond is not a date


def _numeric_date(claims: dict[str, Any], name: str) -> float | None:
    """A NumericDate claim (RFC 7519 §2): a JSON number of seconds, or absent; anything else is refused."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail("token-claims", f"{name} is not a number")
    if not math.isfinite(value) or not 0 <= value < _INSTANT_MAX:
        raise _fail("token-claims", f"{name} is not a date")
    return float(value)


def _obj(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail("token-claims", f"{name} is not an object")
    return value


def _text(value: Any, name: str) -> str | None:
    """An optional string claim: ``None`` when absent or empty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail("token-claims", f"{name} is not a string")
    return value


def _first(value: Any, name: str) -> dict[str, Any]:
    """The first object of a list claim (``exercices``, ``activities``), ``{}`` when absent or empty."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _fail("token-claims", f"{name} is not a list")
    return _obj(value[0], f"{name}[0]") if value else {}


def _profile_birthdate(claims: dict[str, Any]) -> str | None:
    represented = claims.get("represented") if claims.get("represented_ins") else None
    found = represented.get("birthdate") if isinstance(represented, dict) else claims.get("birthdate")
    return str(found) if found else None


def actor_from_claims(claims: dict[str, Any], patient_issuer: str) -> Actor:
    """Build the typed actor from a verified access token's claims."""
    client_id = str(claims.get("azp") or claims.get("client_id") or "")
    if claims["iss"] == patient_issuer:
        return PatientActor(
            ins=str(claims["sub"]),
            nom=str(claims.get("family_name", "")),
            prenom=str(claims.get("given_name", "")),
            client_id=client_id,
            represented_ins=str(claims["represented_ins"]) if claims.get("represented_ins") else None,
            birthdate=_profile_birthdate(claims),
        )
    idnat = claims.get("SubjectNameID")
    if not idnat:
        return ServiceActor(client_id=client_id)
    exercice = _first(_obj(claims.get("SubjectRefPro"), "SubjectRefPro").get("exercices"), "exercices")
    activity = _first(exercice.get("activities"), "activities")
    structure = None
    if activity.get("identifiantTechniqueDeLaStructure"):
        structure = StructureRef(
            id=str(activity["identifiantTechniqueDeLaStructure"]),
            raison_sociale=_text(activity.get("raisonSocialeSite"), "raisonSocialeSite") or "",
            idnat=_text(activity.get("idNatStructure"), "idNatStructure") or "",
            finess=_text(activity.get("numeroFinessSite"), "numeroFinessSite"),
            kind=_text(activity.get("typeStructure"), "typeStructure"),
            secteur_activite=_text(activity.get("codeSecteurDactivite"), "codeSecteurDactivite"),
        )
    card = str(claims.get("card_mode", "cps"))
    if card not in CARD_MODES:
        raise _fail("token-claims", f"unknown card_mode {card!r}")
    return ProfessionalActor(
        idnat=str(idnat),
        rpps=str(idnat)[1:] if str(idnat).startswith("8") else None,
        nom=str(claims.get("family_name", "")),
        prenom=str(claims.get("given_name", "")),
        profession=_text(exercice.get("codeProfession"), "codeProfession"),
        savoir_faire=_text(exercice.get("codeSavoirFaire"), "codeSavoirFaire"),
        structure=structure,
        card=card,
        regulation=claims.get("Acces_Regulation_Medicale") == "VRAI",
        client_id=client_id,
    )


JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class _Cached:
    exp: float
    nbf: float
    actor: Actor


@dataclass
class TokenVerifier:
    """Verifies access tokens of both psc issuers (professionals and patients)."""

    issuer: str
    patient_issuer: str
    fetch_jwks: JwksFetcher
    audience: str = ACCESS_TOKEN_AUDIENCE
    cache_size: int = 20_000
    _keys: dict[str, PyJWK] = field(default_factory=dict)
    _fetched_at: float = float("-inf")
    _cache: dict[str, _Cached] = field(default_factory=dict)
    _fetch_lock: asyncio.Lock | None = None

    async def _key(self, kid: str) -> PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        # An unknown kid may be a new key: refetch, but not more than once a second.
        if time.monotonic() - self._fetched_at > 1.0:
            if self._fetch_lock is None:
                self._fetch_lock = asyncio.Lock()
            async with self._fetch_lock:
                if kid not in self._keys:
                    jwks = await self.fetch_jwks()
                    self._keys = {k["kid"]: PyJWK(k) for k in jwks.get("keys", []) if "kid" in k}
                    self._fetched_at = time.monotonic()
        key = self._keys.get(kid)
        if key is None:
            raise _fail("token-signature", "the token's key id is not in the issuer's JWKS")
        return key

    async def verify(self, token: str, now: datetime) -> Actor:
        """Check signature, algorithm, type, issuer, audience and the time window at ``now``."""
        cached = self._cache.get(token)
        if cached is None:
            cached = await self._verify_uncached(token)
            if self.cache_size:
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()
                self._cache[token] = cached
        instant = now.timestamp()
        if instant >= cached.exp:
            raise _fail("token-expired", "the access token has expired (tenant clock)")
        if instant + 60 < cached.nbf:  # 60 s of leeway for clocks set back a little
            raise _fail(
                "token-not-yet-valid", "the access token is not valid yet: iat or nbf after the tenant clock"
            )
        return cached.actor

    async def _verify_uncached(self, token: str) -> _Cached:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise _fail("token-malformed", f"not a JWT: {exc}") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise _fail("token-algorithm", f"algorithm {alg!r} is not accepted (ES256, RS256)")
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise _fail("token-type", "not an access token (header typ must be at+jwt)")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_iss": False,
                    "require": ["exp", "iss", "sub"],
                },
            )
        except jwt.InvalidAudienceError as exc:
            raise _fail("token-audience", f"wrong audience: {exc}") from exc
        except jwt.InvalidSignatureError as exc:
            raise _fail("token-signature", "the signature does not verify") from exc
        except (jwt.exceptions.InvalidSubjectError, jwt.InvalidIssuedAtError) as exc:
            raise _fail("token-claims", str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            raise _fail("token-malformed", str(exc)) from exc
        if claims["iss"] not in (self.issuer, self.patient_issuer):
            raise _fail("token-issuer", f"unknown issuer {claims['iss']!r}")
        if not isinstance(claims["sub"], str) or not isinstance(claims["iss"], str):
            raise _fail("token-claims", "sub and iss are strings")
        exp = _numeric_date(claims, "exp")
        assert exp is not None  # required above
        issued = _numeric_date(claims, "iat") or 0.0
        not_before = _numeric_date(claims, "nbf") or 0.0
        actor = actor_from_claims(claims, self.patient_issuer)
        return _Cached(exp=exp, nbf=max(issued, not_before), actor=actor)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise _fail("token-missing", "an Authorization: Bearer <token> header is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _fail("token-malformed", "the Authorization header must be 'Bearer <token>'")
    return token.strip()


def require_professional(actor: Actor, *, in_person: bool = False) -> ProfessionalActor:
    """The actor as a professional; ``in_person`` also refuses CPE cards (establishment staff)."""
    if not isinstance(actor, ProfessionalActor):
        raise Forbidden("this operation needs a professional's token", rule="actor-kind")
    if in_person and not actor.acts_in_person:
        raise Forbidden("a CPE card cannot act as a health professional", rule="card-cpe")
    return actor


def require_patient(actor: Actor) -> PatientActor:
    if not isinstance(actor, PatientActor):
        raise Forbidden("this operation needs a patient token (Mon espace santé)", rule="actor-kind")
    return actor
