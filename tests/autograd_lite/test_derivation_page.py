"""explain's page: one offline HTML file, stepped through in headless Chromium.

The browser tests drive Debian's ``chromium`` with its ``chromedriver`` through Selenium
(``make chromium`` installs them; ``make test`` does it first); where either is missing they
skip. A screenshot of a middle step goes to ``out/explain_page_middle.png``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, derivation_page
from autograd_lite.derivation import MAX_PAGE_NODES, explain
from autograd_lite.derivation_page import steps_data
from autograd_lite.pictures import DotNotFoundError
from autograd_lite.render import number_label

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def neuron() -> tuple[Value, list[Value]]:
    """The README's neuron, with x1 used twice (fan-out)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    out = (x1 * w1 + x2 * w2 + b + x1 * 0.1).tanh()
    out.label = "out"
    return out, [x1, x2, w1, w2, b]


@needs_dot
def test_the_page_is_one_file_with_no_outside_resource(tmp_path: Path) -> None:
    out, _ = neuron()
    page = explain(out).to_html(tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    for label in ("Previous", "Next", "Play"):
        assert f">{label}</button>" in page
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # written atomically


def test_without_dot_the_page_is_refused_naming_it_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = neuron()
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(DotNotFoundError, match=r"page\.html"):
        explain(out).to_html(tmp_path / "page.html")
    assert list(tmp_path.iterdir()) == []


def test_the_steps_end_with_every_final_gradient() -> None:
    out, leaves = neuron()
    e = explain(out)
    data = steps_data(e)
    assert len(data["steps"]) == len(e.steps) + 1
    out.backward()
    final = {i: text for i, _, text in data["steps"][-1]["set"]}
    assert final == {i: number_label(v.grad) for i, v in enumerate(e.order)}
    assert all(final[e.order.index(v)] == number_label(v.grad) for v in leaves)


@needs_dot
def test_jupyter_displays_the_page_inline() -> None:
    out, _ = neuron()
    shown = explain(out)._repr_html_()
    assert shown.startswith('<div class="agl-explain"') and "<svg" in shown
    assert "<html" not in shown  # a fragment inside the notebook, not a document


def chain(n: int) -> Value:
    """tanh(… tanh(x · 0.999) …): a graph of 2·(n // 2) + 1 Values."""
    y = Value(0.5, "x")
    for _ in range(n // 2):
        y = (y * 0.999).tanh()
    return y


def test_a_graph_too_large_for_a_page_is_refused_before_dot_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = explain(chain(20_000))  # the text of 20,001 Values is made and summarised at once
    assert len(e.order) == 20_001 and "lines left out" in str(e)

    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("dot ran for a graph that was refused")

    monkeypatch.setattr(derivation_page, "run_dot", no_dot)
    target = tmp_path / "page.html"
    target.write_text("the old page", encoding="utf-8")
    with pytest.raises(ValueError, match="to_html: the graph has 20,001 Values") as caught:
        e.to_html(target)
    message = str(caught.value)
    assert f"max_nodes={MAX_PAGE_NODES:,}" in message and "wrt=" in message
    assert "max_nodes=20001 or more" in message
    assert target.read_text(encoding="utf-8") == "the old page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left


def big_loss() -> tuple[Value, Value, Value, Value]:
    """A loss reading a long chain from ``start`` (20,001 Values) and a small part, w · x:
    its page with wrt=[w] draws the small part alone."""
    start, x, w = Value(0.5, "start"), Value(0.7, "x"), Value(-1.5, "w")
    y = start
    for _ in range(10_000):
        y = (y * 0.999).tanh()
    loss = y + w * x
    loss.label = "loss"
    return loss, start, w, x


@needs_dot
def test_a_page_with_wrt_draws_the_part_its_steps_read(tmp_path: Path) -> None:
    loss, _, w, x = big_loss()
    e = explain(loss, wrt=[w])
    assert len(e.order) > MAX_PAGE_NODES  # the whole graph is too large for a page
    drawn = {e.order[i] for i in e.drawn}
    chain_end, product = loss.args  # the chain's end is read by the root, not kept
    assert drawn == {loss, product, w, x, chain_end}
    text = e.to_html(tmp_path / "page.html").read_text(encoding="utf-8")
    boxes = set(re.findall(r"<title>(v\d+)</title>", text))
    assert boxes == {f"v{i}" for i in e.drawn}
    ops = set(re.findall(r"<title>v(\d+)_op</title>", text))  # an op whose operands are drawn
    assert ops == {str(e.order.index(loss)), str(e.order.index(product))}
    data = steps_data(e)
    assert {i for i, _, _ in data["initial"]} == set(e.drawn)
    loss.backward()
    assert {i: t for i, _, t in data["steps"][-1]["set"]} == {
        i: number_label(e.order[i].grad) for i in e.drawn
    }


def test_a_page_with_wrt_still_refuses_a_large_part(tmp_path: Path) -> None:
    loss, start, _, _ = big_loss()
    with pytest.raises(ValueError, match="the part of the graph wrt= keeps has 20,00"):
        explain(loss, wrt=[start]).to_html(tmp_path / "page.html")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("max_nodes", [0, -1, 2.5, True, "9"])
def test_max_nodes_must_be_a_positive_int(tmp_path: Path, max_nodes: Any) -> None:
    out, _ = neuron()
    with pytest.raises(ValueError, match="to_html: max_nodes must be a positive int"):
        explain(out).to_html(tmp_path / "page.html", max_nodes=max_nodes)
    assert list(tmp_path.iterdir()) == []


def test_the_limit_counts_every_value_drawn(tmp_path: Path) -> None:
    out, _ = neuron()  # 16 Values
    e = explain(out)
    with pytest.raises(ValueError, match=f"the graph has {len(e.order)} Values"):
        e.to_html(tmp_path / "page.html", max_nodes=len(e.order) - 1)
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_a_graph_at_the_limit_is_drawn(tmp_path: Path) -> None:
    out, _ = neuron()
    e = explain(out)
    page = e.to_html(tmp_path / "page.html", max_nodes=len(e.order))
    assert "<svg" in page.read_text(encoding="utf-8")


def test_jupyter_shows_the_summarised_text_of_a_graph_too_large_for_a_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("dot ran for a graph too large for a page")

    monkeypatch.setattr(derivation_page, "run_dot", no_dot)
    e = explain(chain(2 * MAX_PAGE_NODES))
    shown = e._repr_html_()
    assert shown.startswith("<pre>") and shown.endswith("</pre>")
    assert f"A graph of {len(e.order):,} Values, more than a page draws" in shown
    assert "lines left out" in shown and "<svg" not in shown


def _browser() -> Any:
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (make chromium)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(DRIVER)), options=options)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    driver = _browser()
    try:
        yield driver
    finally:
        driver.quit()


