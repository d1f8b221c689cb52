"""Resident files (居民档案), their special-group tags, visits and rental housing."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import (Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
                        and_, func, select)
from sqlalchemy.orm import Mapped, mapped_column

from db import reference
from db import declarations as decl
from db.base import Base, CommunityScoped, RecordMixin
from db.declarations import FIELD_WORKERS, Field, Ledger, Scope
from db.periods import UNITS
from db.models.places import Building, Household
from db.sortkey import MAX_LENGTH, insert_default, keep_pinyin

GENDERS = ("男", "女")
RESIDENCE_TYPES = ("自住", "租住", "群租")
RELATIONS = ("户主", "配偶", "子女", "父母", "孙辈", "兄弟姐妹", "其他")
STATUSES = ("active", "moved_out", "deceased")
ID_TYPES = ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "港澳台居民居住证")
AGE_BANDS = ("0-17", "18-39", "40-59", "60-79", "80+")
# how household registers (户口簿) and committees' lists write the relation to the head
RELATION_SYNONYMS = {
    "本人": "户主", "户主本人": "户主", "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶",
    "子": "子女", "女": "子女", "儿子": "子女", "女儿": "子女", "长子": "子女", "次子": "子女", "长女": "子女",
    "次女": "子女", "父": "父母", "母": "父母", "父亲": "父母", "母亲": "父母", "孙子": "孙辈", "孙女": "孙辈",
    "外孙": "孙辈", "外孙女": "孙辈", "兄": "兄弟姐妹", "弟": "兄弟姐妹", "姐": "兄弟姐妹", "妹": "兄弟姐妹",
    "哥哥": "兄弟姐妹", "弟弟": "兄弟姐妹", "姐姐": "兄弟姐妹", "妹妹": "兄弟姐妹",
}


@lru_cache(maxsize=1)
def vocab() -> dict:
    return reference.load("residents")


def special_groups() -> tuple[str, ...]:
    return tuple(vocab()["special_groups"])


def restricted_groups() -> frozenset[str]:
    return frozenset(k for k, v in vocab()["special_groups"].items() if v.get("restricted"))


class Resident(CommunityScoped, RecordMixin, Base):
    __tablename__ = "resident"
    __table_args__ = (
        UniqueConstraint("id_hash", name="uq_resident_id_hash"),
        Index("ix_resident_scope", "community_id", "grid_id", "status"),
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), nullable=False, index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, index=True)
    # lists and pickers sort names by pinyin in SQL (db.sortkey)
    name_pinyin: Mapped[str | None] = mapped_column(String(MAX_LENGTH), default=insert_default("name"), index=True)
    gender: Mapped[str] = mapped_column(String(2), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    id_type: Mapped[str] = mapped_column(String(20), nullable=False)
    id_enc: Mapped[str] = mapped_column(Text, nullable=False)  # Fernet token, never the plain number
    id_hash: Mapped[str] = mapped_column(String(64), nullable=False)  # HMAC for exact search and duplicates
    id_masked: Mapped[str] = mapped_column(String(32), nullable=False)
    id_last4: Mapped[str] = mapped_column(String(4), nullable=False, index=True)
    phone: Mapped[str | None] = mapped_column(String(30), index=True)
    relation: Mapped[str | None] = mapped_column(String(10))
    residence_type: Mapped[str] = mapped_column(String(4), nullable=False, default="自住")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    status_date: Mapped[date | None] = mapped_column(Date)
    needs: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)


keep_pinyin(Resident, "name")


class ResidentTag(CommunityScoped, Base):
    """A special-group tag; ``since`` starts the visit clock for a resident never visited."""

    __tablename__ = "resident_tag"
    __table_args__ = (UniqueConstraint("resident_id", "tag", name="uq_resident_tag"),
                      Index("ix_resident_tag_tag", "tag", "resident_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    tag: Mapped[str] = mapped_column(String(20), nullable=False)
    since: Mapped[date] = mapped_column(Date, nullable=False)


class VisitRule(RecordMixin, Base):
    """How often residents with a tag must be visited (rule rows, editable)."""

    __tablename__ = "visit_rule"
    __table_args__ = (UniqueConstraint("tag", name="uq_visit_rule_tag"),)
    tag: Mapped[str] = mapped_column(String(20), nullable=False)
    unit: Mapped[str] = mapped_column(String(10), nullable=False)  # day / week / month / quarter / year
    every: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


# One row per special group, seeded from residents.yaml (services.visits.seed_rules): an admin
# changes how often, on the reference page; nobody adds or deletes one (the matrix row
# "reference" has view and edit only).
VISIT_RULE = Ledger(
    key="visit_rule", model=VisitRule, label="table.visit_rule", page="reference", scope=Scope(community=None),
    fields=(
        Field("tag", "res.group", type="choice", choices=special_groups(), choices_key="group", editable=False,
              restricted=restricted_groups),
        Field("every", "ref.rule_every", type="int", required=True, min_value=1, max_value=366),
        Field("unit", "ref.rule_unit", type="choice", choices=UNITS, choices_key="unit", required=True),
    ),
)


class Visit(CommunityScoped, RecordMixin, Base):
    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_resident_date", "resident_id", "visit_date"),
                      Index("ix_visit_community_date", "community_id", "visit_date"),
                      # the coverage KPIs read these without touching the table
                      Index("ix_visit_date_resident", "visit_date", "resident_id", "deleted_at"),
                      Index("ix_visit_resident_live", "resident_id", "visit_date", "deleted_at"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), nullable=False)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    visit_date: Mapped[date] = mapped_column(Date, nullable=False)
    visit_type: Mapped[str] = mapped_column(String(10), nullable=False)
    staff_name: Mapped[str] = mapped_column(String(50), nullable=False)
    minutes: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(10))


rental_tenant = Table(
    "rental_tenant", Base.metadata,
    Column("rental_id", ForeignKey("rental.id", ondelete="CASCADE"), primary_key=True),
    Column("resident_id", ForeignKey("resident.id"), primary_key=True),
)


class Rental(CommunityScoped, RecordMixin, Base):
    __tablename__ = "rental"
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    landlord_name: Mapped[str] = mapped_column(String(50), nullable=False)
    landlord_phone: Mapped[str | None] = mapped_column(String(30))
    registered_date: Mapped[date] = mapped_column(Date, nullable=False)
    group_rental: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 群租
    pledge_signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 治安责任书
    occupants: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="registered")
    note: Mapped[str | None] = mapped_column(Text)


class RentalCheck(CommunityScoped, RecordMixin, Base):
    __tablename__ = "rental_check"
    __table_args__ = (Index("ix_rental_check_rental_date", "rental_id", "check_date"),)
    rental_id: Mapped[int] = mapped_column(ForeignKey("rental.id"), nullable=False)
    check_date: Mapped[date] = mapped_column(Date, nullable=False)
    inspector: Mapped[str] = mapped_column(String(50), nullable=False)
    result: Mapped[str] = mapped_column(String(10), nullable=False)  # 合格 / 需整改
    note: Mapped[str | None] = mapped_column(Text)


# --- what the lists filter by and show, in SQL ----------------------------------------------

def years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def age_band_clause(band: str, today: date):
    """Residents whose age today is in ``band`` ("18-39", "80+"), as birth-date bounds."""
    lo, hi = (band.rstrip("+"), None) if band.endswith("+") else band.split("-")
    lo, hi = int(lo), (int(hi) if hi is not None else None)
    conds = [Resident.birth_date <= years_before(today, lo)]  # age >= lo
    if hi is not None:  # age <= hi <=> born after today minus (hi + 1) years
        conds.append(Resident.birth_date > years_before(today, hi + 1))
    return and_(*conds)


def in_group(tag: str, today: date | None = None):
    return Resident.id.in_(select(ResidentTag.resident_id).where(ResidentTag.tag == tag))


def address_of(household_id):
    """"1号楼 2单元 301" of the row's household, as a correlated subquery."""
    return (select(Building.name + " " + Household.unit + " " + Household.room)
            .join(Household, Household.building_id == Building.id).where(Household.id == household_id)
            .scalar_subquery())


