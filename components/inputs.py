"""Date fields and uploaders whose limits are the app's, said in the catalog's words.

A ``st.date_input`` given ``min_value``/``max_value`` answers a date outside them with
Streamlit's own English ("Date set outside allowed range. Please select a date on or before …")
and keeps its last valid date, which a form then submits as if typed (STACK-NOTES §10); without
them it limits to ten years either side of its value. So a date field takes any date from 1900
to 2100 and the service refuses the rest in Chinese (``err.future_date``, ``err.out_of_range``).
A file uploader's limit line ("20MB per file • XLSX, CSV") is Streamlit's English; the label
says the same in the catalog's words."""
from __future__ import annotations

from datetime import date

import streamlit as st

from components.i18n import t

EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)


def date_field(label: str, value="today", *, where=None, **kwargs):
    """``st.date_input`` (``where``: a column or container) from 1900 to 2100."""
    return (where or st).date_input(label, value=value, min_value=EARLIEST, max_value=LATEST, **kwargs)


def upload_field(label: str, types: list[str], *, key: str, where=None, **kwargs):
    """``st.file_uploader`` whose label ends with the accepted types and the size limit."""
    names = t("sep.list").join(dict.fromkeys("JPG" if x.lower() == "jpeg" else x.upper() for x in types))
    limit = t("upload.limit", types=names, mb=st.get_option("server.maxUploadSize"))
    return (where or st).file_uploader(f"{label}{limit}", type=types, key=key, **kwargs)
