"""Migrations build the schema the models describe, on both backends."""
from sqlalchemy import inspect

from db.engine import get_engine
from db.migrate import check, current_revision, head_revision
from db.models import Base


def test_upgrade_reaches_head_and_matches_the_models(db_url):
    assert current_revision(db_url) == head_revision()
    check(db_url)  # raises if autogenerate would find a difference
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    for name in ("community", "grid", "building", "household", "app_user", "audit_log", "setting"):
        assert name in tables


def test_prepare_on_an_empty_database_without_demo(db_url, monkeypatch):
    from services.bootstrap import prepare

    monkeypatch.setenv("COMMUNITY_DEMO", "0")
    assert prepare(db_url) == "empty"
    assert prepare(db_url) == "empty"  # idempotent


def test_prepare_loads_the_demo_once(db_url):
    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.models import Building, Community, Grid, Household, User
    from services.bootstrap import prepare

    assert prepare(db_url, load_demo=True) == "demo"
    assert prepare(db_url, load_demo=True) == "ready"
    with session_scope(get_engine(db_url)) as s:
        count = lambda m: s.execute(select(func.count()).select_from(m)).scalar_one()  # noqa: E731
        assert count(Community) == 2 and count(Grid) == 6 and count(Building) == 40
        assert 1400 <= count(Household) <= 1600
        assert sorted(s.execute(select(User.username)).scalars()) == \
            ["admin", "manager", "staff", "supervisor", "volunteer"]
