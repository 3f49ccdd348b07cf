"""Signing keys: made once, kept across restarts and processes, published in the JWKS."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import jwt
import pytest

from services.psc.app import create_app, on_startup
from services.psc.keys import (
    KEY_FILES,
    KEYS_DIRNAME,
    KeyFileError,
    forget_key_rings,
    jwk_thumbprint,
    key_ring,
    load_key_ring,
)
from shared.config import SandboxSettings
from shared.runtime import Runtime


def test_thumbprint_is_rfc7638() -> None:
    # The example key of RFC 7638 §3.1 and its published thumbprint.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
            "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
            "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
            "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_keys_are_created_private_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    ring = load_key_ring(folder, "ES256")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    contents = {}
    for name in KEY_FILES.values():
        path = folder / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        contents[name] = path.read_bytes()
    again = load_key_ring(folder, "ES256")
    assert {k.kid for k in again.keys.values()} == {k.kid for k in ring.keys.values()}
    assert {name: (folder / name).read_bytes() for name in KEY_FILES.values()} == contents
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_another_folder_gets_other_keys(tmp_path: Path) -> None:
    first = load_key_ring(tmp_path / "a", "ES256")
    second = load_key_ring(tmp_path / "b", "ES256")
    assert first.current.kid != second.current.kid


def test_a_missing_key_is_added_without_touching_the_other(tmp_path: Path) -> None:
    load_key_ring(tmp_path, "ES256")
    ec_pem = (tmp_path / KEY_FILES["ES256"]).read_bytes()
    rsa_kid = load_key_ring(tmp_path, "ES256").keys["RS256"].kid
    (tmp_path / KEY_FILES["RS256"]).unlink()
    ring = load_key_ring(tmp_path, "ES256")
    assert (tmp_path / KEY_FILES["ES256"]).read_bytes() == ec_pem
    assert ring.keys["RS256"].kid != rsa_kid


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    kids: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        try:
            barrier.wait()
            kids.append(load_key_ring(tmp_path, "ES256").current.kid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(kids) == 8
    assert len(set(kids)) == 1


_START_ONE = """
import sys
from pathlib import Path
from services.psc.keys import load_key_ring
print(load_key_ring(Path(sys.argv[1]), "ES256").current.kid)
"""


def test_separate_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _START_ONE, str(folder)],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    kids = {out.decode().strip() for out, _ in outputs}
    assert len(kids) == 1
    assert kids == {load_key_ring(folder, "ES256").current.kid}


def test_an_unreadable_key_stops_the_start_and_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILES["ES256"]
    path.write_bytes(b"not a key")
    with pytest.raises(KeyFileError, match="not a readable PEM"):
        load_key_ring(tmp_path, "ES256")
    assert path.read_bytes() == b"not a key"


def test_a_key_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    load_key_ring(tmp_path, "ES256")
    ec_file, rsa_file = tmp_path / KEY_FILES["ES256"], tmp_path / KEY_FILES["RS256"]
    ec_file.write_bytes(rsa_file.read_bytes())
    with pytest.raises(KeyFileError, match="not the ES256 key"):
        load_key_ring(tmp_path, "ES256")


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_signs_with_the_configured_algorithm(tmp_path: Path, alg: str) -> None:
    ring = load_key_ring(tmp_path, alg)  # type: ignore[arg-type]
    token = ring.sign({"sub": "x"}, typ="at+jwt")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": ring.keys[alg].kid, "typ": "at+jwt"}  # type: ignore[index]
    public = jwt.PyJWK(next(k for k in ring.jwks["keys"] if k["kid"] == header["kid"]))
    assert jwt.decode(token, public, algorithms=[alg]) == {"sub": "x"}


async def _jwks(runtime: Runtime) -> dict[str, object]:
    app = create_app(runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://psc") as http:
        response = await http.get("/protocol/openid-connect/certs")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.asyncio
async def test_keys_survive_a_restart_on_the_same_data_dir(tmp_path: Path) -> None:
    settings = SandboxSettings(data_dir=tmp_path, public_url="http://testserver")
    first = Runtime(settings)
    on_startup(first)
    before = await _jwks(first)
    forget_key_rings()  # as a new process would: nothing loaded yet
    second = Runtime(SandboxSettings(data_dir=tmp_path, public_url="http://testserver"))
    on_startup(second)
    assert await _jwks(second) == before
    other = Runtime(SandboxSettings(data_dir=tmp_path / "other", public_url="http://testserver"))
    assert await _jwks(other) != before
    assert (tmp_path / KEYS_DIRNAME / KEY_FILES["ES256"]).exists()


@pytest.mark.asyncio
async def test_jwks_publishes_both_public_keys(tmp_path: Path) -> None:
    runtime = Runtime(SandboxSettings(data_dir=tmp_path, public_url="http://testserver"))
    jwks = await _jwks(runtime)
    keys = jwks["keys"]
    assert isinstance(keys, list)
    assert sorted((k["kty"], k["alg"], k["use"]) for k in keys) == [
        ("EC", "ES256", "sig"),
        ("RSA", "RS256", "sig"),
    ]
    for key in keys:
        assert key["kid"] == jwk_thumbprint(key)
        assert "d" not in key
        assert "p" not in key
    ec = next(k for k in keys if k["kty"] == "EC")
    assert ec["crv"] == "P-256"
    rsa = jwt.PyJWK(next(k for k in keys if k["kty"] == "RSA"))
    assert rsa.key.key_size == 2048
    assert key_ring(tmp_path, "ES256").jwks == json.loads(json.dumps(jwks))
