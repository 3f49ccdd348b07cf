"""Every public CNAM test identity reproduces its documented behaviour, on both wires."""

from __future__ import annotations

import pytest
from insi_wire import (
    ACTION_VITALE,
    INDIVIDU,
    NS,
    RESULTAT,
    Insi,
    envelope,
    recsans,
    recvit,
    text,
    texts,
    xml,
)

from shared.identifiers import OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_TEST
from shared.population import CNAM_IDENTITIES, CnamIdentity

pytestmark = pytest.mark.asyncio

FINDABLE = [c for c in CNAM_IDENTITIES if c.insi_behaviour != "always-01"]


def cnam(nom: str, prenom: str) -> CnamIdentity:
    return next(c for c in CNAM_IDENTITIES if c.nom_naissance == nom and c.prenoms[0] == prenom)


@pytest.mark.parametrize("identity", FINDABLE, ids=lambda c: f"{c.nom_naissance}-{c.prenoms[0]}")
async def test_each_identity_is_found_with_its_published_values(insi: Insi, identity: CnamIdentity) -> None:
    homonyms = [
        c
        for c in CNAM_IDENTITIES
        if c.nom_naissance == identity.nom_naissance and c.prenoms == identity.prenoms
    ]
    place = identity.lieu_naissance if len(homonyms) > 1 else None  # DE VINCI LEONARDO: two of them
    response = await insi.soap(
        envelope(
            recsans(
                identity.nom_naissance, identity.prenoms[:1], identity.sexe, identity.date_naissance, place
            )
        )
    )
    assert response.status_code == 200
    root = xml(response)
    assert text(root, f"{RESULTAT}/r:CR/r:CodeCR") == "00"
    assert text(root, f"{RESULTAT}/r:CR/r:LibelleCR") == "OK"
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:NumIdentifiant") == identity.ins[:13]
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:Cle") == identity.ins[13:]
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:OID") == identity.oid
    assert text(root, f"{INDIVIDU}/r:TIQ/r:NomNaissance") == identity.nom_naissance
    assert root.find(f"{INDIVIDU}/r:TIQ/r:Prenom", NS) is None  # the platform's TIQ since October 2022
    assert text(root, f"{INDIVIDU}/r:TIQ/r:ListePrenom") == " ".join(identity.prenoms)
    assert text(root, f"{INDIVIDU}/r:TIQ/r:Sexe") == identity.sexe
    assert text(root, f"{INDIVIDU}/r:TIQ/r:DateNaissance") == identity.date_naissance
    assert text(root, f"{INDIVIDU}/r:TIQ/r:LieuNaissance") == identity.lieu_naissance
    numbers = texts(root, f"{INDIVIDU}/r:INSHISTO/r:IdIndividu/r:NumIdentifiant")
    assert numbers == [entry.matricule[:13] for entry in identity.ins_history]


async def test_adrun_zoe_in_json(insi: Insi) -> None:
    body = (await insi.traits("ADRUN", ["ZOE"], "F", "1975-12-31")).json()
    assert body["individu"]["ins"] == {"matricule": "275126322074974", "oid": OID_INS_NIR}
    assert body["individu"]["traits"]["lieu_naissance"] == "63220"


async def test_ecetinsi_has_history_entries_with_their_dates(insi: Insi) -> None:
    """One INSHISTO entry, with its dates (DateFin before DateDeb, as the platform answers)."""
    root = xml(await insi.soap(envelope(recsans("ECETINSI", ["PIERRE-ALAIN"], "M", "2009-07-14"))))
    histo = root.findall(f"{INDIVIDU}/r:INSHISTO", NS)
    assert len(histo) == 1
    ns = {"r": "http://www.cnamts.fr/INSiResultat"}
    assert [h.findtext("r:IdIndividu/r:Cle", namespaces=ns) for h in histo] == ["39"]
    assert [h.findtext("r:OID", namespaces=ns) for h in histo] == [OID_INS_NIR]
    assert (histo[0].findtext("r:DateDeb", namespaces=ns), histo[0].findtext("r:DateFin", namespaces=ns)) == (
        "2019-03-01",
        "2019-02-28",
    )
    body = (await insi.traits("ECETINSI", ["PIERRE-ALAIN"], "M", "2009-07-14")).json()
    assert body["individu"]["historique"] == [
        {
            "matricule": "209076322083439",
            "oid": OID_INS_NIR,
            "date_deb": "2019-03-01",
            "date_fin": "2019-02-28",
        },
    ]


async def test_ecetinsi_with_every_prenom_is_found_too(insi: Insi) -> None:
    response = await insi.traits("ECETINSI", ["PIERRE-ALAIN", "MURIEL", "FLORIANT"], "M", "2009-07-14")
    assert response.json()["code_cr"] == "00"


async def test_tchitchi_with_the_prenom_ola_answers_01(insi: Insi) -> None:
    ola = await insi.soap(envelope(recsans("TCHITCHI", ["OLA"], "F", "1936-06-21")))
    assert text(xml(ola), f"{RESULTAT}/r:CR/r:CodeCR") == "01"
    assert xml(ola).find(INDIVIDU, NS) is None
    catarina = await insi.traits("TCHITCHI", ["CATARINA"], "F", "1936-06-21")
    assert catarina.json()["individu"]["ins"]["matricule"] == "236066322083656"