def _boxes(browser: Any, field: str) -> dict[int, str]:
    """Each box's ``data`` or ``grad`` text as the page shows it, by place in the order."""
    texts = browser.execute_script(
        """
        var shown = {};
        document.querySelectorAll('g.node').forEach(function (g) {
          var name = g.querySelector('title').textContent;
          if (!/^v[0-9]+$/.test(name)) { return; }
          var texts = g.querySelectorAll('text');
          shown[name.slice(1)] = texts[texts.length - (arguments[0] === 'data' ? 2 : 1)]
            .textContent;
        });
        return shown;
        """.replace("arguments[0]", repr(field))
    )
    return {int(k): v.removeprefix(f"{field} ") for k, v in texts.items()}


def _shown(browser: Any) -> tuple[str, str]:
    line = browser.find_element("css selector", ".agl-line").text
    return line, browser.find_element("css selector", ".agl-count").text


def _shows_step(browser: Any, step: Any) -> bool:
    """Whether the page shows ``step``: its line, and the value or gradient it sets."""
    if _shown(browser)[0] != step.text:
        return False
    if step.phase == "forward":
        return bool(_boxes(browser, "data")[step.node] == number_label(step.value))
    if step.operands:  # a += onto the first operand's gradient
        return bool(_boxes(browser, "grad")[step.operands[0]] == number_label(step.value))
    return True


