"""The CNAM test identities answer what the CNAM answered to padoa/tlsi-ins (an open INSi client that
records the qualification platform's answers and compares them byte for byte in its live tests).

The values below are facts read from padoa's recordings (its fixtures at commit 12ef794, 2026-06), one
line per identity, written here as the sandbox's own table: ``live`` lines are the platform's answers
(its latest recording wins: since October 2022 the platform's TIQ has no ``Prenom``, ADRTROIS DOMINIQUE
is born in 2A020, ECETINSI has one INSHISTO entry); ``cnda`` lines are the CNDA's validation files,
which padoa injects for some prénoms (they still carry a ``Prenom``, which is not compared)."""

from __future__ import annotations

from typing import Any

import pytest
from insi_wire import INDIVIDU, NS, RESULTAT, Insi, envelope, recsans, text, xml

pytestmark = pytest.mark.asyncio

NIR = "1.2.250.1.213.1.4.8"
NIA = "1.2.250.1.213.1.4.9"

RECORDED: list[dict[str, Any]] = [
    {"kind": "live", "traits": ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26"), "cr": "00",
     "ins": ("297022A020778", "78", NIR), "tiq": ("ADRTROIS", "DOMINIQUE", "F", "1997-02-26", "2A020"),
     "histo": []},
    {"kind": "live", "traits": ("ADRTROIS", "TOUSSAINT", "M", "1960-01-01"), "cr": "00",
     "ins": ("160012B020777", "13", NIR), "tiq": ("ADRTROIS", "TOUSSAINT", "M", "1960-01-01", "2B020"),
     "histo": []},
    {"kind": "live", "traits": ("ECETINSI", "PIERRE-ALAIN", "M", "2009-07-14"), "cr": "00",
     "ins": ("1090763220834", "89", NIR),
     "tiq": ("ECETINSI", "PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14", "63220"),
     "histo": [("2090763220834", "39", NIR, "2019-03-01", "2019-02-28")]},
    {"kind": "live", "traits": ("TCHITCHI", "CATARINA", "F", "1936-06-21"), "cr": "00",
     "ins": ("2360663220836", "56", NIR), "tiq": ("TCHITCHI", "CATARINA BELLA", "F", "1936-06-21", "63220"),
     "histo": []},
    {"kind": "live", "traits": ("DE VINCI", "LEONARDO", "M", "2014-02-01"), "cr": "02"},
    {"kind": "cnda", "traits": ("TCHITCHI", "OLA", "F", "1936-06-21"), "cr": "01"},
    {"kind": "cnda", "traits": ("HOUILLES", "PIERRE", "M", "1993-01-27"), "cr": "01"},
    {"kind": "cnda", "traits": ("HOUILLES", "PIERRE PAUL JACQUES", "M", "1993-01-27"), "cr": "01"},
    {"kind": "cnda", "traits": ("CORSE", "ANTHONY", "M", "1980-03-02"), "cr": "00",
     "ins": ("180032B020401", "23", NIR), "tiq": ("CORSE", "ANTHONY", "M", "1980-03-02", "2B020"),
     "histo": [("180032B020401", "23", NIR, None, None)]},
    {"kind": "cnda", "traits": ("HERMANN", "GATIEN", "M", "1981-03-24"), "cr": "00",
     "ins": ("1810363220456", "60", NIR), "tiq": ("HERMANN", "GATIEN", "M", "1981-03-24", "63220"),
     "histo": [("1810363220456", "60", NIR, None, None), ("2810363220456", "10", NIR, None, None)]},
    {"kind": "cnda", "traits": ("PROVISOIRE", "MATRICULE", "M", "2009-07-01"), "cr": "00",
     "ins": ("1090763220888", "35", NIA), "tiq": ("PROVISOIRE", "MATRICULE", "M", "2009-07-01", "63220"),
     "histo": []},
]  # fmt: skip

LIBELLES = {"00": "OK", "01": "Aucune identite trouvee", "02": "Plusieurs identites trouvees"}


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: f"{r['kind']}-{r['traits'][0]}-{r['traits'][1]}")
async def test_the_answer_is_the_recorded_one(insi: Insi, recorded: dict[str, Any]) -> None:
    nom, prenom, sexe, date = recorded["traits"]
    root = xml(await insi.soap(envelope(recsans(nom, [prenom], sexe, date))))
    assert text(root, f"{RESULTAT}/r:CR/r:CodeCR") == recorded["cr"]
    assert text(root, f"{RESULTAT}/r:CR/r:LibelleCR") == LIBELLES[recorded["cr"]]
    if recorded["cr"] != "00":
        assert root.find(INDIVIDU, NS) is None
        return
    num, cle, oid = recorded["ins"]
    actif = f"{INDIVIDU}/r:INSACTIF"
    assert (
        text(root, f"{actif}/r:IdIndividu/r:NumIdentifiant"),
        text(root, f"{actif}/r:IdIndividu/r:Cle"),
    ) == (
        num,
        cle,
    )
    assert text(root, f"{actif}/r:OID") == oid
    tiq = root.find(f"{INDIVIDU}/r:TIQ", NS)
    assert tiq is not None
    fields = ("NomNaissance", "ListePrenom", "Sexe", "DateNaissance", "LieuNaissance")
    assert tuple(tiq.findtext(f"r:{f}", namespaces=NS) for f in fields) == recorded["tiq"]
    if recorded["kind"] == "live":  # the element tree too: no Prenom since October 2022
        assert [child.tag.rsplit("}", 1)[1] for child in tiq] == list(fields)
    histo = [
        tuple(
            h.findtext(f"r:{f}", namespaces=NS)
            for f in ("IdIndividu/r:NumIdentifiant", "IdIndividu/r:Cle", "OID", "DateDeb", "DateFin")
        )
        for h in root.findall(f"{INDIVIDU}/r:INSHISTO", NS)
    ]
    assert histo == recorded["histo"]
