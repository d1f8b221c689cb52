"""Users (admin): the ledger engine's page of accounts — new with an initial password, role and
community/grid scope, disable — plus a password reset and an unlock for the opened account."""
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.ledger_page import ledger_page
from components.records import flash, submit
from db.models.users import USER_LEDGER
from services import users

actor = guard("users")
st.title(t("page.users"))
st.caption(t("pagedesc.users"))
flash()


def _special(row: dict) -> None:
    """What no other ledger has: an administrator's password reset, the unlock of a lock-out."""
    edit_form = f"users_edit_{row['id']}"
    with st.form(f"users_reset_{row['id']}", clear_on_submit=True, enter_to_submit=False):
        new_pw = st.text_input(t("users.new_password"), type="password", autocomplete="new-password")
        if st.form_submit_button(t("users.reset"), icon=":material/key:"):
            # the reset moves the row's version: the edit form is drawn anew
            submit(lambda s: users.reset_password(s, actor, row["id"], new_pw),
                   labels={"password": t("users.new_password")}, forget=edit_form, done=t("users.reset_done"))
    if row.get("locked") and st.button(t("users.unlock"), icon=":material/lock_open:", key=f"users_unlock_{row['id']}"):
        submit(lambda s: users.unlock(s, actor, row["id"]), forget=edit_form, done=t("users.unlocked"))


ledger_page(USER_LEDGER, actor, key="users", new_values={"role": "staff"},
            title=lambda row: f"{row['display_name']} · {row['username']}", detail=_special,
            formats={"locked": lambda locked, row: t("users.locked") if locked else ""},
            created=lambda user: t("users.created", username=user.username))