def _open(browser: Any, tmp_path: Path) -> tuple[Any, Any]:
    out, _ = neuron()
    e = explain(out)
    path = e.to_html(tmp_path / "page.html")
    browser.get(path.as_uri())
    return out, e


def test_next_steps_through_to_the_final_gradients(browser: Any, tmp_path: Path) -> None:
    out, e = _open(browser, tmp_path)
    assert _shown(browser) == (e.steps[0].text, f"step 1 of {len(e.steps) + 1} (forward)")
    assert set(_boxes(browser, "grad").values()) == {"·"}
    nxt = browser.find_element("css selector", ".agl-next")
    for k, step in enumerate(e.steps):
        assert _shows_step(browser, step), k
        if step.phase == "backward" and step.operands:
            current = browser.find_elements("css selector", "g.agl-current title")
            assert f"v{step.node}" in [t.get_attribute("textContent") for t in current]
        if k == len(e.steps) // 2 + 3:
            (ROOT / "out").mkdir(exist_ok=True)
            browser.save_screenshot(str(ROOT / "out" / "explain_page_middle.png"))
        nxt.click()
    assert _shown(browser)[0].startswith("Done: every box shows its final gradient")
    out.backward()
    assert _boxes(browser, "grad") == {i: number_label(v.grad) for i, v in enumerate(e.order)}
    assert _boxes(browser, "data") == {i: number_label(v.data) for i, v in enumerate(e.order)}
    nxt.click()  # past the end: stays on the last step
    assert _shown(browser)[1] == f"step {len(e.steps) + 1} of {len(e.steps) + 1} (done)"


def test_the_arrow_keys_and_previous_move_both_ways(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    out, e = _open(browser, tmp_path)
    body = browser.find_element("tag name", "body")
    for _ in e.steps:
        body.send_keys(Keys.ARROW_RIGHT)
    out.backward()
    assert _boxes(browser, "grad") == {i: number_label(v.grad) for i, v in enumerate(e.order)}
    body.send_keys(Keys.ARROW_LEFT)
    assert _shown(browser)[0] == e.steps[-1].text
    browser.find_element("css selector", ".agl-previous").click()
    assert _shown(browser)[0] == e.steps[-2].text
    body.send_keys(Keys.HOME)
    assert _shown(browser)[0] == e.steps[0].text
    body.send_keys(Keys.END)
    assert _shown(browser)[0].startswith("Done")


def test_the_slider_and_play_reach_the_end(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    _, e = _open(browser, tmp_path)
    middle = len(e.steps) // 2
    browser.execute_script(
        "var s = document.querySelector('.agl-slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input'));",
        middle,
    )
    assert _shown(browser)[0] == e.steps[middle].text
    play = browser.find_element("css selector", ".agl-play")
    play.click()
    assert play.text == "Pause"
    WebDriverWait(browser, 60).until(lambda b: _shown(b)[0].startswith("Done"))
    assert play.text == "Play"


def test_a_page_with_wrt_steps_through_its_part_to_the_final_gradients(
    browser: Any, tmp_path: Path
) -> None:
    out, (x1, _, w1, _, _) = neuron()
    e = explain(out, wrt=[w1])
    assert 0 < len(e.drawn) < len(e.order)
    browser.get(e.to_html(tmp_path / "page.html").as_uri())
    assert set(_boxes(browser, "grad")) == set(e.drawn)  # only the part the steps read
    nxt = browser.find_element("css selector", ".agl-next")
    for k, step in enumerate(e.steps):
        assert _shows_step(browser, step), k
        nxt.click()
    assert _shown(browser)[0].startswith("Done")
    out.backward()
    assert _boxes(browser, "grad") == {i: number_label(e.order[i].grad) for i in e.drawn}
    assert e.order.index(w1) in e.drawn and e.order.index(x1) in e.drawn
