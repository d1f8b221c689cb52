"""Streamlit's own English in the Chinese UI (issue 17): what the app can keep out of sight it
does, on every page. A multiselect offers no "Select all"; no date field has limits of its own
(Streamlit's "Date set outside allowed range …" and a form that then saves the last valid date);
no number field in a form refuses in English ("Number is above the allowed range …"); every file
uploader says its types and size limit in the catalog's words. What stays English is listed in
the README ("What stays in English")."""
from __future__ import annotations

from datetime import date

import pytest

from components.catalog import CATALOG
from components.inputs import EARLIEST, LATEST
from services import access, clock
from tests.test_pages import EXPECTED_PAGES, app, as_role  # noqa: F401  (app is a fixture)

ZH = {k: v[0] for k, v in CATALOG.items()}


def _widgets(at):
    multiselects = list(at.multiselect)
    dates = list(at.date_input)
    uploaders = list(at.get("file_uploader"))
    numbers = list(at.number_input)  # the pager too
    return multiselects, dates, uploaders, numbers


@pytest.mark.parametrize("role", ["admin", "volunteer"])
def test_no_select_all_no_widget_limits_and_uploaders_say_their_limit_in_chinese(app, role):  # noqa: F811
    scripts = [p.script for p in access.built_pages() if p.key in EXPECTED_PAGES[role]]
    limit = ZH["upload.limit"].split("{types}")[1].format(mb=20)  # maxUploadSize in .streamlit/config.toml
    seen = {"multiselect": 0, "date": 0, "uploader": 0, "number": 0}
    at = as_role(app, role)
    for script in scripts:
        at.switch_page(script).run()
        assert not at.exception, script
        multiselects, dates, uploaders, numbers = _widgets(at)
        for m in multiselects:
            assert m.proto.select_all == 0, (script, m.label)
        for d in dates:
            assert date.fromisoformat(d.proto.min) <= EARLIEST and date.fromisoformat(d.proto.max) >= LATEST, \
                (script, d.label, d.proto.min, d.proto.max)
        for u in uploaders:
            assert u.proto.label.endswith(limit), (script, u.proto.label)
        for n in numbers:
            assert not n.proto.has_min and not n.proto.has_max, (script, n.label)
        seen["multiselect"] += len(multiselects)
        seen["date"] += len(dates)
        seen["uploader"] += len(uploaders)
        seen["number"] += len(numbers)
    # the sweep looked at something: admin meets all four kinds, a volunteer dates and numbers
    expected = {"multiselect", "date", "uploader", "number"} if role == "admin" else {"date", "number"}
    assert {k for k, n in seen.items() if n} >= expected, seen


def test_a_date_the_widget_used_to_refuse_in_english_is_refused_by_the_service_in_chinese(app):  # noqa: F811
    """A rental check dated tomorrow: the date field takes it (no English range error, no silent
    fall-back to today) and the save is refused with the catalog's message; nothing is written."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.models import RentalCheck, Rental

    with session_scope() as s:
        rental_id = s.execute(select(Rental.id).where(Rental.deleted_at.is_(None), Rental.status == "registered")
                              .order_by(Rental.id)).scalars().first()
        before = s.execute(select(func.count()).select_from(RentalCheck)).scalar_one()
    at = as_role(app, "manager")
    at.query_params["rentals.id"] = str(rental_id)
    at.switch_page("pages/people/rentals.py").run()
    field = next(d for d in at.date_input if d.label == ZH["rental.check_date"])
    assert date.fromisoformat(field.proto.max) >= LATEST
    field.set_value(clock.today() + timedelta(days=1))
    next(b for b in at.button if b.label == ZH["rec.save"] and b.proto.form_id == f"rental_check_{rental_id}").click()
    at.run()
    assert any(ZH["err.future_date"] in e.value for e in at.error)
    with session_scope() as s:
        assert s.execute(select(func.count()).select_from(RentalCheck)).scalar_one() == before


def test_a_page_number_past_the_end_shows_the_last_page_not_an_english_refusal(app):  # noqa: F811
    import re

    at = as_role(app, "manager")
    at.switch_page("pages/people/residents.py").run()
    pager = at.number_input(key="residents_page")
    assert not pager.proto.has_min and not pager.proto.has_max
    pattern = re.escape(ZH["rec.of_pages"]).replace(re.escape("{n}"), r"(\d+)")
    pages = next(int(m.group(1)) for c in at.caption if (m := re.fullmatch(pattern, c.value)))
    assert pages > 1
    pager.set_value(100_000).run()
    assert not at.exception and at.number_input(key="residents_page").value == pages
    at.number_input(key="residents_page").set_value(0).run()
    assert at.number_input(key="residents_page").value == 1
