"""pinyin sort keys for people's names

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000

Adds ``resident.name_pinyin`` (indexed: the resident list is the long one),
``volunteer.name_pinyin`` and ``app_user.display_name_pinyin``: the name as lower-case pinyin
with tone digits (``张三`` -> ``zhang1san1``), so that lists and pickers sort names A–Z by
pinyin in SQL on SQLite and PostgreSQL alike (see ``db/sortkey.py``, which keeps them up to
date from now on). Existing rows are filled in here, in id order and in batches.

The key is written out here, not imported from ``db.sortkey``: this migration must keep doing
what it did on the day it was written whatever the code becomes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 2000
SURNAMES = {
    "单": "shan4", "曾": "zeng1", "解": "xie4", "仇": "qiu2", "区": "ou1", "朴": "piao2", "查": "zha1",
    "乐": "yue4", "覃": "qin2", "盖": "ge3", "缪": "miao4", "秘": "bi4", "任": "ren2", "华": "hua4",
    "种": "chong2", "翟": "zhai2", "召": "shao4", "员": "yun4", "繁": "po2", "尉": "wei4",
    "沈": "shen3", "石": "shi2", "柏": "bai3", "薄": "bo2", "卜": "bu3", "宿": "su4", "洗": "xian3",
    "葛": "ge3", "贾": "jia3", "隗": "wei3", "冼": "xian3",
}


def _key(text):
    from pypinyin import Style, lazy_pinyin

    if text is None:
        return None
    text = text.strip()
    if not text:
        return ""
    parts = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
    if text[0] in SURNAMES and parts:
        parts[0] = SURNAMES[text[0]]
    return "".join(ch for ch in "".join(parts).lower() if ch.isascii() and ch.isalnum())[:200]


def _fill(table: str, source: str) -> None:
    conn = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), sa.column(source, sa.String),
                 sa.column(f"{source}_pinyin", sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(t.c.id, t.c[source]).where(t.c.id > last).order_by(t.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        conn.execute(sa.update(t).where(t.c.id == sa.bindparam("rid"))
                     .values({f"{source}_pinyin": sa.bindparam("key")}),
                     [{"rid": rid, "key": _key(name)} for rid, name in rows])
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_pinyin', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_resident_name_pinyin', ['name_pinyin'], unique=False)
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_pinyin', sa.String(length=200), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name_pinyin', sa.String(length=200), nullable=True))
    _fill("resident", "name")
    _fill("volunteer", "name")
    _fill("app_user", "display_name")


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('display_name_pinyin')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('name_pinyin')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_name_pinyin')
        batch_op.drop_column('name_pinyin')
