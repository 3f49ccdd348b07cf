"""Bad input: each a clear error in the operation's own vocabulary (the JSON error shape, or a SOAP fault),
never a 500, and the same request done right still answers."""

from __future__ import annotations

from typing import Any

import pytest
from insi_wire import ACTION_VITALE, RESULTAT, Insi, envelope, fault, recsans, recvit, text, xml

pytestmark = pytest.mark.asyncio

ADRUN: dict[str, Any] = {
    "nom_naissance": "ADRUN",
    "prenoms": ["ZOE"],
    "sexe": "F",
    "date_naissance": "1975-12-31",
}
VITALE: dict[str, Any] = {
    "matricule_od": "275126322074974",
    "nom_naissance": "ADRUN",
    "date_naissance": "1975-12-31",
}
VERIFY: dict[str, Any] = {**ADRUN, "matricule": "275126322074974"}


@pytest.mark.parametrize(
    ("operation", "body", "status", "error"),
    [
        ("search-by-traits", {**ADRUN, "sexe": "X"}, 400, "insi-sexe-invalide"),
        ("search-by-traits", {**ADRUN, "sexe": ""}, 400, "insi-sexe-invalide"),
        ("search-by-traits", {**ADRUN, "date_naissance": "1975-02-30"}, 400, "insi-date-invalide"),
        ("search-by-traits", {**ADRUN, "date_naissance": "31/12/1975"}, 400, "insi-date-invalide"),
        ("search-by-traits", {**ADRUN, "date_naissance": "2999-01-01"}, 400, "insi-date-invalide"),
        ("search-by-traits", {**ADRUN, "nom_naissance": "A" * 101}, 400, "insi-trait-trop-long"),
        ("search-by-traits", {**ADRUN, "nom_naissance": "A" * 100_000}, 400, "insi-trait-trop-long"),
        ("search-by-traits", {**ADRUN, "prenoms": ["Z" * 101]}, 400, "insi-trait-trop-long"),
        ("search-by-traits", {**ADRUN, "prenoms": ["ZOE"] * 11}, 400, "insi-trait-trop-long"),
        ("search-by-traits", {**ADRUN, "prenoms": []}, 400, "insi-prenom-invalide"),
        ("search-by-traits", {**ADRUN, "nom_naissance": "ADRUN<script>"}, 400, "insi-nom-invalide"),
        ("search-by-traits", {**ADRUN, "nom_naissance": ""}, 400, "insi-nom-invalide"),
        ("search-by-traits", {**ADRUN, "lieu_naissance": "7505"}, 400, "insi-lieu-invalide"),
        ("search-by-traits", {**ADRUN, "prenoms": "ZOE"}, 422, "validation-error"),
        ("search-by-traits", {**ADRUN, "sexe": 1}, 422, "validation-error"),
        ("search-by-traits", {"nom_naissance": "ADRUN"}, 422, "validation-error"),
        ("search-by-traits", {**ADRUN, "nom_usage": "X"}, 422, "validation-error"),
        ("search-by-vitale", {**VITALE, "matricule_od": "27512632207497"}, 400, "insi-matricule-invalide"),
        ("search-by-vitale", {**VITALE, "matricule_od": "2751263220749X4"}, 400, "insi-cle-invalide"),
        ("search-by-vitale", {**VITALE, "matricule_od": "275126322074975"}, 400, "insi-cle-invalide"),
        ("search-by-vitale", {**VITALE, "matricule_od": "975126322074974"}, 400, "insi-matricule-invalide"),
        ("search-by-vitale", {**VITALE, "matricule_od": "ABCDEFGHIJKLM74"}, 400, "insi-matricule-invalide"),
        ("search-by-vitale", {**VITALE, "rang_naissance": 0}, 400, "insi-rang-invalide"),
        ("search-by-vitale", {**VITALE, "rang_naissance": "un"}, 422, "validation-error"),
        (
            "search-by-vitale",
            {"nom_naissance": "ADRUN", "date_naissance": "1975-12-31"},
            400,
            "insi-requete-incomplete",
        ),
        ("search-by-vitale", {**VITALE, "date_naissance": "1975-13-01"}, 400, "insi-date-invalide"),
        ("verify", {**VERIFY, "matricule": "2751263220749"}, 400, "insi-matricule-invalide"),
        ("verify", {**VERIFY, "matricule": "275126322074973"}, 400, "insi-cle-invalide"),
        ("verify", {**VERIFY, "oid": "1" * 65}, 400, "insi-trait-trop-long"),
        ("verify", {**VERIFY, "sexe": "?"}, 400, "insi-sexe-invalide"),
    ],
)
async def test_json_bad_input_is_a_clear_error(
    insi: Insi, operation: str, body: dict[str, Any], status: int, error: str
) -> None:
    answer = await insi.post(operation, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["detail"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"nom_naissance": ',
        '{"nom_naissance": "\udcff"}'.encode("utf-8", "surrogatepass"),
    ],
)
async def test_json_that_is_not_an_object_is_a_validation_error(insi: Insi, content: bytes) -> None:
    answer = await insi.http.post(
        "/insi/v1/search-by-traits",
        content=content,
        headers={**insi.headers(), "content-type": "application/json"},
    )
    assert (answer.status_code, answer.json()["error"]) == (422, "validation-error")


