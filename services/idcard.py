"""Identity documents and phone numbers: normalisation and format checks.

Mainland resident ID (居民身份证): 18 characters — 6-digit region, 8-digit birth date, 3-digit
sequence (odd: male, even: female), a check character (ISO 7064 MOD 11-2). A 15-digit number
of the first generation is upgraded to 18 (century 19, check character computed).
Errors are catalog keys.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from services import clock

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}

ID_TYPES = ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "港澳台居民居住证")


def normalize(raw) -> str:
    """Full-width to half-width, spaces and dashes out, upper case (a lower-case x is common)."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return re.sub(r"[\s\-]", "", text).upper()


def check_char(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date | None
    gender: str | None  # 男 / 女
    upgraded: bool = False


class IdError(ValueError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def _birth(number: str, start: int, length: int, today: date) -> date:
    text = number[start:start + length]
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise IdError("err.id_bad_date") from None
    if born > today:
        raise IdError("err.id_future_birth")
    if born.year < 1880:
        raise IdError("err.id_bad_date")
    return born


def parse_mainland(raw, today: date | None = None) -> IdInfo:
    today = today or clock.today()
    number = normalize(raw)
    upgraded = False
    if re.fullmatch(r"\d{15}", number):
        first17 = number[:6] + "19" + number[6:]
        number, upgraded = first17 + check_char(first17), True
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdError("err.id_format")
    if int(number[:2]) not in PROVINCES:
        raise IdError("err.id_region")
    born = _birth(number, 6, 8, today)
    if check_char(number[:17]) != number[17]:
        raise IdError("err.id_checksum")
    return IdInfo(number, born, "男" if int(number[16]) % 2 else "女", upgraded)


PATTERNS = {
    "护照": r"[A-Z0-9]{5,17}",  # Chinese passports are E/G + 8 digits; foreign ones vary
    "港澳居民来往内地通行证": r"[HM]\d{8}(\d{2})?",
    "台湾居民来往大陆通行证": r"\d{8}|\d{10}[A-Z]?",
}


def parse(id_type: str, raw, today: date | None = None) -> IdInfo:
    """Validate a document number of ``id_type``; raises ``IdError`` with a catalog key."""
    if id_type not in ID_TYPES:
        raise IdError("err.id_type")
    if id_type in ("居民身份证", "港澳台居民居住证"):
        info = parse_mainland(raw, today)
        if id_type == "港澳台居民居住证" and info.number[:2] not in ("81", "82", "83"):
            raise IdError("err.id_permit_region")
        if id_type == "居民身份证" and info.number[:2] in ("81", "82", "83"):
            raise IdError("err.id_is_permit")
        return info
    number = normalize(raw)
    if not re.fullmatch(PATTERNS[id_type], number):
        raise IdError("err.id_format")
    return IdInfo(number, None, None)


def mask(number: str) -> str:
    """``110105********1234``: region and last four only."""
    if len(number) < 15:  # passports and permits: first character and last three
        return number[:1] + "*" * max(0, len(number) - 4) + number[-3:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalize_phone(raw) -> str:
    """Mainland mobile (11 digits from 1[3-9]) or landline (0 + area code, 7–8 digits, optional
    extension). ``+86``/``0086`` and spaces are accepted; raises IdError("err.phone")."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    text = re.sub(r"[\s()（）]", "", text)
    text = re.sub(r"^(\+86|0086)-?", "", text)
    digits = text.replace("-", "")
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    # area codes: 010 and 02x have three digits, every other one four
    m = re.fullmatch(r"(010|02\d|0[3-9]\d{2})-?(\d{7,8})(?:(?:-|转|#)(\d{1,6}))?", text)
    if m:
        return f"{m.group(1)}-{m.group(2)}" + (f"-{m.group(3)}" if m.group(3) else "")
    raise IdError("err.phone")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
