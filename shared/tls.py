"""The sandbox's certificate authority, the certificates it issues, and client certificates over HTTPS.

Files (PEM; private keys mode 0600), under ``<data_dir>/tls/``:

- ``ca.pem`` / ``ca-key.pem``: the sandbox CA, made on first use and kept (ten years). Clients trust
  ``ca.pem`` to reach the sandbox over HTTPS; the sandbox trusts the client certificates it signed.
- ``server.pem`` / ``server-key.pem``: the HTTPS server's certificate for the host names it is reached
  by (re-issued when a name is missing, when it expires within 30 days, or when the CA changed).

Client certificates (``issue_client_certificate``, the ``esante cert`` command) are written where asked:
``<CN>.pem``, ``<CN>-key.pem``, and ``<CN>.p12`` (PKCS#12 with the CA, for clients that load a keystore;
3DES / SHA-1 protection so that older TLS stacks read it too), plus a copy of ``ca.pem``.

Every file is written to a temporary name and renamed into place under an exclusive lock, so that two
processes starting together never overwrite each other. A file that exists but cannot be read stops
with an error instead of being replaced.

Reading the client certificate in the app: uvicorn does not put the peer certificate in the ASGI
scope. ``tls_http_protocol()`` is uvicorn's httptools protocol with one addition: when the connection
is TLS it fills the ASGI TLS extension (``scope["extensions"]["tls"]``: ``client_cert_chain``,
``client_cert_name``, ``tls_version``...) once per connection, after the handshake; ``client_certificate
(scope)`` reads it. ``uvicorn_tls_options()`` gives the ``uvicorn.Config`` arguments that serve HTTPS with
an optional client certificate (a client without one may still use a bearer token).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.files import exclusive, write_atomically

if TYPE_CHECKING:
    from shared.config import SandboxSettings

TLS_DIRNAME = "tls"
CA_NAME = "esante-sandbox test CA"
CA_LIFETIME = dt.timedelta(days=3650)
SERVER_LIFETIME = dt.timedelta(days=730)
CLIENT_LIFETIME = dt.timedelta(days=1095)
RENEW_BEFORE = dt.timedelta(days=30)
DEFAULT_P12_PASSWORD = "esante"
CN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
"""Common names the sandbox issues (letters, digits, space, dot, underscore, hyphen; 64 at most)."""

_LOCK_FILE = ".lock"
_TLS_VERSIONS = {"TLSv1": 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


class CertificateFileError(RuntimeError):
    """A certificate or key file exists but cannot be used; it is never replaced behind one's back."""


@dataclass(frozen=True, slots=True)
class SandboxCA:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    path: Path


@dataclass(frozen=True, slots=True)
class CertificateFiles:
    certificate: Path
    key: Path
    p12: Path | None = None
    ca: Path | None = None


# --- files --------------------------------------------------------------------------------------------


def tls_dir(data_dir: Path) -> Path:
    folder = data_dir / TLS_DIRNAME
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        # The sandbox wrote this key itself: the checks of its mathematics (30-40 ms a start) are skipped.
        key = serialization.load_pem_private_key(
            path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as exc:
        raise CertificateFileError(f"{path} is not a readable PEM private key; move it away") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateFileError(f"{path} is not an RSA key; move it away")
    return key


def _load_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as exc:
        raise CertificateFileError(f"{path} is not a readable PEM certificate; move it away") from exc


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the CA -------------------------------------------------------------------------------------------


def ensure_ca(data_dir: Path) -> SandboxCA:
    """The sandbox CA of ``data_dir``, made on first use (``tls/ca.pem``, ``tls/ca-key.pem``)."""
    folder = tls_dir(data_dir)
    cert_path, key_path = folder / "ca.pem", folder / "ca-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        with exclusive(folder / _LOCK_FILE):
            if not (cert_path.exists() and key_path.exists()):
                key = _new_key()
                name = x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "esante-sandbox"),
                        x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                    ]
                )
                now = _now()
                certificate = (
                    x509.CertificateBuilder()
                    .subject_name(name)
                    .issuer_name(name)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - dt.timedelta(days=1))
                    .not_valid_after(now + CA_LIFETIME)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(
                        x509.KeyUsage(
                            digital_signature=False,
                            content_commitment=False,
                            key_encipherment=False,
                            data_encipherment=False,
                            key_agreement=False,
                            key_cert_sign=True,
                            crl_sign=True,
                            encipher_only=False,
                            decipher_only=False,
                        ),
                        critical=True,
                    )
                    .add_extension(
                        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
                    )
                    .sign(key, hashes.SHA256())
                )
                write_atomically(key_path, _pem_key(key))
                write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    certificate = _load_certificate(cert_path)
    key = _load_key(key_path)
    if certificate.public_key() != key.public_key():
        raise CertificateFileError(f"{cert_path} does not belong to {key_path}; move both away")
    return SandboxCA(certificate, key, cert_path)


def _issue(
    ca: SandboxCA,
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    lifetime: dt.timedelta,
    usage: x509.ObjectIdentifier,
    names: Sequence[x509.GeneralName] = (),
) -> x509.Certificate:
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
    return builder.sign(ca.key, hashes.SHA256())


# --- the server certificate ---------------------------------------------------------------------------


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _server_is_current(path: Path, ca: SandboxCA, names: list[x509.GeneralName]) -> bool:
    certificate = _load_certificate(path)
    if (
        certificate.issuer != ca.certificate.subject
        or certificate.not_valid_after_utc - RENEW_BEFORE < _now()
    ):
        return False
    try:
        certificate.verify_directly_issued_by(ca.certificate)
    except (ValueError, TypeError, InvalidSignature):  # signed by another CA of the same name
        return False
    try:
        present = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return all(name in present for name in names)


