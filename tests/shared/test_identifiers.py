"""Identifiers: NIR / NIA (décret 82-103), RPPS, FINESS, ADELI, SIREN / SIRET, IdNat, INS OIDs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.identifiers import (
    OID_INS_NIA,
    OID_INS_NIR,
    OID_INS_NIR_DEMO,
    OID_INS_NIR_TEST,
    IdNatError,
    IdNatPrefix,
    NirError,
    is_valid_adeli,
    is_valid_finess,
    is_valid_nir,
    is_valid_rpps,
    is_valid_siren,
    is_valid_siret,
    luhn_check_digit,
    make_finess,
    make_idnat,
    make_nia,
    make_nir,
    make_rpps,
    make_siret,
    nir_key,
    parse_idnat,
    parse_nir,
)

# --------------------------------------------------------------------------------------------
# NIR / NIA: published values
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nir13", "key"),
    [
        ("180032B020401", 23),  # CORSE ANTHONY, 2B -> 18
        ("297022A020778", 78),  # ADRTROIS DOMINIQUE, 2A -> 19
        ("160012B020777", 13),  # ADRTROIS TOUSSAINT
        ("275126322074974"[:13], 74),  # ADRUN ZOE
        ("1090763220834", 89),  # ECETINSI PIERRE-ALAIN
        ("1090763220888", 35),  # PROVISOIRE MATRICULE (a NIA: same rule)
        ("2790351215189", 89),  # PAT-TROIS DOMINIQUE (DMP test environment)
    ],
)
def test_nir_key_of_published_matricules(nir13, key):
    assert nir_key(nir13) == key


def test_nir_key_accepts_lower_case_corsica():
    assert nir_key("180032b020401") == 23


@pytest.mark.parametrize(
    "matricule",
    ["275126322074974", "297022A02077878", "180032B02040123", "236066322083656", "109076322088835"],
)
def test_published_matricules_are_valid(matricule):
    assert is_valid_nir(matricule)


def test_hermann_gatien_key_is_refused():
    with pytest.raises(NirError) as error:
        parse_nir("181036322045660")
    assert error.value.reason == "key"
    assert nir_key("1810363220456") == 76


def test_parse_nir_parts():
    nir = parse_nir("180032B02040123")
    assert (nir.sexe, nir.sex_digit, nir.year, nir.month) == ("M", "1", 80, 3)
    assert (nir.place, nir.order, nir.key) == ("2B020", 401, 23)
    assert nir.nir13 == "180032B020401"
    assert nir.matricule == "180032B02040123"
    assert nir.month_known
    assert not nir.born_abroad


def test_parse_nir_of_13_characters_computes_the_key():
    assert parse_nir("2790351215189").matricule == "279035121518989"


def test_parse_nir_born_abroad_and_unknown_month():
    nir = parse_nir(make_nir("F", 1950, 25, "99350", 12))
    assert nir.born_abroad
    assert not nir.month_known


# --------------------------------------------------------------------------------------------
# NIR / NIA: one allow and one refuse per rule
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("27512632207497", "length"),
        ("2751263220749745", "length"),
        ("", "length"),
        ("27512632207497A", "format"),
        ("2X5126322074974", "format"),
        ("2751263 2074974", "format"),
        ("275122C02074974", "place"),
        ("AB5126322074974", "format"),
        ("575126322074974", "sex"),
        ("075126322074974", "sex"),
        ("975126322074974", "sex"),
        ("275006322074974", "month"),
        ("275136322074974", "month"),
        ("275436322074974", "month"),
        ("275496322074974", "month"),
        ("275126322000074", "order"),
        ("275126322074975", "key"),
    ],
)
def test_parse_nir_refuses_with_a_precise_reason(value, reason):
    with pytest.raises(NirError) as error:
        parse_nir(value)
    assert error.value.reason == reason
    assert isinstance(error.value, ValueError)
    assert not is_valid_nir(value)


@pytest.mark.parametrize("sex", ["1", "2", "3", "4", "7", "8"])
def test_accepted_sex_digits(sex):
    nir13 = f"{sex}75126322074"
    nir13 += "9"
    assert is_valid_nir(nir13)
    assert parse_nir(nir13).sexe == ("M" if sex in "137" else "F")


@pytest.mark.parametrize("month", [1, 12, 20, 42, 50, 99])
def test_accepted_month_codes(month):
    assert is_valid_nir(f"275{month:02d}63220749")


@pytest.mark.parametrize("department", ["01", "2A", "2B", "95", "97", "99"])
def test_accepted_departments(department):
    assert is_valid_nir(f"27512{department}220749")


def test_make_nir_refuses_bad_parts():
    with pytest.raises(NirError, match="sex"):
        make_nir("X", 1975, 12, "63220", 749)
    with pytest.raises(NirError, match="order"):
        make_nir("F", 1975, 12, "63220", 0)
    with pytest.raises(NirError, match="order"):
        make_nir("F", 1975, 12, "63220", 1000)
    with pytest.raises(NirError, match="month"):
        make_nir("F", 1975, 0, "63220", 749)
    with pytest.raises(NirError, match="place"):
        make_nir("F", 1975, 12, "2C220", 749)


def test_make_nir_and_make_nia_build_published_values():
    assert make_nir("F", 1975, 12, "63220", 749) == "275126322074974"
    assert make_nir("M", 1980, 3, "2B020", 401) == "180032B02040123"
    assert make_nia("M", 2009, 7, "63220", 888) == "109076322088835"


def test_nir_key_refuses_unreadable_values():
    with pytest.raises(NirError, match="length"):
        nir_key("123")
    with pytest.raises(NirError, match="format"):
        nir_key("1800375X14123")


# --------------------------------------------------------------------------------------------
# NIR / NIA: properties
# --------------------------------------------------------------------------------------------

places = st.from_regex(r"([0-9]{2}|2[AB])[0-9]{3}", fullmatch=True)
months = st.one_of(st.integers(1, 12), st.integers(20, 42), st.integers(50, 99))
nir_parts = st.tuples(
    st.sampled_from(["M", "F"]),
    st.integers(1850, 2100),
    months,
    places,
    st.integers(1, 999),
)


@given(nir_parts, st.booleans())
def test_every_generated_nir_and_nia_validates_and_round_trips(parts, nia):
    sexe, year, month, place, order = parts
    matricule = (make_nia if nia else make_nir)(sexe, year, month, place, order)
    nir = parse_nir(matricule)
    assert (nir.sexe, nir.year, nir.month, nir.place, nir.order) == (
        sexe,
        year % 100,
        month,
        place,
        order,
    )
    assert nir.matricule == matricule


@given(nir_parts, st.integers(0, 14), st.integers(1, 9))
def test_changing_any_single_digit_breaks_the_nir(parts, position, delta):
    matricule = make_nir(*parts)
    if not matricule[position].isdigit():
        return  # the 2A / 2B letter
    digit = str((int(matricule[position]) + delta) % 10)
    changed = matricule[:position] + digit + matricule[position + 1 :]
    assert not is_valid_nir(changed)


@given(st.sampled_from(["2A", "2B"]), st.from_regex(r"[0-9]{3}", fullmatch=True), nir_parts)
def test_corsica_round_trips(department, commune, parts):
    sexe, year, month, _, order = parts
    matricule = make_nir(sexe, year, month, department + commune, order)
    assert matricule[5:7] == department
    assert parse_nir(matricule).place == department + commune
    digits = matricule[:5] + {"2A": "19", "2B": "18"}[department] + matricule[7:13]
    assert int(matricule[13:]) == 97 - int(digits) % 97


# --------------------------------------------------------------------------------------------
# Luhn: RPPS, FINESS, SIREN / SIRET; ADELI
# --------------------------------------------------------------------------------------------


def test_luhn_check_digit():
    assert luhn_check_digit("7992739871") == 3
    assert luhn_check_digit("9970042788") == 5
    with pytest.raises(ValueError, match="digits"):
        luhn_check_digit("12a")


@pytest.mark.parametrize("rpps", ["99700427885", "99700218896", "99700366240"])
def test_published_rpps_are_valid(rpps):
    assert is_valid_rpps(rpps)


@pytest.mark.parametrize("rpps", ["99700427886", "9970042788", "997004278850", "9970042788A", ""])
def test_bad_rpps_are_refused(rpps):
    assert not is_valid_rpps(rpps)


@given(st.integers(0, 9_999_999))
def test_every_sandbox_rpps_validates(serial):
    rpps = make_rpps(serial)
    assert rpps.startswith("997")
    assert len(rpps) == 11
    assert is_valid_rpps(rpps)


@given(st.integers(0, 9_999_999), st.integers(0, 10), st.integers(1, 9))
def test_changing_any_single_digit_breaks_the_rpps(serial, position, delta):
    rpps = make_rpps(serial)
    digit = str((int(rpps[position]) + delta) % 10)
    assert not is_valid_rpps(rpps[:position] + digit + rpps[position + 1 :])


def test_make_rpps_refuses_out_of_range_serials():
    with pytest.raises(ValueError, match="serial"):
        make_rpps(10_000_000)


@pytest.mark.parametrize("finess", ["750712184", "300017985", "130786049"])
def test_published_finess_are_valid(finess):
    assert is_valid_finess(finess)


@pytest.mark.parametrize("finess", ["750712185", "75071218", "7507121840", "2A0000013", ""])
def test_bad_finess_are_refused(finess):
    assert not is_valid_finess(finess)


@given(st.from_regex(r"(0[1-9]|[1-8][0-9]|9[0-5])", fullmatch=True), st.integers(0, 999_999))
def test_every_generated_finess_validates(dept, serial):
    finess = make_finess(dept, serial)
    assert finess.startswith(dept)
    assert is_valid_finess(finess)


@given(st.integers(0, 999_999), st.integers(0, 8), st.integers(1, 9))
def test_changing_any_single_digit_breaks_the_finess(serial, position, delta):
    finess = make_finess("75", serial)
    digit = str((int(finess[position]) + delta) % 10)
    assert not is_valid_finess(finess[:position] + digit + finess[position + 1 :])


def test_make_finess_refuses_corsica_and_bad_serials():
    with pytest.raises(ValueError, match="department"):
        make_finess("2A", 1)
    with pytest.raises(ValueError, match="serial"):
        make_finess("75", 1_000_000)


def test_adeli_is_checked_for_format_only():
    assert is_valid_adeli("751234567")
    assert not is_valid_adeli("75123456")
    assert not is_valid_adeli("75123456A")


def test_siren_and_siret():
    assert is_valid_siren("732829320")
    assert not is_valid_siren("732829321")
    assert is_valid_siret("73282932000074")
    assert not is_valid_siret("73282932000075")
    assert not is_valid_siret("7328293200007")


@given(st.integers(0, 99_999_999), st.integers(0, 9_999))
def test_every_generated_siret_validates(serial, nic):
    siret = make_siret(serial, nic)
    assert is_valid_siret(siret)
    assert is_valid_siren(siret[:9])


def test_make_siret_refuses_bad_serials():
    with pytest.raises(ValueError, match="SIREN"):
        make_siret(100_000_000, 1)
    with pytest.raises(ValueError, match="NIC"):
        make_siret(1, 10_000)


# --------------------------------------------------------------------------------------------
# IdNat
# --------------------------------------------------------------------------------------------

FINESS = "750712184"
SIRET = "73282932000074"


@pytest.mark.parametrize(
    ("idnat", "prefix", "inner"),
    [
        ("899700427885", IdNatPrefix.RPPS, "99700427885"),
        ("0751234567", IdNatPrefix.ADELI, "751234567"),
        ("3750712184", IdNatPrefix.FINESS, FINESS),
        ("3750712184/0001", IdNatPrefix.FINESS, f"{FINESS}/0001"),
        ("4732829320", IdNatPrefix.SIREN, "732829320"),
        ("573282932000074", IdNatPrefix.SIRET, SIRET),
        ("573282932000074/CAB-1", IdNatPrefix.SIRET, f"{SIRET}/CAB-1"),
        ("6123456/7", IdNatPrefix.CABINET_RPPS, "123456/7"),
        ("1123456", IdNatPrefix.CABINET_ADELI, "123456"),
    ],
)
def test_idnat_allowed(idnat, prefix, inner):
    assert parse_idnat(idnat) == (prefix, inner)
    assert make_idnat(prefix, inner) == idnat


@pytest.mark.parametrize(
    ("idnat", "reason"),
    [
        ("", "format"),
        ("2750712184", "prefix"),
        ("899700427886", "rpps"),
        ("8997004278", "rpps"),
        ("075123456", "adeli"),
        ("3750712185", "finess"),
        ("3750712185/0001", "finess"),
        ("3750712184/", "internal-id"),
        ("3750712184/a b", "internal-id"),
        ("4732829321", "siren"),
        ("573282932000075", "siret"),
        ("6ABC/1", "format"),
        ("1ABC", "format"),
    ],
)
def test_idnat_refused(idnat, reason):
    with pytest.raises(IdNatError) as error:
        parse_idnat(idnat)
    assert error.value.reason == reason
    assert isinstance(error.value, ValueError)


def test_make_idnat_refuses_a_bad_inner_id():
    with pytest.raises(IdNatError, match="rpps"):
        make_idnat(IdNatPrefix.RPPS, "99700427886")


@given(st.integers(0, 9_999_999))
def test_rpps_idnat_round_trips(serial):
    rpps = make_rpps(serial)
    assert parse_idnat(make_idnat(IdNatPrefix.RPPS, rpps)) == (IdNatPrefix.RPPS, rpps)


def test_ins_oids():
    assert OID_INS_NIR == "1.2.250.1.213.1.4.8"
    assert OID_INS_NIA == "1.2.250.1.213.1.4.9"
    assert OID_INS_NIR_TEST == "1.2.250.1.213.1.4.10"
    assert OID_INS_NIR_DEMO == "1.2.250.1.213.1.4.11"