RESIDENT = Ledger(
    key="resident", model=Resident, label="res.resident", parent="household_id", default_sort="name",
    page="residents", scope=Scope(grid="grid_id"), audit_exclude=("id_enc", "id_hash"),
    # the checks that need more than one field (the ID number gives birth date and gender), the
    # duplicate number, the tags and the page's tags and age are services.residents'
    validate="services.residents:check_values", clean="services.residents:check_number",
    after_save="services.residents:store_tags", search="services.residents:search_clause",
    fill="services.residents:fill_rows",
    columns=(decl.Column("address", "res.address", lambda today: address_of(Resident.household_id)),),
    fields=(
        Field("name", "res.name", required=True, max_length=50, search=True, aliases=("居民姓名", "fullname")),
        Field("gender", "res.gender", type="choice", choices=GENDERS, choices_key="gender", help="res.gender_help",
              aliases=("sex",), synonyms={"男性": "男", "女性": "女", "M": "男", "F": "女"}),
        # computed from the birth date for the page (fill): a role that may not see the birth date sees this
        Field("age", "res.age", type="int", editable=False, column=False),
        # the birth date is digits 7–14 of an ID number: only the roles that may reveal it see it
        Field("birth_date", "res.birth_date", type="date", help="res.birth_help", list=False, personal=True,
              aliases=("出生年月日", "出生年月", "生日", "birth", "dob")),
        Field("id_type", "res.id_type", type="choice", choices=ID_TYPES, choices_key="idtype", required=True,
              list=False, aliases=("证件种类",),
              synonyms={"身份证": "居民身份证", "二代身份证": "居民身份证", "港澳通行证": "港澳居民来往内地通行证",
                        "回乡证": "港澳居民来往内地通行证", "台胞证": "台湾居民来往大陆通行证"}),
        Field("id_number", "res.id_number", required=True, max_length=40, personal=True, list=False, column=False,
              help="res.id_help", export=False,
              aliases=("身份证号", "身份证号码", "身份证", "证件号", "公民身份号码", "id", "idno", "idcard")),
        Field("phone", "res.phone", max_length=30, search=True, personal=True, sees=FIELD_WORKERS, mask="phone",
              aliases=("手机号", "手机号码", "手机", "电话", "联系方式", "mobile", "telephone")),
        Field("id_masked", "res.id_masked", editable=False, personal=True, mask="id"),
        Field("household_id", "place.household", type="ref", ref="household", required=True, list=False),
        Field("relation", "res.relation", type="choice", choices=RELATIONS, choices_key="relation", list=False,
              aliases=("关系", "relationship"), synonyms=RELATION_SYNONYMS),
        Field("residence_type", "res.residence_type", type="choice", choices=RESIDENCE_TYPES,
              choices_key="residence", required=True, filter=True, aliases=("居住情况", "居住性质"),
              synonyms={"自有住房": "自住", "自有": "自住", "租房": "租住", "租赁": "租住", "租户": "租住"}),
        Field("tags", "res.tags", type="multichoice", choices=special_groups(), choices_key="group",
              list=False, column=False, restricted=restricted_groups,
              aliases=("人员类别", "人群类别", "特殊人群类别", "标签", "groups", "category")),
        # 老年人 (from the age) and the tags the role may see, for the list (fill)
        Field("groups", "res.groups", editable=False, column=False),
        Field("needs", "res.needs", type="longtext", max_length=1000, list=False, personal=True, sees=FIELD_WORKERS,
              aliases=("需求",)),
        Field("consent", "res.consent", type="bool", list=False, aliases=("同意采集", "知情同意")),
        Field("notes", "field.note", type="longtext", max_length=2000, list=False, personal=True,
              aliases=("remarks", "说明")),
        Field("status", "res.status", type="choice", choices=STATUSES, choices_key="status", filter=True,
              editable=False),
        # filters only
        Field("grid_id", "place.grid", type="ref", ref="grid", filter=True, list=False, editable=False),
        Field("building_id", "place.building", type="ref", ref="building", filter=True, list=False, editable=False),
        Field("tag", "res.group", type="choice", choices=special_groups(), choices_key="group", filter=True,
              list=False, editable=False, column=False, restricted=restricted_groups, where=in_group, export=False),
        Field("age_band", "res.age_band", type="choice", choices=AGE_BANDS, filter=True, list=False,
              editable=False, column=False, where=age_band_clause, export=False),
    ),
)