def server_certificate(data_dir: Path, hosts: Sequence[str]) -> CertificateFiles:
    """The HTTPS certificate for ``hosts`` (``localhost`` and ``127.0.0.1`` always included)."""
    ca = ensure_ca(data_dir)
    folder = tls_dir(data_dir)
    cert_path, key_path = folder / "server.pem", folder / "server-key.pem"
    wanted = list(dict.fromkeys([*hosts, "localhost", "127.0.0.1"]))
    names = [_general_name(h) for h in wanted if h not in ("", "0.0.0.0", "::")]
    with exclusive(folder / _LOCK_FILE):
        if not (cert_path.exists() and key_path.exists() and _server_is_current(cert_path, ca, names)):
            key = _new_key()
            subject = x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "esante-sandbox"),
                    x509.NameAttribute(NameOID.COMMON_NAME, wanted[0][:64]),
                ]
            )
            certificate = _issue(ca, key, subject, SERVER_LIFETIME, ExtendedKeyUsageOID.SERVER_AUTH, names)
            write_atomically(key_path, _pem_key(key))
            write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return CertificateFiles(certificate=cert_path, key=key_path, ca=ca.path)


# --- client certificates ------------------------------------------------------------------------------


def issue_client_certificate(
    data_dir: Path,
    common_name: str,
    out_dir: Path,
    *,
    organisation: str = "esante-sandbox test organisation",
    password: str = DEFAULT_P12_PASSWORD,
) -> CertificateFiles:
    """A client certificate signed by the sandbox CA, written to ``out_dir`` (PEM, key, PKCS#12, CA).

    The CN is the access level for services that read it (INSi: ``INSI-AUTO`` or ``INSI-MANU``); any
    CN matching ``CN_PATTERN`` may be issued, e.g. to rehearse a refusal.
    """
    if not CN_PATTERN.fullmatch(common_name):
        raise ValueError(f"CN {common_name!r} must match {CN_PATTERN.pattern}")
    ca = ensure_ca(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    key = _new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    certificate = _issue(ca, key, subject, CLIENT_LIFETIME, ExtendedKeyUsageOID.CLIENT_AUTH)
    stem = common_name.replace(" ", "_")
    files = CertificateFiles(
        certificate=out_dir / f"{stem}.pem",
        key=out_dir / f"{stem}-key.pem",
        p12=out_dir / f"{stem}.p12",
        ca=out_dir / "ca.pem",
    )
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        common_name.encode(), key, certificate, [ca.certificate], encryption
    )
    assert files.p12 is not None
    assert files.ca is not None
    write_atomically(files.key, _pem_key(key))
    write_atomically(files.certificate, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    write_atomically(files.p12, p12)
    write_atomically(files.ca, ca.certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return files


# --- the client certificate of a request --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """The verified client certificate of an HTTPS request: its subject (RFC 4514) and CN."""

    subject: str
    common_name: str | None


@lru_cache(maxsize=1024)
def _read_pem(pem: str) -> ClientCertificate:
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else None
    return ClientCertificate(subject=certificate.subject.rfc4514_string(), common_name=common_name)


def client_certificate(scope: dict[str, Any] | Any) -> ClientCertificate | None:
    """The client certificate the TLS layer verified for this request (ASGI TLS extension), if any."""
    tls = (scope.get("extensions") or {}).get("tls")
    if not tls:
        return None
    chain = tls.get("client_cert_chain") or ()
    if not chain:
        return None
    return _read_pem(chain[0])


def tls_extension(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> dict[str, Any] | None:
    """The ASGI TLS extension of a connection, from its SSL object (None for plain HTTP)."""
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    chain: list[str] = []
    name: str | None = None
    if der:
        chain = [ssl.DER_cert_to_PEM_cert(der)]
        name = _read_pem(chain[0]).subject
    version = ssl_object.version()
    return {
        "server_cert": None,
        "client_cert_chain": chain,
        "client_cert_name": name,
        "client_cert_error": None,
        "tls_version": _TLS_VERSIONS.get(version or ""),
        "cipher_suite": None,
    }


@lru_cache(maxsize=1)
def tls_http_protocol() -> type[Any]:
    """uvicorn's httptools HTTP protocol, filling the ASGI TLS extension of every request on TLS.

    The peer certificate is read once per connection, in ``connection_made`` (after the handshake);
    each request's scope then carries it. uvicorn itself does not implement the extension.
    """
    import asyncio

    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class TlsHttpToolsProtocol(HttpToolsProtocol):
        _tls: dict[str, Any] | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._tls = tls_extension(transport.get_extra_info("ssl_object"))

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._tls is not None:
                self.scope["extensions"] = {"tls": cast("dict[object, object]", self._tls)}

    return TlsHttpToolsProtocol


def server_hosts(settings: SandboxSettings) -> list[str]:
    """The names the server certificate carries: the host the sandbox listens on, the host of its public
    URL, and ``ESANTE_TLS_SANS`` (``server_certificate`` adds localhost and 127.0.0.1)."""
    public = urlsplit(settings.base_url).hostname
    return list(dict.fromkeys(h for h in (settings.host, public, *settings.tls_sans) if h))


def uvicorn_tls_options(data_dir: Path, hosts: Sequence[str]) -> dict[str, Any]:
    """``uvicorn.Config`` arguments: HTTPS with the sandbox's server certificate, a client certificate
    asked for and verified against the sandbox CA when given (optional), and the TLS extension."""
    files = server_certificate(data_dir, hosts)
    return {
        "ssl_certfile": str(files.certificate),
        "ssl_keyfile": str(files.key),
        "ssl_ca_certs": str(files.ca),
        "ssl_cert_reqs": ssl.CERT_OPTIONAL,
        "http": tls_http_protocol(),
    }
