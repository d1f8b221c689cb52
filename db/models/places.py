"""The place hierarchy every ledger hangs on: community → grid → building → household."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false, func, select
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CommunityScoped, RecordMixin
from db.declarations import Column, Field, Ledger, Scope

HARDSHIP_BANDS = ("无", "一般", "较困难", "特困")
HOUSING_CONDITIONS = ("自有住房", "租赁住房", "公租房", "借住", "其他")


class Community(RecordMixin, Base):
    __tablename__ = "community"
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    street: Mapped[str | None] = mapped_column(String(100))  # 街道
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    # a fire-safety key unit (消防安全重点单位): its fire drills are due every six months, not yearly
    fire_key_unit: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())


class Grid(CommunityScoped, RecordMixin, Base):
    __tablename__ = "grid"
    __table_args__ = (UniqueConstraint("community_id", "code", name="uq_grid_community_code"),)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    leader_name: Mapped[str | None] = mapped_column(String(50))  # 格长
    note: Mapped[str | None] = mapped_column(Text)


class Building(CommunityScoped, RecordMixin, Base):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("community_id", "code", name="uq_building_community_code"),)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    address: Mapped[str | None] = mapped_column(String(200))
    floors: Mapped[int | None] = mapped_column(Integer)
    units: Mapped[int | None] = mapped_column(Integer)


class Household(CommunityScoped, RecordMixin, Base):
    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("building_id", "unit", "room", name="uq_household_building_room"),)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), nullable=False, index=True)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)  # 单元
    room: Mapped[str] = mapped_column(String(16), nullable=False)  # 房号
    size: Mapped[int | None] = mapped_column(Integer)
    housing_condition: Mapped[str | None] = mapped_column(String(20))
    hardship: Mapped[str] = mapped_column(String(10), nullable=False, default="无")
    note: Mapped[str | None] = mapped_column(Text)


def _code_ok(value) -> str | None:
    text = str(value or "")
    if not text.replace("-", "").replace("_", "").isalnum():
        return "err.code_format"
    return None


COMMUNITY = Ledger(
    key="community", model=Community, label="place.community", default_sort="code",
    page="places", scope=Scope(community="id"), unique=(("code",),),
    actions={"create": "communities", "edit": "communities", "delete": "communities"},
    fields=(
        Field("code", "field.code", required=True, max_length=32, validator=_code_ok, search=True),
        Field("name", "field.name", required=True, max_length=100, search=True),
        Field("street", "field.street", max_length=100),
        Field("address", "field.address", max_length=200),
        Field("phone", "field.phone", max_length=40),
        Field("fire_key_unit", "place.fire_key_unit", type="bool", help="place.fire_key_unit_help"),
    ),
)

def _households(today):
    """A grid's live households, counted in SQL for its list."""
    return (select(func.count(Household.id)).join(Building, Building.id == Household.building_id)
            .where(Building.grid_id == Grid.id, Household.deleted_at.is_(None), Building.deleted_at.is_(None))
            .scalar_subquery())


GRID = Ledger(
    key="grid", model=Grid, label="place.grid", parent="community_id", default_sort="code",
    page="places", scope=Scope(grid="id"), unique=(("code",),), actions={"create": "edit"},
    after_save="services.places:grid_warnings", columns=(Column("households", "field.households", _households),),
    fields=(
        Field("community_id", "place.community", type="ref", ref="community", required=True, filter=True),
        Field("code", "field.code", required=True, max_length=32, validator=_code_ok, search=True),
        Field("name", "field.name", required=True, max_length=100, search=True),
        Field("leader_name", "field.leader_name", max_length=50),
        Field("note", "field.note", type="longtext", list=False),
    ),
)

BUILDING = Ledger(
    key="building", model=Building, label="place.building", parent="grid_id", default_sort="code",
    page="places", scope=Scope(grid="grid_id"), unique=(("code",),), actions={"create": "edit"},
    fields=(
        Field("grid_id", "place.grid", type="ref", ref="grid", required=True, filter=True),
        Field("code", "field.code", required=True, max_length=32, validator=_code_ok, search=True),
        Field("name", "field.name", required=True, max_length=100, search=True),
        Field("address", "field.address", max_length=200, search=True),
        Field("floors", "field.floors", type="int", min_value=1, max_value=200),
        Field("units", "field.units", type="int", min_value=1, max_value=50),
    ),
)

HOUSEHOLD = Ledger(
    key="household", model=Household, label="place.household", parent="building_id", default_sort="id",
    page="places", scope=Scope(through="building_id"), unique=(("building_id", "unit", "room"),),
    actions={"create": "edit"},
    fields=(
        Field("building_id", "place.building", type="ref", ref="building", required=True, filter=True),
        Field("unit", "field.unit", required=True, max_length=16, search=True),
        Field("room", "field.room", required=True, max_length=16, search=True),
        Field("size", "field.household_size", type="int", min_value=0, max_value=30),
        Field("housing_condition", "field.housing_condition", type="choice",
              choices=HOUSING_CONDITIONS, choices_key="housing", filter=True),
        Field("hardship", "field.hardship", type="choice", required=True,
              choices=HARDSHIP_BANDS, choices_key="hardship", filter=True),
        Field("note", "field.note", type="longtext", list=False),
    ),
)

PLACE_LEDGERS = {lg.key: lg for lg in (COMMUNITY, GRID, BUILDING, HOUSEHOLD)}
