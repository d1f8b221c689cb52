"""What a person recognises of a signed-in session: its browser and system ("Chrome · Android"),
read from the stored user-agent string with ua-parser's rules (the raw string means nothing to
most people)."""
from __future__ import annotations

from functools import lru_cache

# ua-parser's family names, as people call them
BROWSERS = {
    "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome", "HeadlessChrome": "Chrome",
    "Chrome Mobile WebView": "Android WebView", "Mobile Safari": "Safari", "Mobile Safari UI/WKWebView": "Safari",
    "Firefox Mobile": "Firefox", "Firefox iOS": "Firefox", "Edge Mobile": "Edge", "WeChat Browser": "WeChat",
    "MiuiBrowser": "MIUI Browser", "Huawei Browser": "Huawei Browser", "QQ Browser Mobile": "QQ Browser",
    "UC Browser": "UC Browser",
}
SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
WECHAT = "WeChat"  # the page shows the catalog's name for it (微信)


@lru_cache(maxsize=512)
def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, system) of a user-agent string; None for what cannot be told."""
    if not user_agent or not user_agent.strip():
        return None, None
    from ua_parser import parse

    found = parse(user_agent)
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if "MicroMessenger" in user_agent:  # WeChat's built-in browser, whatever engine it reports
        browser = WECHAT
    browser = BROWSERS.get(browser, browser) if browser and browser != "Other" else None
    system = SYSTEMS.get(system, system) if system and system != "Other" else None
    return browser, system
