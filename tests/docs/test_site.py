"""The documentation site: built with ``mkdocs build --strict``, then opened from disk.

The build runs once for this module, into a temporary folder, with the ``docs`` extra (MkDocs,
Material, mkdocstrings; ``make test`` installs it) and Graphviz's ``dot`` (the tutorial's
step-by-step page is drawn at build time); without them the tests skip. The browser tests
drive Debian's headless ``chromium`` through Selenium, as the tests of explain's page do: every
page is opened as a ``file://`` URL, with every host name made unresolvable, and must log no
console error, ask no other host for anything, and link only to files and anchors that exist.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser import headless_chromium

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd_lite", "nn", "optim")
#: Where a page may get something from: the files of the site, and what the page makes itself.
LOCAL_SCHEMES = frozenset({"file", "data", "blob", "about"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The site built strictly into a temporary folder, and what the build printed."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    if shutil.which("dot") is None:
        pytest.skip("the site's step-by-step page needs Graphviz's dot")
    site = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site, result.stdout + result.stderr


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_the_site_builds_strictly_with_no_warning(built: tuple[Path, str]) -> None:
    site, printed = built
    assert "WARNING" not in printed, printed
    assert (site / "index.html").is_file() and (site / "search" / "search_index.js").is_file()
    assert not (site / "hooks.py").exists() and not (site / "make_pictures.py").exists()


def test_the_reference_has_every_exported_name(built: tuple[Path, str]) -> None:
    site, _ = built
    for package in PACKAGES:
        module = importlib.import_module(package)
        page = (site / "reference" / f"{package}.html").read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', page))
        missing = [
            name
            for name in module.__all__
            if f"{package}.{name}" not in ids
            # a name shadowed by its own module is listed under that module's name
            and f"{getattr(getattr(module, name), '__module__', '')}.{name}" not in ids
        ]
        assert not missing, f"reference/{package}.html leaves out {missing}"


def test_the_command_line_reference_is_its_own_help(built: tuple[Path, str]) -> None:
    site, _ = built
    page = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    help_text = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "graph", "--help"],
        env={**os.environ, "COLUMNS": "88"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = re.sub(r"<[^>]+>", "", page).replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&amp;", "&").replace("&#39;", "'").replace("&quot;", '"')
    for line in help_text.replace("usage: autograd_lite", "usage: autograd-lite").splitlines():
        assert line in text, f"reference/cli.html lacks the help's line {line!r}"


def test_no_page_names_a_resource_on_another_host(built: tuple[Path, str]) -> None:
    site, _ = built
    loads = re.compile(r"""<(?:script|img|iframe|link)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""")
    for path in pages(site):
        found = loads.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.relative_to(site)} loads {found}"


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name in ("id", "name") and value)


@cache
def anchors(path: Path) -> frozenset[str]:
    """The ids (and names) of a page's elements: the anchors a link into it may name."""
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


def broken(url: str) -> str | None:
    """Why a ``file://`` link or resource does not resolve, or None when it does."""
    parts = urlsplit(url)
    target = Path(unquote(parts.path))
    if not target.exists():
        return f"{url}: no such file"
    if target.is_dir():
        return f"{url}: a folder (from disk, a link must name its index.html)"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in anchors(target):
        return f"{url}: no anchor #{fragment} in {target.name}"
    return None


@pytest.fixture(scope="module")
def browser(built: tuple[Path, str]) -> Iterator[Any]:
    driver = headless_chromium()
    try:
        yield driver
    finally:
        driver.quit()


def requests(driver: Any) -> list[str]:
    """The URLs the browser asked for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def errors(driver: Any) -> list[str]:
    """The console's errors since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


LINKS = """
return Array.from(document.querySelectorAll(
  'a[href], link[href], script[src], img[src], iframe[src], source[src]'
)).map(function (e) { return e.href || e.src; });
"""


def test_every_page_opens_from_disk_with_no_error_no_other_host_and_no_broken_link(
    built: tuple[Path, str], browser: Any
) -> None:
    site, _ = built
    problems: list[str] = []
    for path in pages(site):
        name = path.relative_to(site).as_posix()
        requests(browser), errors(browser)  # start this page's logs afresh
        browser.get(path.as_uri())
        browser.execute_async_script("setTimeout(arguments[0], 200)")  # let its scripts run
        problems += [f"{name}: console error {m}" for m in errors(browser)]
        problems += [
            f"{name}: asked another host for {url}"
            for url in requests(browser)
            if urlsplit(url).scheme not in LOCAL_SCHEMES
        ]
        for url in browser.execute_script(LINKS):
            if urlsplit(url).scheme == "file":
                reason = broken(url)
                if reason:
                    problems.append(f"{name}: {reason}")
    assert len(pages(site)) > 20
    assert not problems, "\n".join(problems)


def test_search_works_from_disk(built: tuple[Path, str], browser: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    site, _ = built
    errors(browser)
    browser.get((site / "index.html").as_uri())
    field = browser.find_element("css selector", "input.md-search__input")
    field.click()
    field.send_keys("topological")
    found = WebDriverWait(browser, 30).until(
        lambda b: b.find_elements("css selector", ".md-search-result__item a")
    )
    assert any("backward" in link.get_attribute("href") for link in found)
    assert not errors(browser)


def test_the_tutorial_embeds_a_step_by_step_page_that_steps(
    built: tuple[Path, str], browser: Any
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    site, _ = built
    errors(browser)
    browser.get((site / "tutorials" / "backward.html").as_uri())
    frame = browser.find_element("css selector", "iframe.agl-page")
    browser.switch_to.frame(frame)
    try:
        WebDriverWait(browser, 30).until(lambda b: b.find_elements("css selector", ".agl-line"))
        first = browser.find_element("css selector", ".agl-line").text
        count = browser.find_element("css selector", ".agl-count").text
        assert first.endswith("(a leaf)") and count.startswith("step 1 of ")
        browser.find_element("css selector", ".agl-next").click()
        assert browser.find_element("css selector", ".agl-count").text.startswith("step 2 of ")
        assert browser.find_element("css selector", ".agl-line").text != first
        browser.find_element("css selector", ".agl-play").click()
        WebDriverWait(browser, 60).until(
            lambda b: b.find_element("css selector", ".agl-line").text.startswith("Done")
        )
        grads = browser.execute_script(
            "return Array.from(document.querySelectorAll('g.node text'))"
            ".map(function (t) { return t.textContent; });"
        )
        assert "grad 4" in grads and "grad 2" in grads  # ∂out/∂x and ∂out/∂y, as backward()
    finally:
        browser.switch_to.default_content()
    assert not errors(browser)
