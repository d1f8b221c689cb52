"""Home: who you are, your community, what you can do here — with links."""
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.runtime import read
from services import access, places

actor = guard("home")
st.title(t("home.welcome", name=actor.display_name))
st.caption(t("app.tagline"))

with read() as s:
    community_names = places.community_names(s, actor.community_ids)
    grid_names = places.grid_names(s, actor.community_ids) if actor.grid_ids else {}
    counts = places.counts(s, actor)

with st.container(border=True):
    st.markdown(f"**{t('home.role', role=t('role.' + actor.role))}**")
    st.write(t(f"roledesc.{actor.role}"))
    if actor.community_ids is None:
        st.write(t("home.community", names=t("home.all")))
    elif community_names:
        st.write(t("home.community", names=t("sep.list").join(community_names.values())))
    else:
        st.warning(t("home.no_scope"))
    if actor.grid_ids:
        st.write(t("home.grids", names=t("sep.list").join(v for k, v in grid_names.items() if k in actor.grid_ids)))
    if actor.role != "volunteer" and (actor.community_ids is None or community_names):
        st.caption(t("home.counts", **counts))

if actor.extra.get("must_change_password"):
    st.warning(t("login.must_change"), icon=":material/key:")

st.subheader(t("home.what_you_can_do"))
cards = [p for p in access.visible_pages(actor.role) if p.key != "home"]
cols = st.columns(2)
for i, spec in enumerate(cards):
    with cols[i % 2].container(border=True):
        st.page_link(spec.script, label=t(f"page.{spec.key}"), icon=spec.icon)
        st.caption(t(f"pagedesc.{spec.key}"))
        actions = [t(f"action.{a}") for a in access.actions_of(actor.role, spec.key)]
        st.caption(t("home.can", actions=t("sep.list").join(actions)))