@pytest.mark.parametrize(
    ("prenoms", "lieu"),
    [(["PIERRE"], None), (["PIERRE", "PAUL", "JACQUES"], None), (["PIERRE", "PAUL", "JACQUES"], "63220")],
)
async def test_houilles_always_answers_01(insi: Insi, prenoms: list[str], lieu: str | None) -> None:
    json_answer = (await insi.traits("HOUILLES", prenoms, "M", "1993-01-27", lieu)).json()
    assert json_answer["code_cr"] == "01"
    soap_answer = await insi.soap(envelope(recsans("HOUILLES", prenoms, "M", "1993-01-27", lieu)))
    assert text(xml(soap_answer), f"{RESULTAT}/r:CR/r:CodeCR") == "01"


async def test_houilles_is_not_found_by_carte_vitale_nor_verified(insi: Insi) -> None:
    houilles = cnam("HOUILLES", "PIERRE")
    by_card = await insi.soap(
        envelope(recvit(individu=houilles.ins, nom="HOUILLES", date="1993-01-27"), action=ACTION_VITALE)
    )
    assert text(xml(by_card), f"{RESULTAT}/r:CR/r:CodeCR") == "01"
    verified = await insi.post(
        "verify",
        {
            "matricule": houilles.ins,
            "nom_naissance": "HOUILLES",
            "prenoms": ["PIERRE"],
            "sexe": "M",
            "date_naissance": "1993-01-27",
        },
    )
    assert verified.json()["code_cr"] == "01"


async def test_provisoire_matricule_answers_the_nia_oid(insi: Insi) -> None:
    root = xml(await insi.soap(envelope(recsans("PROVISOIRE", ["MATRICULE"], "M", "2009-07-01"))))
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:NumIdentifiant") == "1090763220888"
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:Cle") == "35"
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:OID") == OID_INS_NIA


async def test_hermann_gatien_keeps_his_published_key(insi: Insi) -> None:
    body = (await insi.traits("HERMANN", ["GATIEN"], "M", "1981-03-24")).json()
    assert body["individu"]["ins"]["matricule"] == "181036322045660"
    by_card = await insi.soap(
        envelope(recvit(individu="181036322045660", nom="HERMANN", date="1981-03-24"), action=ACTION_VITALE)
    )
    assert text(xml(by_card), f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:Cle") == "60"


async def test_hermann_gatien_with_another_wrong_key_is_refused(insi: Insi) -> None:
    refused = await insi.post(
        "search-by-vitale", {"matricule_individu": "181036322045661", "date_naissance": "1981-03-24"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "insi-cle-invalide"


async def test_corsican_identities_keep_2a_and_2b(insi: Insi) -> None:
    for nom, prenom, sexe, born, number in (
        ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "297022A020778"),
        ("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", "160012B020777"),
        ("CORSE", "ANTHONY", "M", "1980-03-02", "180032B020401"),
    ):
        root = xml(await insi.soap(envelope(recsans(nom, [prenom], sexe, born))))
        assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:NumIdentifiant") == number


async def test_de_vinci_is_two_homonyms_and_adrdeux_is_found(insi: Insi) -> None:
    """The CNAM platform answers 02 to DE VINCI LEONARDO's traits; the place of birth separates them."""
    several = (await insi.traits("DE VINCI", ["LEONARDO"], "M", "2014-02-01")).json()
    assert several["code_cr"] == "02"
    assert several.get("individu") is None
    for place in ("99127", "75114"):
        one = (await insi.traits("DE VINCI", ["LEONARDO"], "M", "2014-02-01", lieu=place)).json()
        assert (one["code_cr"], one["individu"]["traits"]["lieu_naissance"]) == ("00", place)
    adrdeux = (await insi.traits("ADRDEUX", ["LAURENT"], "M", "1981-01-01")).json()
    assert adrdeux["individu"]["ins"]["matricule"] == "181016322075140"


async def test_pat_trois_answers_the_nir_test_oid(insi: Insi) -> None:
    body = (await insi.traits("PAT-TROIS", ["DOMINIQUE"], "F", "1979-03-28")).json()
    assert body["individu"]["ins"] == {"matricule": "279035121518989", "oid": OID_INS_NIR_TEST}


async def test_a_minor_is_found_by_the_carte_vitale_of_the_ouvrant_droit(insi: Insi) -> None:
    # ECETINSI is on the rights of ADRUN ZOE (his legal representative)
    response = await insi.soap(
        envelope(
            recvit(od="275126322074974", nom="ECETINSI", date="2009-07-14", rang="1"), action=ACTION_VITALE
        )
    )
    root = xml(response)
    assert text(root, f"{RESULTAT}/r:CR/r:CodeCR") == "00"
    assert text(root, f"{INDIVIDU}/r:INSACTIF/r:IdIndividu/r:NumIdentifiant") == "1090763220834"
