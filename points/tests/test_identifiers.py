import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from points.identifiers import (
    IdentifierError,
    age_in_full_years,
    id_check_character,
    mask_id_number,
    parse_id_number,
    parse_uscc,
    uscc_check_character,
)

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "360426199101010071", "341221199001010132"])
def test_domain_examples_verify(value):
    assert parse_id_number(value, today=TODAY).value == value


def test_lower_case_x_is_normalised():
    assert parse_id_number("11010519491231002x", today=TODAY).value == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("341221199001010130", "id_check_character"),
        ("34122119900101013", "id_length"),
        ("341221199102300139", "id_birth_date_impossible"),
        ("341221203001010131", "id_birth_date_future"),
        ("3412211990010101AB", "id_characters"),
    ],
)
def test_each_failure_says_which_rule(value, code):
    with pytest.raises(IdentifierError) as err:
        parse_id_number(value, today=TODAY)
    assert err.value.code == code
    assert err.value.message and err.value.message_en


def test_fifteen_digit_number_is_converted():
    # 110105491231002 is the legacy form of 11010519491231002X.
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.male is False


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_generated_numbers_round_trip(birth, seq):
    first17 = f"330203{birth:%Y%m%d}{seq:03d}"
    value = first17 + id_check_character(first17)
    parsed = parse_id_number(value, today=TODAY)
    assert parsed.birth_date == birth
    assert parsed.male == (seq % 2 == 1)


def test_uscc_example_and_bad_check():
    assert parse_uscc("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(IdentifierError) as err:
        parse_uscc("91330212MA2H4X5P30")
    assert err.value.code == "uscc_check_character"
    assert uscc_check_character("91330212MA2H4X5P3") != "0"


def test_uscc_rejects_letters_outside_alphabet():
    with pytest.raises(IdentifierError) as err:
        parse_uscc("91350100M000100I43")
    assert err.value.code == "uscc_characters"


def test_age_and_mask():
    assert age_in_full_years(dt.date(1985, 3, 10), dt.date(2026, 12, 1)) == 41
    assert age_in_full_years(dt.date(1985, 12, 2), dt.date(2026, 12, 1)) == 40
    assert mask_id_number("33020319900101123X") == "3302**********123X"


def test_leap_day_birthday_follows_full_months_of_domain_7_8():
    from points.measures.dates import full_years

    born = dt.date(2008, 2, 29)
    assert age_in_full_years(born, dt.date(2026, 2, 27)) == 17
    assert age_in_full_years(born, dt.date(2026, 2, 28)) == 18
    for on in (dt.date(2026, 2, 27), dt.date(2026, 2, 28), dt.date(2028, 2, 28),
               dt.date(2028, 2, 29), dt.date(2028, 3, 1)):
        assert age_in_full_years(born, on) == full_years(born, on)