def resident_name(resident_id):
    return select(Resident.name).where(Resident.id == resident_id).scalar_subquery()


VISIT = Ledger(
    key="visit", model=Visit, label="visit.visit", default_sort="visit_date", descending=True,
    # a visit is seen with its resident; one of a resident in a restricted group only by the roles
    # that see the group (or by who logged it)
    page="visits", scope=Scope(through="resident_id", rule="services.visits:restricted_rule"), parent="resident_id",
    clean="services.visits:check_date",
    columns=(decl.Column("resident_name", "visit.resident_name", lambda today: resident_name(Visit.resident_id)),),
    fields=(
        # set by the log-a-visit flow; the list shows the name (resident_name)
        Field("resident_id", "res.resident", type="ref", ref="resident", required=True, list=False,
              create_only=True, export=False),
        Field("visit_date", "visit.date", type="date", required=True, past_only=True),
        Field("visit_type", "visit.type", type="choice", choices=tuple(vocab()["visit_types"]),
              choices_key="visittype", required=True, filter=True),
        Field("staff_name", "visit.staff", required=True, max_length=50, search=True),
        Field("minutes", "visit.minutes", type="int", min_value=1, max_value=24 * 60),
        Field("outcome", "visit.outcome", type="longtext", max_length=2000, search=True),
        Field("satisfaction", "visit.satisfaction", type="choice", choices=tuple(vocab()["satisfaction"]),
              choices_key="satisfaction"),
        Field("grid_id", "place.grid", type="ref", ref="grid", filter=True, list=False, editable=False),
    ),
)

