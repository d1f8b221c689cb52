"""Photo input (upload or camera) and display, with the service's checks on the bytes."""
from __future__ import annotations

import streamlit as st

from components.i18n import t
from components.inputs import upload_field
from components.runtime import read, user_action, write
from services import photos


def photo_input(label: str, key: str, community_id: int | None, camera: bool = True) -> int | None:
    """Upload or camera; returns a stored photo id (saved once per file), or None."""
    cols = st.columns(2) if camera else [st.container()]
    upload = upload_field(label, ["jpg", "jpeg", "png", "webp", "gif"], key=f"{key}_file", where=cols[0])
    shot = cols[1].camera_input(t("insp.camera"), key=f"{key}_cam", label_visibility="collapsed") \
        if camera and st.session_state.get(f"{key}_use_cam") else None
    if camera and not st.session_state.get(f"{key}_use_cam"):
        cols[1].button(t("insp.camera"), key=f"{key}_cam_on", icon=":material/photo_camera:",
                       on_click=lambda: st.session_state.__setitem__(f"{key}_use_cam", True))
    picked = shot or upload
    if picked is None:
        return None
    memo = f"{key}_saved"
    signature = (picked.name, picked.size)
    stored = st.session_state.get(memo)
    if stored and stored[0] == signature:
        return stored[1]
    with user_action({"photo": label}) as outcome:
        with write() as s:
            photo_id = photos.save_photo(s, _actor(), picked.getvalue(), picked.name, community_id).id
    if not outcome["ok"]:
        return None
    st.session_state[memo] = (signature, photo_id)
    return photo_id


def _actor():
    from components.auth import ACTOR_KEY

    return st.session_state[ACTOR_KEY]


def show_photo(photo_id: int | None, caption: str, width: int = 240) -> None:
    if not photo_id:
        return
    try:
        with read() as s:
            data, _ = photos.read_photo(s, photo_id)
    except Exception:  # a missing file shows nothing rather than failing the page
        return
    st.image(data, caption=caption, width=width)
