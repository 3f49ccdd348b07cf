"""The SOAP 1.2 wire: real request envelopes in, the real RESULTAT structure and SOAP faults out."""

from __future__ import annotations

from collections import defaultdict

import pytest
from insi_wire import (
    ACTION_TRAITS,
    ACTION_VITALE,
    FAULT,
    INDIVIDU,
    NS,
    RESULTAT,
    SOAP11,
    Insi,
    envelope,
    fault,
    recsans,
    recvit,
    text,
    xml,
)

from shared.population import Person, Population

pytestmark = pytest.mark.asyncio

R = "{http://www.cnamts.fr/INSiResultat}"


def homonyms(population: Population) -> list[list[Person]]:
    groups: dict[tuple[str, ...], list[Person]] = defaultdict(list)
    for person in population.persons:
        if "homonym" in person.tags:
            groups[(person.nom_naissance, person.prenoms[0], person.date_naissance)].append(person)
    return list(groups.values())


async def test_answer_is_a_soap_12_resultat_in_the_real_order(insi: Insi) -> None:
    response = await insi.soap(envelope(recsans("ECETINSI", ["PIERRE-ALAIN"], "M", "2009-07-14")))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/soap+xml")
    root = xml(response)
    assert root.tag == "{http://www.w3.org/2003/05/soap-envelope}Envelope"
    resultat = root.find(RESULTAT, NS)
    assert resultat is not None
    assert [child.tag for child in resultat] == [f"{R}CR", f"{R}INDIVIDU"]
    individu = root.find(INDIVIDU, NS)
    assert individu is not None
    assert [child.tag for child in individu] == [f"{R}INSACTIF", f"{R}INSHISTO", f"{R}TIQ"]
    tiq = individu.find("r:TIQ", NS)
    assert tiq is not None
    assert [child.tag[len(R) :] for child in tiq] == [
        "NomNaissance",
        "ListePrenom",
        "Sexe",
        "DateNaissance",
        "LieuNaissance",
    ]
    actif = individu.find("r:INSACTIF", NS)
    assert actif is not None
    assert [child.tag[len(R) :] for child in actif] == ["IdIndividu", "OID"]


async def test_01_and_02_carry_no_individu(insi: Insi, population: Population) -> None:
    none = xml(await insi.soap(envelope(recsans("INCONNU", ["PERSONNE"], "M", "1950-01-01"))))
    assert (text(none, f"{RESULTAT}/r:CR/r:CodeCR"), text(none, f"{RESULTAT}/r:CR/r:LibelleCR")) == (
        "01",
        "Aucune identite trouvee",
    )
    assert none.find(INDIVIDU, NS) is None
    person = homonyms(population)[0][0]
    several = xml(
        await insi.soap(
            envelope(recsans(person.nom_naissance, person.prenoms[:1], person.sexe, person.date_naissance))
        )
    )
    assert (text(several, f"{RESULTAT}/r:CR/r:CodeCR"), text(several, f"{RESULTAT}/r:CR/r:LibelleCR")) == (
        "02",
        "Plusieurs identites trouvees",
    )
    assert several.find(INDIVIDU, NS) is None


async def test_several_prenom_elements_then_lieu_naissance_disambiguate(
    insi: Insi, population: Population
) -> None:
    for group in homonyms(population):
        for person in group:
            document = envelope(
                recsans(
                    person.nom_naissance,
                    person.prenoms,
                    person.sexe,
                    person.date_naissance,
                    person.lieu_naissance,
                )
            )
            root = xml(await insi.soap(document))
            assert text(root, f"{RESULTAT}/r:CR/r:CodeCR") == "00"
            assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:NumIdentifiant") == person.ins[:13]


async def test_carte_vitale_operation(insi: Insi, population: Population) -> None:
    person = next(p for p in population.persons if p.ouvrant_droit_id == p.id and "homonym" not in p.tags)
    document = envelope(
        recvit(od=person.ins, nom=person.nom_naissance, date=person.date_naissance, rang="1"),
        action=ACTION_VITALE,
    )
    root = xml(await insi.soap(document))
    assert text(root, f"{RESULTAT}/r:CR/r:CodeCR") == "00"
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:Cle") == person.ins[13:]


async def test_the_action_may_come_from_the_content_type(insi: Insi) -> None:
    document = envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), action=None)
    response = await insi.soap(
        document, **{"Content-Type": f'application/soap+xml; charset=utf-8; action="{ACTION_TRAITS}"'}
    )
    assert text(xml(response), f"{RESULTAT}/r:CR/r:CodeCR") == "00"


async def test_without_any_action_the_addressing_header_is_required(insi: Insi) -> None:
    response = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), action=None))
    assert response.status_code == 400
    assert fault(response) == ("soap:Sender", "wsa:MessageAddressingHeaderRequired", "insi-action-absente")