CHECK_STATES = ("overdue", "soon", "ok")


def last_check(rental_id):
    return (select(func.max(RentalCheck.check_date))
            .where(RentalCheck.rental_id == rental_id, RentalCheck.deleted_at.is_(None)).scalar_subquery())


RENTAL = Ledger(
    key="rental", model=Rental, label="rental.rental", default_sort="registered_date", descending=True,
    page="rentals", scope=Scope(grid="grid_id"), parent="household_id",
    clean="services.rentals:check_values", after_save="services.rentals:store_tenants",
    fill="services.rentals:fill_rows",
    columns=(
        decl.Column("last_check", "rental.last_check", lambda today: last_check(Rental.id), sortable=True),
        # the inspection clock in SQL (quarterly, monthly for 群租; the rules are settings rows)
        decl.Column("next_due", "rental.next_check", "services.rentals:next_due_column", sortable=True),
        decl.Column("check_status", "rental.check_status", "services.rentals:check_status_column"),
        decl.Column("days_overdue", "visit.overdue_days", "services.rentals:days_overdue_column", sortable=True),
    ),
    fields=(
        Field("household_id", "rental.address", type="ref", ref="household", required=True),
        Field("landlord_name", "rental.landlord", required=True, max_length=50, search=True, personal=True,
              sees=FIELD_WORKERS, mask="name"),
        Field("landlord_phone", "rental.landlord_phone", max_length=30, personal=True, list=False,
              sees=FIELD_WORKERS, mask="phone"),
        Field("registered_date", "rental.registered", type="date", required=True, past_only=True),
        Field("group_rental", "rental.group", type="bool", filter=False),
        Field("pledge_signed", "rental.pledge", type="bool"),
        Field("occupants", "rental.occupants", type="int", required=True, min_value=1, max_value=200),
        Field("tenants", "rental.tenants", type="multichoice", list=False, column=False),
        Field("note", "field.note", type="longtext", max_length=2000, list=False),
        Field("status", "rental.status", type="choice", choices=("registered", "closed"), choices_key="rentalstatus",
              filter=True, editable=False),
        Field("grid_id", "place.grid", type="ref", ref="grid", filter=True, list=False, editable=False),
        # the check clock's state: a filter on the computed column of the same name
        Field("check_status", "rental.check_status", type="choice", choices=CHECK_STATES, choices_key="check",
              filter=True, list=False, editable=False, column=False, export=False),
    ),
)