async def test_the_good_requests_of_these_tables_answer(insi: Insi) -> None:
    for operation, body in (("search-by-traits", ADRUN), ("search-by-vitale", VITALE), ("verify", VERIFY)):
        assert (await insi.post(operation, body)).json()["code_cr"] == "00"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>&lol3;</soap:Body></soap:Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>&secret;</soap:Body></soap:Envelope>"""


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b"", "insi-enveloppe-invalide"),
        (b"   ", "insi-enveloppe-invalide"),
        (b"not xml at all", "insi-enveloppe-invalide"),
        (
            b"<soap:Envelope xmlns:soap='http://www.w3.org/2003/05/soap-envelope'><soap:Body>",
            "insi-enveloppe-invalide",
        ),
        (b"\xff\xfe<\x00a\x00/\x00>\x00", "insi-enveloppe-invalide"),
        (b"<Envelope/>", "insi-version-soap"),
        (BILLION_LAUGHS, "insi-enveloppe-invalide"),
        (EXTERNAL_ENTITY, "insi-enveloppe-invalide"),
        (b"<a>" + b"x" * 70_000 + b"</a>", "insi-enveloppe-invalide"),
        (
            b"<soap:Envelope xmlns:soap='http://www.w3.org/2003/05/soap-envelope'><soap:Header/></soap:Envelope>",
            "insi-enveloppe-invalide",
        ),
    ],
)
async def test_broken_envelopes_are_faults(insi: Insi, document: bytes, code: str) -> None:
    response = await insi.soap(document)
    assert response.status_code == 400
    assert fault(response)[2] == code


def _recsans(**parts: str) -> str:
    p = "insi_recsans_ins"
    return f"<{p}:RECSANSVITALE>" + "".join(parts.values()) + f"</{p}:RECSANSVITALE>"


NOM = "<insi_recsans_ins:NomNaissance>ADRUN</insi_recsans_ins:NomNaissance>"
PRENOM = "<insi_recsans_ins:Prenom>ZOE</insi_recsans_ins:Prenom>"
SEXE = "<insi_recsans_ins:Sexe>F</insi_recsans_ins:Sexe>"
DATE = "<insi_recsans_ins:DateNaissance>1975-12-31</insi_recsans_ins:DateNaissance>"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_recsans(prenom=PRENOM, sexe=SEXE, date=DATE), "insi-enveloppe-invalide"),
        (_recsans(nom=NOM, sexe=SEXE, date=DATE), "insi-enveloppe-invalide"),
        (_recsans(nom=NOM, prenom=PRENOM, date=DATE), "insi-enveloppe-invalide"),
        (_recsans(nom=NOM, nom2=NOM, prenom=PRENOM, sexe=SEXE, date=DATE), "insi-enveloppe-invalide"),
        (
            _recsans(
                nom=NOM,
                prenom=PRENOM,
                sexe=SEXE,
                date=DATE,
                x="<insi_recsans_ins:Age>50</insi_recsans_ins:Age>",
            ),
            "insi-enveloppe-invalide",
        ),
        (
            _recsans(nom="<NomNaissance>ADRUN</NomNaissance>", prenom=PRENOM, sexe=SEXE, date=DATE),
            "insi-enveloppe-invalide",
        ),
        (recsans("ADRUN", ["ZOE"], "X", "1975-12-31"), "insi-sexe-invalide"),
        (recsans("ADRUN", ["ZOE"], "F", "1975-02-30"), "insi-date-invalide"),
        (recsans("ADRUN", ["ZOE"], "F", "1975-12-31", "ABC"), "insi-lieu-invalide"),
        (recsans("A" * 101, ["ZOE"], "F", "1975-12-31"), "insi-trait-trop-long"),
        (recsans("A" * 5000, ["ZOE"], "F", "1975-12-31"), "insi-trait-trop-long"),
        (recsans("ADRUN", ["Z0E"], "F", "1975-12-31"), "insi-prenom-invalide"),
    ],
)
async def test_bad_traits_in_soap_are_faults(insi: Insi, body: str, code: str) -> None:
    response = await insi.soap(envelope(body))
    assert response.status_code == 400
    assert fault(response) == ("soap:Sender", "soap:esante_requete", code)


@pytest.mark.parametrize(
    ("card", "code"),
    [
        (recvit(od="275126322074975", date="1975-12-31"), "insi-cle-invalide"),
        (recvit(od="27512632207AB74", date="1975-12-31"), "insi-matricule-invalide"),
        (recvit(od="275126322074974"), "insi-requete-incomplete"),
        (recvit(nom="ADRUN", date="1975-12-31"), "insi-requete-incomplete"),
        (recvit(od="275126322074974", date="1975-12-31", rang="X"), "insi-rang-invalide"),
        (
            "<insi_recvit_ins:RECVITALE><insi_recvit_ins:MatriculeOD><insi_recvit_ins:Cle>74</insi_recvit_ins:Cle>"
            "</insi_recvit_ins:MatriculeOD><insi_recvit_ins:DateNaissance>1975-12-31</insi_recvit_ins:DateNaissance>"
            "</insi_recvit_ins:RECVITALE>",
            "insi-enveloppe-invalide",
        ),
    ],
)
async def test_bad_carte_vitale_data_in_soap_are_faults(insi: Insi, card: str, code: str) -> None:
    response = await insi.soap(envelope(card, action=ACTION_VITALE))
    assert response.status_code == 400
    assert fault(response)[2] == code


async def test_the_same_envelope_done_right_answers(insi: Insi) -> None:
    good = await insi.soap(envelope(_recsans(nom=NOM, prenom=PRENOM, sexe=SEXE, date=DATE)))
    assert text(xml(good), f"{RESULTAT}/r:CR/r:CodeCR") == "00"
    card = await insi.soap(envelope(recvit(od="275126322074974", date="1975-12-31"), action=ACTION_VITALE))
    assert text(xml(card), f"{RESULTAT}/r:CR/r:CodeCR") == "00"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1"])
async def test_a_dtd_cannot_hide_in_another_encoding(insi: Insi, encoding: str) -> None:
    document = (
        envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"))
        .replace(
            '<?xml version="1.0" encoding="utf-8"?>',
            '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "ZOÉ">]>',
        )
        .replace(">ZOE<", ">&x;<")
    )
    response = await insi.soap(document.encode(encoding))
    assert response.status_code == 400
    assert fault(response)[2] == "insi-enveloppe-invalide"
