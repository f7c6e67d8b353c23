"""Headless Chromium for the tests that open pages: the page of an explanation, the site.

The console and the network are logged (``goog:loggingPrefs``), so a test can read every error
a page printed and every request it made; and no host name resolves, so nothing a page asks
for leaves the machine whatever it asks for. Without Debian's ``chromium`` and
``chromium-driver`` (``make chromium``) or Selenium, the test asking for a browser skips.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def headless_chromium(width: int = 1400, height: int = 1000) -> Any:
    """A Selenium driver of headless Chromium with a window of ``width`` × ``height``."""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (make chromium)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(str(DRIVER)), options=options)
