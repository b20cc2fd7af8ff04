"""Badge codes: small, unforgeable, revocable, with no personal data."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventapp.checkin import codes
from eventapp.qr import qr_version

SECRET = "unit-secret"


@pytest.mark.parametrize("person_id", [1, 42, 9999, 2**32 - 1])
def test_code_is_base32_upper_case_and_fits_qr_version_3_at_ecc_m(person_id):
    code = codes.make_code(SECRET, person_id, 255)
    assert code == code.upper() and set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert qr_version(code) <= 3


def test_round_trip_ignores_case_and_surrounding_spaces():
    code = codes.make_code(SECRET, 7, 2)
    assert codes.parse_code(SECRET, f"  {code.lower()}\n") == codes.BadgeId(7, 2)


def test_code_carries_no_name_and_differs_per_person_and_version():
    a, b, c = codes.make_code(SECRET, 7), codes.make_code(SECRET, 8), codes.make_code(SECRET, 7, 2)
    assert len({a, b, c}) == 3


def test_another_secret_or_a_flipped_character_is_forged():
    code = codes.make_code(SECRET, 7)
    with pytest.raises(codes.CodeError) as err:
        codes.parse_code("other-secret", code)
    assert err.value.kind == "forged"
    flipped = code[:-2] + ("A" if code[-2] != "A" else "B") + code[-1]
    with pytest.raises(codes.CodeError) as err:
        codes.parse_code(SECRET, flipped)
    assert err.value.kind == "forged"


@pytest.mark.parametrize(
    "raw,kind",
    [("hello", "malformed"), ("1" * 34, "malformed"), ("A" * 129, "oversized"), ("https://example.org/x", "malformed")],
)
def test_refusals_name_their_kind(raw, kind):
    with pytest.raises(codes.CodeError) as err:
        codes.parse_code(SECRET, raw)
    assert err.value.kind == kind


def test_short_code_is_readable_and_changes_on_reissue():
    short = codes.short_code(SECRET, 7, 1)
    assert len(short) == codes.SHORT_LENGTH and set(short) <= set(codes.SHORT_ALPHABET)
    assert short != codes.short_code(SECRET, 7, 2)


def test_roster_hash_hides_the_code_but_matches_any_spelling():
    code = codes.make_code(SECRET, 7)
    h = codes.roster_hash(code)
    assert code not in h and h == codes.roster_hash(" " + code.lower())


@given(
    st.integers(1, 2**32 - 1),
    st.integers(1, 255),
    st.integers(0, 33),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
)
def test_any_code_round_trips_and_any_changed_character_is_refused(person_id, version, at, char):
    code = codes.make_code(SECRET, person_id, version)
    assert codes.parse_code(SECRET, code) == codes.BadgeId(person_id, version)
    changed = code[:at] + char + code[at + 1 :]
    if changed != code:
        with pytest.raises(codes.CodeError):
            codes.parse_code(SECRET, changed)
