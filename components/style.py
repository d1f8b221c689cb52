"""The app's one stylesheet and its one script, put on the page once per run by ``app.py``.

What it does (issue 17, "phone use" and "Chinese everywhere"):
- less room above page titles (Streamlit keeps 6rem above the first element, and the login
  cookie's invisible frame adds another 42 px), so a phone shows the title at the top;
- on a phone or any touch screen, tap targets at least 44 px high: menu links, radio options,
  checkboxes and toggles, buttons (segmented controls and the menu's open and close buttons
  too), tabs, expanders, input fields and the buttons in them (a picker's × and ⌄, the
  calendar, the ± steppers), and the × on each chosen option of a multiselect;
- on every screen, no "Show data" and "Copy Vega-Lite spec" on charts (the chart's raw frame
  with its code-named columns, and the spec, under English labels) and no "Show/hide
  columns" on tables (an English menu that starts with "Select all"), and no English limit line
  under a file uploader (its label says it in Chinese);
- on a narrow screen where the open sidebar covers the page, the sidebar closes after a tap on
  a menu link. Streamlit 1.67 does that itself only when the browser's user agent says
  "mobile"; tablets, a phone showing the desktop site and small windows kept it open.

Selectors are Streamlit 1.67's ``data-testid`` names; re-check them when Streamlit is upgraded
(``tests/test_browser.py`` measures the result on a phone)."""
from __future__ import annotations

import streamlit as st

TAP = "44px"  # Apple's and Android's minimum for something a finger must hit
NARROW = "(max-width: 768px), (pointer: coarse)"  # phones and small tablets (the sidebar overlays), touch screens

CSS = f"""
/* every screen: less room above the title */
.stMain [data-testid="stMainBlockContainer"] {{ padding-top: 4rem; }}
/* the login cookie's frame draws nothing but took a row (26 px and a gap) above every title */
.stMain [data-testid="stElementContainer"]:has(iframe[src*="CookieManager"]),
[data-testid="stSidebar"] [data-testid="stElementContainer"]:has(.ledger-script) {{
  position: absolute; width: 0; height: 0; overflow: hidden; margin: 0; padding: 0;
}}
/* code-named columns, the Vega-Lite spec and an English "Select all" menu: not for users */
[data-testid="stElementToolbarButton"]:has(button[aria-label="Show data"]),
[data-testid="stElementToolbarButton"]:has(button[aria-label="Copy Vega-Lite spec"]),
[data-testid="stElementToolbarButton"]:has(button[aria-label="Show/hide columns"]) {{ display: none; }}
/* "20MB per file • XLSX, CSV": the uploader's label says it in the catalog's words (components/inputs.py) */
[data-testid="stFileUploaderDropzoneInstructions"] {{ display: none; }}

@media {NARROW} {{
  /* the title right below the header bar (3.75rem) that holds the menu button */
  .stMain [data-testid="stMainBlockContainer"] {{ padding-top: 3.75rem; }}
  .stMain [data-testid="stMainBlockContainer"] h1 {{ padding-top: 0.25rem; font-size: 2.25rem; }}

  [data-testid="stSidebarNavLink"] {{ min-height: {TAP}; align-items: center; }}
  [data-testid="stRadioOption"],
  [data-testid="stCheckbox"] > label {{ min-height: {TAP}; align-items: center; }}
  [data-testid="stRadioGroup"][aria-orientation="horizontal"] {{ column-gap: 1.25rem; }}
  button[data-testid^="stBaseButton"],
  [data-testid="stButtonGroup"] button,
  [data-testid="stExpandSidebarButton"],
  [data-testid="stMainMenuButton"],
  [data-testid="stDateInputCalendarButton"],
  [data-testid="stNumberInputStepDown"],
  [data-testid="stNumberInputStepUp"],
  [data-testid="stMultiSelect"] [role="group"] > button,
  [data-testid="stSelectbox"] [role="group"] > button {{ min-height: {TAP}; min-width: {TAP}; }}
  [data-testid="stExpander"] summary,
  [data-testid="stTab"] {{ min-height: {TAP}; }}
  /* fields one finger high too, so that their ×, ⌄, calendar and ± buttons are not clipped */
  [data-testid="stTextInputRootElement"],
  [data-testid="stNumberInputContainer"],
  [data-testid="stDateInputField"],
  [data-testid="stSelectbox"] [role="group"] {{ height: calc({TAP} + 2px); }}  /* + the 1 px borders */
  [data-testid="stMultiSelect"] [role="group"] {{ min-height: calc({TAP} + 2px); }}
  /* the × of a chosen option: 44 px square, drawn over the chip's edge so the chips keep their height */
  [data-testid="stMultiSelect"] [data-tag] button {{
    min-width: {TAP}; min-height: {TAP}; margin: -12px -10px -12px -6px;
  }}
}}
"""

# Closes the overlay sidebar after a menu tap unless Streamlit already did (a phone's user agent).
SCRIPT = """<span class="ledger-script"></span><script>
(() => {
  if (window.__ledgerNavCloses) return;
  window.__ledgerNavCloses = true;
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('[data-testid="stSidebarNavLink"]')) return;
    setTimeout(() => {
      const sidebar = document.querySelector('[data-testid="stSidebar"]');
      const main = document.querySelector('[data-testid="stMain"]');
      if (!sidebar || !main || sidebar.getAttribute("data-collapsed") !== "false") return;
      const covers = sidebar.getBoundingClientRect().right > main.getBoundingClientRect().left + 1;
      const close = sidebar.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (covers && close) close.click();
    }, 0);
  }, true);
})();
</script>"""


def apply() -> None:
    """Once per run, before anything is drawn: the stylesheet (style-only HTML goes to
    Streamlit's event container and takes no room) and the menu script (in the sidebar,
    which stays mounted between pages; its empty row is hidden by the stylesheet)."""
    st.html(f"<style>{CSS}</style>")
    st.sidebar.html(SCRIPT, unsafe_allow_javascript=True)