async def test_an_unknown_action_is_not_supported(insi: Insi) -> None:
    document = envelope(
        recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), action="urn:ServiceIdentiteCertifiee:1.0.0:verifierIns"
    )
    response = await insi.soap(document)
    assert response.status_code == 400
    assert fault(response) == ("soap:Sender", "wsa:ActionNotSupported", "insi-action-inconnue")


async def test_the_body_must_be_the_actions_element(insi: Insi) -> None:
    document = envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), action=ACTION_VITALE)
    assert fault(await insi.soap(document)) == (
        "soap:Sender",
        "soap:esante_requete",
        "insi-enveloppe-invalide",
    )


async def test_a_soap_11_envelope_is_a_version_mismatch(insi: Insi) -> None:
    response = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), soap_ns=SOAP11))
    assert response.status_code == 400
    assert fault(response) == ("soap:VersionMismatch", None, "insi-version-soap")
    upgrade = xml(response).find("./soap:Header/soap:Upgrade/soap:SupportedEnvelope", NS)
    assert upgrade is not None


async def test_an_unknown_header_that_must_be_understood_is_refused(insi: Insi) -> None:
    extra = '<x:Billing xmlns:x="urn:example" soap:mustUnderstand="true">42</x:Billing>'
    response = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), extra_header=extra))
    assert fault(response) == ("soap:MustUnderstand", None, "insi-entete-non-compris")


async def test_unknown_optional_headers_and_ws_security_are_accepted(insi: Insi) -> None:
    extra = (
        '<x:Trace xmlns:x="urn:example">1</x:Trace>'
        '<wsse:Security soap:mustUnderstand="1"><wsse:BinarySecurityToken>MIIB</wsse:BinarySecurityToken>'
        "</wsse:Security>"
    )
    response = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), extra_header=extra))
    assert text(xml(response), f"{RESULTAT}/r:CR/r:CodeCR") == "00"


async def test_fault_structure_of_an_unknown_software(insi: Insi) -> None:
    message_id = "uuid:0c6f1c9e-5c3b-4a6e-9d4e-8a2b7c1d0e9f"
    response = await insi.soap(
        envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), idam="INCONNU-42", message_id=message_id)
    )
    assert response.status_code == 400
    root = xml(response)
    assert text(root, f"{FAULT}/soap:Code/soap:Value") == "soap:Sender"
    assert text(root, f"{FAULT}/soap:Code/soap:Subcode/soap:Value") == "soap:siram_100"
    reason = root.find(f"{FAULT}/soap:Reason/soap:Text", NS)
    assert reason is not None
    assert reason.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    erreur = root.find(f"{FAULT}/soap:Detail/siram:Erreur", NS)
    assert erreur is not None
    assert erreur.attrib == {"code": "desir_550", "severite": "erreur", "messageID": message_id}
    assert "INCONNU-42" in (erreur.text or "")


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [({"with_lps": False}, "ContexteLPS"), ({"idam": None}, "IDAM")],
)
async def test_a_missing_software_context_is_an_unknown_software(insi: Insi, kwargs: dict, rule: str) -> None:
    response = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), **kwargs))
    assert fault(response) == ("soap:Sender", "soap:siram_100", "desir_550")


async def test_contexte_bam_is_required(insi: Insi) -> None:
    response = await insi.soap(envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), with_bam=False))
    assert fault(response) == ("soap:Sender", "soap:esante_requete", "insi-enveloppe-invalide")


async def test_the_tenant_may_be_in_the_path(insi: Insi) -> None:
    tenant = insi.http.headers["X-Sandbox-Tenant"]
    registered = await insi.http.put("/insi/sandbox/logiciels/MON-LOGICIEL-1", json={"nom": "mon logiciel"})
    assert registered.status_code == 200
    document = envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"), idam="MON-LOGICIEL-1")
    in_path = await insi.soap(document, path=f"/insi/soap/{tenant}", **{"X-Sandbox-Tenant": "default"})
    assert text(xml(in_path), f"{RESULTAT}/r:CR/r:CodeCR") == "00"
    in_default = await insi.soap(document, path="/insi/soap/default")
    assert fault(in_default) == ("soap:Sender", "soap:siram_100", "desir_550")


async def test_an_invalid_tenant_in_the_path_is_a_fault(insi: Insi) -> None:
    document = envelope(recsans("ADRUN", ["ZOE"], "F", "1975-12-31"))
    response = await insi.soap(document, path="/insi/soap/Not_A_Tenant")
    assert response.status_code == 400
    assert fault(response) == ("soap:Sender", "soap:esante_requete", "tenant-invalid")
