"""Identity numbers and phones: normalisation and validation (pure functions)."""
from datetime import date

import pytest

from services import idcard
from services.idcard import IdError, check_char, mask, normalize_phone, parse, parse_mainland

TODAY = date(2026, 11, 23)


def make_id(region="110105", born="19490312", seq="123") -> str:
    first17 = region + born + seq
    return first17 + check_char(first17)


def test_valid_number_gives_birth_date_and_gender():
    info = parse_mainland(make_id(seq="123"), TODAY)
    assert info.birth_date == date(1949, 3, 12) and info.gender == "男"
    assert parse_mainland(make_id(seq="124"), TODAY).gender == "女"


def test_known_checksum_example():
    # GB 11643's published example
    assert check_char("11010519491231002") == "X"


def test_bad_checksum_is_refused():
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(IdError) as e:
        parse_mainland(bad, TODAY)
    assert e.value.key == "err.id_checksum"


@pytest.mark.parametrize("born", ["19990230", "20011301", "19000000"])
def test_impossible_date(born):
    with pytest.raises(IdError) as e:
        parse_mainland(make_id(born=born), TODAY)
    assert e.value.key == "err.id_bad_date"


def test_future_birth():
    with pytest.raises(IdError) as e:
        parse_mainland(make_id(born="20261124"), TODAY)
    assert e.value.key == "err.id_future_birth"
    assert parse_mainland(make_id(born="20261123"), TODAY).birth_date == TODAY


def test_fifteen_digit_legacy_number_is_upgraded():
    info = parse_mainland("110105491231002", TODAY)
    assert info.upgraded and info.number == "11010519491231002X" and info.birth_date == date(1949, 12, 31)


def test_lower_case_x_full_width_digits_and_spaces_are_normalised():
    number = "11010519491231002X"
    for typed in ("11010519491231002x", "１１０１０５１９４９１２３１００２ｘ", " 110105 19491231 002X ", "110105-19491231-002x"):
        assert parse_mainland(typed, TODAY).number == number


def test_unknown_region_and_wrong_length():
    with pytest.raises(IdError) as e:
        parse_mainland(make_id(region="990101"), TODAY)
    assert e.value.key == "err.id_region"
    for typed in ("1101051949", "11010519491231002Y", ""):
        with pytest.raises(IdError):
            parse_mainland(typed, TODAY)


def test_other_documents():
    assert parse("护照", "e12345678", TODAY).number == "E12345678"
    assert parse("港澳居民来往内地通行证", "H12345678", TODAY).number == "H12345678"
    assert parse("台湾居民来往大陆通行证", "12345678", TODAY).number == "12345678"
    permit = make_id(region="810000", born="19900101")
    assert parse("港澳台居民居住证", permit, TODAY).birth_date == date(1990, 1, 1)
    with pytest.raises(IdError) as e:
        parse("居民身份证", permit, TODAY)
    assert e.value.key == "err.id_is_permit"
    with pytest.raises(IdError):
        parse("港澳居民来往内地通行证", "X1234", TODAY)
    with pytest.raises(IdError):
        parse("护照", "E-12", TODAY)


def test_mask_shows_region_and_last_four_only():
    assert mask("11010519491231002X") == "110105********002X"
    assert "12345" not in mask("E12345678")


@pytest.mark.parametrize("typed,expected", [
    ("+86 138 0013 8000", "13800138000"), ("0086-13800138000", "13800138000"), ("１３８００１３８０００", "13800138000"),
    ("010-64213300", "010-64213300"), ("(010) 6421 3300", "010-64213300"), ("0755-8888888-123", "0755-8888888-123"),
])
def test_phone_normalisation(typed, expected):
    assert normalize_phone(typed) == expected


@pytest.mark.parametrize("typed", ["12345", "2380013800", "138001380001", "abc"])
def test_bad_phones(typed):
    with pytest.raises(IdError):
        normalize_phone(typed)


def test_age_on_birthday_boundaries():
    assert idcard.age_on(date(1966, 11, 23), TODAY) == 60
    assert idcard.age_on(date(1966, 11, 24), TODAY) == 59
    assert idcard.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def test_free_text_keeps_chinese_punctuation_but_not_full_width_digits():
    from services.records import clean_text

    assert clean_text("  上门了解情况，已推荐岗位（３个）　") == "上门了解情况，已推荐岗位（3个）"
    assert clean_text("ＨＰＬ－０１") == "HPL－01"  # letters and digits only; the dash is punctuation
