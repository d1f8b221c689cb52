"""The command-line tasks behind `make admin`, `make backup` and `make restore`."""
import pytest
from sqlalchemy import func, select

from db.engine import dispose_engines, get_engine, session_scope
from db.models import Community, User
import manage


def test_make_admin_creates_the_first_admin_once(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ADMIN_PASSWORD", "first-admin-pw")
    assert manage.main(["admin", "--username", "Chief", "--name", "主任"]) == 0
    with session_scope(get_engine(db_url)) as s:
        user = s.execute(select(User)).scalar_one()
        assert (user.username, user.role, user.must_change_password) == ("chief", "admin", False)
    assert manage.main(["admin", "--username", "second", "--name", "又一个"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_make_admin_refuses_a_short_password(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ADMIN_PASSWORD", "short")
    assert manage.main(["admin", "--username", "chief", "--name", "主任"]) == 1
    assert "password" in capsys.readouterr().err
    with session_scope(get_engine(db_url)) as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_sqlite_backup_and_restore_round_trip(sqlite_template, tmp_path, monkeypatch):
    import shutil

    from services.backup import backup, restore
    from services.bootstrap import prepare

    path = tmp_path / "live.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    prepare(url, load_demo=True)
    saved = backup(str(tmp_path / "backups"))
    with session_scope(get_engine(url), write=True) as s:
        s.execute(Community.__table__.update().values(name="被误改"))
    dispose_engines()
    restore(str(saved))
    with session_scope(get_engine(url)) as s:
        assert sorted(s.execute(select(Community.name)).scalars()) == ["和平里社区", "枫林苑社区"]
    with pytest.raises(FileNotFoundError):
        restore(str(tmp_path / "missing.db"))
