"""Sort keys that put Chinese names in the order a Chinese reader expects: A–Z by pinyin
(李 before 王 before 张), as a dictionary or a class list does.

The key is computed here with pypinyin and stored in a ``<column>_pinyin`` column beside the
name, so that every list sorts in SQL (across all pages, on SQLite and PostgreSQL alike)
with a plain ``ORDER BY``. Keys are lower-case ASCII letters and digits only: each syllable
ends with its tone digit (1–5), which both keeps syllables apart (``xi1an1`` 西安 sorts before
``xian1`` 先, as per-syllable comparison wants) and makes the order the same under the C,
ICU and glibc collations a PostgreSQL column may have (digits before letters in all).
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import event

MAX_LENGTH = 200

# Family names read differently from the everyday reading of their character (单 shàn, 曾
# zēng, 解 xiè …): the first character of a person's name is read as a family name.
SURNAMES = {
    "单": "shan4", "曾": "zeng1", "解": "xie4", "仇": "qiu2", "区": "ou1", "朴": "piao2", "查": "zha1",
    "乐": "yue4", "覃": "qin2", "盖": "ge3", "缪": "miao4", "秘": "bi4", "任": "ren2", "华": "hua4",
    "种": "chong2", "翟": "zhai2", "召": "shao4", "员": "yun4", "繁": "po2", "尉": "wei4",
    "沈": "shen3", "石": "shi2", "柏": "bai3", "薄": "bo2", "卜": "bu3", "宿": "su4", "洗": "xian3",
    "葛": "ge3", "贾": "jia3", "隗": "wei3", "冼": "xian3",
}


def _syllables(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)


@lru_cache(maxsize=20_000)
def pinyin_key(text: str | None, person: bool = True) -> str | None:
    """``张三`` -> ``zhang1san1``; ``单田芳`` -> ``shan4tian2fang1`` (a family name); letters and
    digits of a non-Chinese name are kept, lower-cased; anything else is left out."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return ""
    parts = _syllables(text)
    if person and text[0] in SURNAMES and parts:
        parts[0] = SURNAMES[text[0]]
    key = "".join(ch for ch in "".join(parts).lower() if ch.isascii() and ch.isalnum())
    return key[:MAX_LENGTH]


def keep_pinyin(model, source: str, person: bool = True) -> None:
    """Keep ``<source>_pinyin`` of ``model`` up to date: set on every ORM change of ``source``
    (create and edit through any service), and by the column's insert default for bulk
    inserts that name only ``source`` (the demo and scale-data generators)."""
    target = f"{source}_pinyin"

    @event.listens_for(getattr(model, source), "set", propagate=True)
    def _set(obj, value, _old, _initiator):  # noqa: ANN001
        setattr(obj, target, pinyin_key(value, person))


def insert_default(source: str, person: bool = True):
    """A column default computing the key from the inserted ``source`` value."""
    def _default(context):
        return pinyin_key(context.get_current_parameters().get(source), person)
    return _default
