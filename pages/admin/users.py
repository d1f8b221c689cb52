"""Users (admin): create, disable, reset password, unlock, set role and community/grid scope."""
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.records import close_record, flash, form_key, loaded_version, record_list, submit
from components.runtime import read
from db.models.users import USER_LEDGER
from services import access, places, users

actor = guard("users")
st.title(t("page.users"))
st.caption(t("pagedesc.users"))
flash()

with read() as s:
    community_opts = places.community_names(s)
    grid_opts = places.grid_names(s)

LABELS = {"username": t("users.username"), "display_name": t("users.display_name"), "email": t("users.email"),
          "role": t("users.role"), "community_ids": t("users.communities"), "grid_ids": t("users.grids"),
          "password": t("users.password")}


def fetch(**kw):
    with read() as s:
        return users.list_users(s, actor, **kw)


view = record_list(USER_LEDGER, fetch, key="users", extra_columns=(
    ("communities", "users.communities"), ("grids", "users.grids"), ("locked", "users.locked"),
    ("last_login_at", "users.last_login")))


def scope_inputs(prefix: str, row: dict | None = None):
    row = row or {}
    role = st.selectbox(LABELS["role"] + " *", access.ROLES, key=f"{prefix}_role",
                        index=access.ROLES.index(row["role"]) if row.get("role") in access.ROLES else 3,
                        format_func=lambda r: t(f"role.{r}"))
    st.caption(t("users.scope_help"))
    communities = st.multiselect(LABELS["community_ids"], list(community_opts), key=f"{prefix}_communities",
                                 default=[c for c in row.get("community_ids", []) if c in community_opts],
                                 format_func=lambda c: community_opts[c], select_all=False)
    grids = st.multiselect(LABELS["grid_ids"], list(grid_opts), key=f"{prefix}_grids",
                           default=[g for g in row.get("grid_ids", []) if g in grid_opts],
                           format_func=lambda g: grid_opts[g], select_all=False)
    return role, communities, grids


new_col, edit_col = st.columns(2)
with new_col.expander(t("users.new"), icon=":material/person_add:"):
    new_key = form_key("new_user")  # a new, empty form after each created user
    with st.form(new_key, clear_on_submit=False):
        username = st.text_input(LABELS["username"] + " *", max_chars=64, key=f"{new_key}_username")
        display = st.text_input(LABELS["display_name"] + " *", max_chars=100, key=f"{new_key}_display")
        email = st.text_input(LABELS["email"], max_chars=200, key=f"{new_key}_email")
        role, communities, grids = scope_inputs(new_key)
        password = st.text_input(LABELS["password"] + " *", type="password", autocomplete="new-password",
                                 key=f"{new_key}_password")
        if st.form_submit_button(t("rec.save"), type="primary"):
            data = users.UserData(username=username, display_name=display, role=role, email=email,
                                  community_ids=tuple(communities), grid_ids=tuple(grids))
            submit(lambda s: users.create_user(s, actor, data, password).username, labels=LABELS,
                   forget="new_user", done=lambda name: t("users.created", username=name))

with view.detail if view.selected is not None else edit_col:  # the opened record above the list
    row = view.selected
    if row is None:
        st.caption(t("rec.select_hint"))
    else:
        with st.expander(f"{t('users.edit')} · {row['username']}", expanded=True, icon=":material/edit:"):
            prefix = f"edit_user_{row['id']}"
            version = loaded_version(prefix, row)
            with st.form(prefix):
                display = st.text_input(LABELS["display_name"] + " *", value=row["display_name"], max_chars=100)
                email = st.text_input(LABELS["email"], value=row.get("email") or "", max_chars=200)
                role, communities, grids = scope_inputs(prefix, row)
                disabled = st.checkbox(t("users.disabled"), value=row["disabled"])
                if st.form_submit_button(t("rec.save"), type="primary"):
                    data = users.UserData(username=row["username"], display_name=display, role=role, email=email,
                                          community_ids=tuple(communities), grid_ids=tuple(grids), disabled=disabled)
                    submit(lambda s: users.update_user(s, actor, row["id"], data, version), labels=LABELS,
                           forget=prefix, done=t("rec.saved"))
            with st.form(f"reset_{row['id']}", clear_on_submit=True):
                new_pw = st.text_input(t("users.new_password"), type="password", autocomplete="new-password")
                if st.form_submit_button(t("users.reset"), icon=":material/key:"):
                    # the reset moves the row's version: the edit form is drawn anew
                    submit(lambda s: users.reset_password(s, actor, row["id"], new_pw),
                           labels={"password": t("users.new_password")}, forget=prefix, done=t("users.reset_done"))
            if st.button(t("rec.close"), key="close_user", icon=":material/close:"):
                close_record("users", prefix)
                st.rerun()
            if row.get("locked") and st.button(t("users.unlock"), icon=":material/lock_open:"):
                submit(lambda s: users.unlock(s, actor, row["id"]), forget=prefix, done=t("users.unlocked"))
