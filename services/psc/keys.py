"""psc's signing keys: one EC P-256 key (ES256) and one RSA 2048 key (RS256) in ``<data_dir>/keys``.

The keys are made on the first start and kept: a restart, a second process or a second replica on the
same folder reuses them, so tokens stay verifiable. Files are PEM (PKCS#8), mode 0600, written to a
temporary file and renamed into place under an exclusive file lock, so two processes starting together
never overwrite each other and no reader ever sees half a key. A file that exists but cannot be read as
the expected key stops the start with an error: a key is never replaced behind the operator's back.

The key id (``kid``) is the key's RFC 7638 JWK thumbprint. Keys are parsed once per process and kept as
``cryptography`` key objects that pyjwt signs with directly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from shared.config import SandboxSettings
from shared.files import exclusive, write_atomically

Algorithm = Literal["ES256", "RS256"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

KEYS_DIRNAME = "keys"
KEY_FILES: dict[Algorithm, str] = {"ES256": "ec-p256.pem", "RS256": "rsa-2048.pem"}
_LOCK_FILE = ".lock"
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


class KeyFileError(RuntimeError):
    """A key file exists but is not the key it should be; psc refuses to start rather than replace it."""


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: SHA-256 of the required members, sorted, without whitespace, base64url."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class SigningKey:
    alg: Algorithm
    kid: str
    private_key: PrivateKey
    public_key: PublicKey
    public_jwk: dict[str, str]


def _public_jwk(alg: Algorithm, public_key: PublicKey) -> dict[str, str]:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        jwk: dict[str, str] = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    jwk = {k: str(v) for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
    return {**jwk, "kid": jwk_thumbprint(jwk), "use": "sig", "alg": alg}


def _signing_key(alg: Algorithm, private_key: PrivateKey) -> SigningKey:
    public_key = private_key.public_key()
    jwk = _public_jwk(alg, public_key)
    return SigningKey(alg=alg, kid=jwk["kid"], private_key=private_key, public_key=public_key, public_jwk=jwk)


class KeyRing:
    """The loaded keys: signs with the configured algorithm, publishes both public keys."""

    def __init__(self, keys: dict[Algorithm, SigningKey], signing_alg: Algorithm) -> None:
        self.keys = keys
        self.signing_alg = signing_alg
        self.current = keys[signing_alg]
        self._by_kid = {k.kid: k for k in keys.values()}
        self.jwks: dict[str, Any] = {"keys": [k.public_jwk for k in keys.values()]}
        self.jwks_json = json.dumps(self.jwks, separators=(",", ":")).encode()
        self._headers: dict[str, bytes] = {}

    def _header(self, typ: str) -> bytes:
        header = self._headers.get(typ)
        if header is None:
            fields = {"alg": self.current.alg, "kid": self.current.kid, "typ": typ}
            header = b64url(json.dumps(fields, separators=(",", ":")).encode())
            self._headers[typ] = header
        return header

    def sign_payload(self, payload: bytes, *, typ: str) -> str:
        """A compact JWS (RFC 7515) of the JSON ``payload`` with the current key, header ``typ`` and ``kid``.

        Signed with ``cryptography`` directly: on the token endpoint's hot path this costs half of what
        a generic JWT library does (no header merging, no re-serialisation)."""
        key = self.current.private_key
        signing_input = self._header(typ) + b"." + b64url(payload)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(key.sign(signing_input, _ECDSA_SHA256))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # JWS wants r || s (RFC 7518 §3.4)
        else:
            signature = key.sign(signing_input, _PKCS1V15, _SHA256)
        return (signing_input + b"." + b64url(signature)).decode("ascii")

    def sign(self, claims: dict[str, Any], *, typ: str) -> str:
        """A compact JWS of ``claims``."""
        return self.sign_payload(
            json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode(), typ=typ
        )

    def decode(self, token: str, **options: Any) -> dict[str, Any]:
        """Verify a JWS made by this ring (any of its keys); raises ``jwt.InvalidTokenError``."""
        header = jwt.get_unverified_header(token)
        key = self._by_kid.get(str(header.get("kid", "")))
        if key is None or header.get("alg") != key.alg:
            raise jwt.InvalidSignatureError("not signed by a key of this sandbox")
        claims: dict[str, Any] = jwt.decode(token, key.public_key, algorithms=[key.alg], **options)
        return claims


def _generate(alg: Algorithm) -> PrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _load(alg: Algorithm, path: Path) -> PrivateKey:
    try:
        # The sandbox wrote these keys itself (``ensure_keys``): the checks of an RSA key's mathematics
        # (about 35 ms, most of psc's start) are skipped; its type and size are still checked below.
        key = serialization.load_pem_private_key(
            path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as exc:
        raise KeyFileError(
            f"{path} is not a readable PEM private key; move it away to get a new one"
        ) from exc
    if alg == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    if alg == "RS256" and isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048:
        return key
    raise KeyFileError(f"{path} is not the {alg} key psc expects; move it away to get a new one")


def ensure_keys(keys_dir: Path) -> None:
    """Create the missing key files in ``keys_dir`` (never touching existing ones)."""
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    missing = [alg for alg, name in KEY_FILES.items() if not (keys_dir / name).exists()]
    if not missing:
        return
    with exclusive(keys_dir / _LOCK_FILE):
        for alg in missing:
            path = keys_dir / KEY_FILES[alg]
            if path.exists():  # another process made it while this one waited for the lock
                continue
            pem = _generate(alg).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            write_atomically(path, pem)


def load_key_ring(keys_dir: Path, signing_alg: Algorithm) -> KeyRing:
    """Ensure, then parse, the keys of ``keys_dir`` (no cache: see ``key_ring``)."""
    ensure_keys(keys_dir)
    keys = {alg: _signing_key(alg, _load(alg, keys_dir / name)) for alg, name in KEY_FILES.items()}
    return KeyRing(keys, signing_alg)


_rings: dict[tuple[Path, Algorithm], KeyRing] = {}
_rings_lock = threading.Lock()


def key_ring(data_dir: Path, signing_alg: Algorithm) -> KeyRing:
    """The process's key ring for ``data_dir``, loaded once."""
    cache_key = (data_dir.resolve(), signing_alg)
    ring = _rings.get(cache_key)
    if ring is None:
        with _rings_lock:
            ring = _rings.get(cache_key)
            if ring is None:
                ring = load_key_ring(cache_key[0] / KEYS_DIRNAME, signing_alg)
                _rings[cache_key] = ring
    return ring


def load_keyring(settings: SandboxSettings) -> KeyRing:
    """The process's key ring for ``settings`` (data folder and signing algorithm), loaded once."""
    return key_ring(settings.data_dir, settings.signing_alg)


def forget_key_rings() -> None:
    """Drop the loaded rings (a later ``key_ring`` reads the files again)."""
    with _rings_lock:
        _rings.clear()
