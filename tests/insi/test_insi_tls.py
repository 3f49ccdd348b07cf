"""The sandbox CA and its certificates (shared/tls.py), `esante cert`, and INSi over real HTTPS with client
certificates: uvicorn with the TLS protocol hook, in a thread, on the suite's storage."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from insi_wire import RESULTAT, envelope, fault, recsans, text, xml
from typer.testing import CliRunner

from services.sandbox.cli import app as cli_app
from shared.config import SandboxSettings
from shared.runtime import Runtime
from shared.tls import (
    client_certificate,
    ensure_ca,
    issue_client_certificate,
    server_certificate,
    tls_extension,
    uvicorn_tls_options,
)

ADRUN = {"nom_naissance": "ADRUN", "prenoms": ["ZOE"], "sexe": "F", "date_naissance": "1975-12-31"}


def test_the_ca_is_made_once_and_kept(tmp_path: Path) -> None:
    first = ensure_ca(tmp_path)
    again = ensure_ca(tmp_path)
    assert first.certificate == again.certificate
    assert (tmp_path / "tls" / "ca-key.pem").stat().st_mode & 0o777 == 0o600
    constraints = first.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca is True
    assert first.certificate.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=3000)


def test_a_client_certificate_carries_its_cn_and_is_signed_by_the_ca(tmp_path: Path) -> None:
    ca = ensure_ca(tmp_path)
    files = issue_client_certificate(tmp_path, "INSI-AUTO", tmp_path / "out", password="secret")
    certificate = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    certificate.verify_directly_issued_by(ca.certificate)
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "INSI-AUTO"
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert files.key.stat().st_mode & 0o777 == 0o600
    assert files.ca is not None
    assert files.ca.read_bytes() == ca.path.read_bytes()
    assert files.p12 is not None
    bundle = pkcs12.load_pkcs12(files.p12.read_bytes(), b"secret")
    assert bundle.cert is not None
    assert bundle.cert.certificate == certificate
    assert [c.certificate for c in bundle.additional_certs] == [ca.certificate]
    with pytest.raises(ValueError, match="PKCS12"):
        pkcs12.load_pkcs12(files.p12.read_bytes(), b"wrong")


@pytest.mark.parametrize("cn", ["", "CN=INSI-AUTO,O=x", "x" * 65, "INSI/AUTO", "-AUTO"])
def test_odd_common_names_are_refused(tmp_path: Path, cn: str) -> None:
    with pytest.raises(ValueError, match="CN"):
        issue_client_certificate(tmp_path, cn, tmp_path / "out")


def test_the_server_certificate_covers_its_hosts_and_is_reissued_for_a_new_one(tmp_path: Path) -> None:
    first = server_certificate(tmp_path, ["127.0.0.1"])
    issued = x509.load_pem_x509_certificate(first.certificate.read_bytes())
    names = issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert x509.DNSName("localhost") in names
    assert issued == x509.load_pem_x509_certificate(
        server_certificate(tmp_path, ["localhost"]).certificate.read_bytes()
    )
    wider = x509.load_pem_x509_certificate(
        server_certificate(tmp_path, ["insi.example"]).certificate.read_bytes()
    )
    assert wider != issued
    assert (
        x509.DNSName("insi.example")
        in wider.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    )


def test_client_certificate_reads_the_asgi_tls_extension(tmp_path: Path) -> None:
    pem = issue_client_certificate(tmp_path, "INSI-MANU", tmp_path / "out").certificate.read_text()
    read = client_certificate({"extensions": {"tls": {"client_cert_chain": [pem]}}})
    assert read is not None
    assert read.common_name == "INSI-MANU"
    assert "CN=INSI-MANU" in read.subject
    assert client_certificate({"extensions": {"tls": {"client_cert_chain": []}}}) is None
    assert client_certificate({"extensions": {}}) is None
    assert client_certificate({}) is None
    assert tls_extension(None) is None


def test_esante_cert_writes_the_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app, ["cert", "--cn", "INSI-MANU", "--data-dir", str(tmp_path), "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    for name in ("INSI-MANU.pem", "INSI-MANU-key.pem", "INSI-MANU.p12", "ca.pem"):
        assert (tmp_path / "c" / name).exists()
    assert (tmp_path / "tls" / "ca.pem").exists()


def test_esante_cert_refuses_an_odd_cn(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["cert", "--cn", "a/b", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "tls" / "clients").exists()


# --- INSi over real HTTPS ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HttpsSandbox:
    def __init__(self, base: str, ca: Path, certs: Path, stranger: Path) -> None:
        self.base = base
        self.ca = ca
        self.certs = certs
        self.stranger = stranger
        """Certificates of another CA (INSI-AUTO all the same)."""

    def client(self, cn: str | None = None, ca: Path | None = None) -> httpx.Client:
        """A client trusting the sandbox CA, presenting the certificate ``cn`` (of ``ca``'s folder)."""
        context = ssl.create_default_context(cafile=str(self.ca))
        if cn is not None:
            folder = ca or self.certs
            context.load_cert_chain(str(folder / f"{cn}.pem"), str(folder / f"{cn}-key.pem"))
        return httpx.Client(base_url=self.base, verify=context, headers={"X-Insi-Idam": "ESANTE-SANDBOX"})


@pytest.fixture(scope="module")
def https(
    sandbox_settings: SandboxSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpsSandbox]:
    import uvicorn

    from services.sandbox.composition import build_root_app
    from services.sandbox.provisioning import prepare

    runtime = Runtime(sandbox_settings)
    prepare(runtime)
    certs = tmp_path_factory.mktemp("https-certs")
    for cn in ("INSI-AUTO", "INSI-MANU", "AUTRE"):
        issue_client_certificate(sandbox_settings.data_dir, cn, certs)
    stranger = tmp_path_factory.mktemp("stranger")
    issue_client_certificate(stranger, "INSI-AUTO", stranger / "certs")
    port = _free_port()
    config = uvicorn.Config(
        build_root_app(runtime, prepare_on_start=False),
        host="127.0.0.1",
        port=port,
        log_level="critical",
        lifespan="off",
        ws="none",
        **uvicorn_tls_options(sandbox_settings.data_dir, ["127.0.0.1"]),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="insi-https", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    sandbox = HttpsSandbox(
        f"https://127.0.0.1:{port}", sandbox_settings.data_dir / "tls" / "ca.pem", certs, stranger / "certs"
    )
    try:
        yield sandbox
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


@pytest.mark.parametrize("cn", ["INSI-AUTO", "INSI-MANU"])
def test_an_organisation_certificate_opens_insi_over_https(https: HttpsSandbox, cn: str) -> None:
    with https.client(cn) as http:
        answer = http.post("/insi/v1/search-by-traits", json=ADRUN)
        assert answer.json()["code_cr"] == "00"
        soap = http.post(
            "/insi/soap",
            content=envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")),
            headers={"Content-Type": "application/soap+xml"},
        )
        assert text(xml(soap), f"{RESULTAT}/r:CR/r:CodeCR") == "00"


def test_another_cn_over_https_gets_desir_560(https: HttpsSandbox) -> None:
    with https.client("AUTRE") as http:
        refused = http.post("/insi/v1/search-by-traits", json=ADRUN)
        assert (refused.status_code, refused.json()["error"]) == (403, "desir_560")
        soap = http.post(
            "/insi/soap",
            content=envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31")),
            headers={"Content-Type": "application/soap+xml"},
        )
        assert fault(soap) == ("soap:Sender", "soap:siram_100", "desir_560")


def test_https_without_a_certificate_takes_a_token(https: HttpsSandbox) -> None:
    with https.client() as http:
        assert http.post("/insi/v1/search-by-traits", json=ADRUN).json()["error"] == "token-missing"
        pro = http.get("/sandbox/population/professionals", params={"profession": "10", "limit": 1})
        form = {
            "grant_type": "client_credentials",
            "client_id": "esante-ci",
            "client_secret": "esante-ci",
            "login_hint": pro.json()["items"][0]["idnat"],
        }
        token = http.post("/psc/protocol/openid-connect/token", data=form).json()["access_token"]
        answer = http.post(
            "/insi/v1/search-by-traits", json=ADRUN, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.json()["code_cr"] == "00"


def test_a_certificate_from_another_ca_fails_the_handshake(https: HttpsSandbox) -> None:
    with https.client("INSI-AUTO", ca=https.stranger) as http, pytest.raises(httpx.TransportError):
        http.post("/insi/v1/search-by-traits", json=ADRUN)
