"""explain's page: one offline HTML file, stepped through in headless Chromium.

The browser tests drive Debian's ``chromium`` with its ``chromedriver`` through Selenium
(``make chromium`` installs them; ``make test`` does it first); where either is missing they
skip. A screenshot of a middle step goes to ``out/explain_page_middle.png``.
"""

from __future__ import annotations

import json
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
from tests.browser import headless_chromium

ROOT = Path(__file__).resolve().parents[2]

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    driver = headless_chromium()
    try:
        yield driver
    finally:
        driver.quit()


def screen(browser: Any, width: int, height: int) -> None:
    """Make the page's viewport exactly ``width`` × ``height`` CSS pixels (a screen's size)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


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


# --- The page for the lecture hall: zoom, pan, presentation, deep links, the quiz ---------


def shallow() -> Value:
    """One sample's loss through the course notes' shallow network (2 → 3 sigmoid → 3
    softmax), named as the notes name it, as examples/shallow_network.py explains it: a page
    of 105 steps."""
    import nn

    mlp = nn.MLP(2, [3, 3], "sigmoid", "softmax", seed=0)
    for k, p in enumerate(mlp.parameters()):
        p.data += 0.05 * (k % 5 - 2)  # nonzero biases
    loss = -mlp([Value(0.12573022), Value(-0.13210486)], names=True)[1].log()
    loss.label = "ℓ"
    return loss


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The shallow network's page, written once for the tests of this part."""
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    e = explain(shallow())
    return e.to_html(tmp_path_factory.mktemp("lecture") / "page.html"), e


def _visit(browser: Any, path: Path, size: tuple[int, int], fragment: str = "") -> None:
    """Open ``path`` (with ``#fragment``) on a screen of ``size``, the logs emptied first."""
    screen(browser, *size)
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(path.as_uri() + fragment)


def _view_box(browser: Any) -> list[float]:
    box = browser.execute_script(
        "return document.querySelector('.agl-view svg').getAttribute('viewBox')"
    )
    return [float(x) for x in box.split()]


def _rect(browser: Any, selector: str) -> dict[str, float]:
    """An element's rectangle on the screen, in CSS pixels."""
    return dict(
        browser.execute_script(
            "var r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};",
            selector,
        )
    )


def _box_rect(browser: Any, place: int) -> dict[str, float]:
    """The screen rectangle of the box of ``order[place]``."""
    return dict(
        browser.execute_script(
            """
            var found = null;
            document.querySelectorAll('g.node').forEach(function (g) {
              if (g.querySelector('title').textContent === 'v' + arguments[0]) { found = g; }
            }.bind(null));
            var r = found.getBoundingClientRect();
            return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
            """.replace("arguments[0]", str(place))
        )
    )


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["left"] >= outer["left"] - 0.5
        and inner["right"] <= outer["right"] + 0.5
        and inner["top"] >= outer["top"] - 0.5
        and inner["bottom"] <= outer["bottom"] + 0.5
    )


def _box_text_px(browser: Any, place: int) -> float:
    """The font size, in CSS pixels on the screen, of the texts of the box of ``order[place]``."""
    return float(
        browser.execute_script(
            """
            var size = null;
            document.querySelectorAll('g.node').forEach(function (g) {
              if (g.querySelector('title').textContent !== 'vPLACE') { return; }
              g.querySelectorAll('text').forEach(function (t) {
                var px = parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a;
                size = size === null ? px : Math.min(size, px);
              });
            });
            return size;
            """.replace("PLACE", str(place))
        )
    )


def _changed_box(step: Any) -> int:
    """The box whose number a step changes: the node's value forward, the operand's gradient
    backward (the seed: the root's)."""
    return int(step.operands[0] if step.phase == "backward" and step.operands else step.node)


def _quiet(browser: Any, page: Path) -> None:
    """No error on the console, and no request but the page itself."""
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    requests = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.add(message["params"]["request"]["url"].split("#")[0])
    assert requests <= {page.as_uri(), "about:blank"}, requests


@pytest.mark.parametrize("size", [(1400, 900), (1920, 1080)])
def test_the_page_opens_readable_and_keeps_each_step_in_view(
    browser: Any, lecture: tuple[Path, Any], size: tuple[int, int]
) -> None:
    from selenium.webdriver.common.keys import Keys

    path, e = lecture
    _visit(browser, path, size)
    assert len(e.steps) + 1 == 105
    view = _rect(browser, ".agl-view")
    assert view["right"] <= size[0] and view["bottom"] <= size[1]  # the graph fits the screen
    assert _box_text_px(browser, e.steps[0].node) >= derivation_page.READABLE_PX - 0.01
    font = browser.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('.agl-lines')).fontSize)"
    )
    assert font >= 15
    body = browser.find_element("tag name", "body")
    for k, step in enumerate(e.steps):
        assert _shows_step(browser, step), k
        assert _inside(_box_rect(browser, _changed_box(step)), _rect(browser, ".agl-view")), k
        assert _inside(_rect(browser, ".agl-lines li.agl-now"), _rect(browser, ".agl-lines")), k
        if k == 60:
            browser.save_screenshot(str(_out() / f"explain_page_{size[0]}x{size[1]}.png"))
        body.send_keys(Keys.ARROW_RIGHT)
    _quiet(browser, path)


def _out() -> Path:
    (ROOT / "out").mkdir(exist_ok=True)
    return ROOT / "out"


def test_zoom_buttons_keys_and_the_wheel_change_the_view(
    browser: Any, lecture: tuple[Path, Any]
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

    path, e = lecture
    _visit(browser, path, (1400, 900))
    place = e.steps[0].node
    start, text = _view_box(browser), _box_text_px(browser, place)
    browser.find_element("css selector", ".agl-zoom-in").click()
    assert _view_box(browser)[2] == pytest.approx(start[2] / 1.25)
    assert _box_text_px(browser, place) == pytest.approx(text * 1.25)
    browser.find_element("css selector", ".agl-zoom-out").click()
    assert _view_box(browser) == pytest.approx(start)
    body = browser.find_element("tag name", "body")
    body.send_keys("+")
    body.send_keys("+")
    assert _view_box(browser)[2] == pytest.approx(start[2] / 1.25**2)
    body.send_keys("-")
    assert _view_box(browser)[2] == pytest.approx(start[2] / 1.25)
    assert browser.find_element("css selector", ".agl-zoom").text.endswith("%")
    view = browser.find_element("css selector", ".agl-view")
    before = _view_box(browser)
    over = ScrollOrigin.from_element(view, 100, 50)  # off the centre: the point kept still
    ActionChains(browser).scroll_from_origin(over, 0, -300).perform()
    after = _view_box(browser)
    assert after[2] < before[2]  # the wheel up zooms in
    ActionChains(browser).scroll_from_origin(over, 0, 600).perform()
    assert _view_box(browser)[2] > after[2]
    assert browser.execute_script("return window.scrollY") == 0  # the page did not scroll
    _quiet(browser, path)


def test_dragging_pans_and_fit_shows_the_whole_graph(
    browser: Any, lecture: tuple[Path, Any]
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    path, e = lecture
    _visit(browser, path, (1400, 900))
    view = browser.find_element("css selector", ".agl-view")
    before = _view_box(browser)
    box = _box_rect(browser, e.steps[0].node)
    ActionChains(browser).move_to_element(view).click_and_hold().move_by_offset(
        200, 120
    ).release().perform()
    after = _view_box(browser)
    assert after[2:] == pytest.approx(before[2:])  # the same zoom, another place
    moved = _box_rect(browser, e.steps[0].node)
    assert moved["left"] - box["left"] == pytest.approx(200, abs=2)
    assert moved["top"] - box["top"] == pytest.approx(120, abs=2)
    assert _shown(browser)[0] == e.steps[0].text  # a drag is not a click on a step
    browser.find_element("css selector", ".agl-fit").click()
    frame = _rect(browser, ".agl-view")
    for place in e.drawn:
        assert _inside(_box_rect(browser, place), frame), place
    browser.find_element("tag name", "body").send_keys("+")
    browser.find_element("tag name", "body").send_keys("0")  # the key for Fit
    for place in e.drawn:
        assert _inside(_box_rect(browser, place), frame), place
    _quiet(browser, path)


def test_a_link_to_a_step_opens_it_and_stepping_updates_the_address(
    browser: Any, lecture: tuple[Path, Any]
) -> None:
    from selenium.webdriver.common.keys import Keys

    path, e = lecture
    _visit(browser, path, (1400, 900), "#step=61")
    assert _shown(browser) == (e.steps[60].text, "step 61 of 105 (backward)")
    assert _shows_step(browser, e.steps[60])
    assert _inside(_box_rect(browser, _changed_box(e.steps[60])), _rect(browser, ".agl-view"))
    entries = browser.execute_script("return history.length")
    browser.find_element("css selector", ".agl-next").click()
    assert browser.execute_script("return location.hash") == "#step=62"
    browser.find_element("tag name", "body").send_keys(Keys.HOME)
    assert browser.execute_script("return location.hash") == "#step=1"
    assert browser.execute_script("return history.length") == entries  # replaced, not pushed
    browser.execute_script("location.hash = '#step=30'")  # typed into the address bar
    assert _shown(browser)[1] == "step 30 of 105 (forward)"
    _visit(browser, path, (1400, 900), "#step=9999")  # past the end: the last step
    assert _shown(browser)[1] == "step 105 of 105 (done)"
    assert browser.execute_script("return location.hash") == "#step=105"
    _quiet(browser, path)


def test_presentation_mode_is_readable_from_the_back_of_the_room(
    browser: Any, lecture: tuple[Path, Any]
) -> None:
    from selenium.webdriver.common.keys import Keys

    path, e = lecture
    _visit(browser, path, (1920, 1080), "#step=75")
    browser.find_element("css selector", ".agl-present").click()
    frame = _rect(browser, ".agl-explain")
    assert frame == {"left": 0, "top": 0, "right": 1920, "bottom": 1080}
    line_px = browser.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('.agl-line')).fontSize)"
    )
    assert line_px >= derivation_page.PRESENTATION_LINE_PX
    line = _rect(browser, ".agl-line")
    assert line["bottom"] <= _rect(browser, ".agl-view")["top"]  # the whole line shows
    step = e.steps[74]
    for place in {step.node, *step.operands}:
        assert _box_text_px(browser, place) >= derivation_page.PRESENTATION_BOX_PX - 0.01
    assert _inside(_box_rect(browser, _changed_box(step)), _rect(browser, ".agl-view"))
    assert _inside(_rect(browser, ".agl-lines li.agl-now"), _rect(browser, ".agl-lines"))
    browser.save_screenshot(str(_out() / "explain_presentation_1920x1080.png"))
    body = browser.find_element("tag name", "body")
    for k in range(75, 90):  # stepping on keeps each step in view, at the same size
        body.send_keys(Keys.ARROW_RIGHT)
        assert _inside(_box_rect(browser, _changed_box(e.steps[k])), _rect(browser, ".agl-view"))
        assert _box_text_px(browser, e.steps[k].node) >= derivation_page.PRESENTATION_BOX_PX - 0.01
    body.send_keys(Keys.ESCAPE)
    assert _rect(browser, ".agl-explain")["top"] > 0  # back in the page
    _quiet(browser, path)


def _answer(browser: Any, text: str) -> str:
    field = browser.find_element("css selector", ".agl-answer")
    field.send_keys(text)
    browser.find_element("css selector", ".agl-check").click()
    return str(browser.find_element("css selector", ".agl-verdict").text)


def _score(browser: Any) -> str:
    return str(browser.find_element("css selector", ".agl-score").text)


def test_the_quiz_asks_accepts_a_right_answer_rejects_a_wrong_one_and_counts(
    browser: Any, tmp_path: Path
) -> None:
    out, _ = neuron()
    e = explain(out)
    path = e.to_html(tmp_path / "page.html")
    _visit(browser, path, (1400, 900))
    asked = [k for k, s in enumerate(e.steps) if s.answer is not None]
    first = asked[0]  # the first op: its value
    browser.find_element("css selector", ".agl-quiz").click()
    assert browser.find_element("css selector", ".agl-quiz").get_attribute("aria-pressed") == "true"
    nxt = browser.find_element("css selector", ".agl-next")
    for _ in range(first):
        nxt.click()
    step = e.steps[first]
    assert _shown(browser)[0] == step.question and step.question.endswith("= ?")
    assert _boxes(browser, "data")[step.node] == "?"
    browser.save_screenshot(str(_out() / "explain_quiz_asking.png"))
    hidden = browser.find_elements("css selector", ".agl-lines li.agl-hidden")
    assert len(hidden) == len(e.steps) - first  # the lines after it, and the done line
    close = step.answer * (1 + 0.5 * derivation_page.QUIZ_RTOL)  # within the tolerance
    assert _answer(browser, f"{close:.6g}").startswith("Right")
    assert _shown(browser)[0] == step.text and _shows_step(browser, step)
    assert _score(browser) == "score: 1 right of 1 answered"
    nxt.click()
    while _shown(browser)[0] != e.steps[asked[1]].question:
        nxt.click()
    assert _answer(browser, f"{e.steps[asked[1]].answer + 1:.6g}").startswith("Not quite")
    assert _shown(browser)[0] == e.steps[asked[1]].text
    assert _score(browser) == "score: 1 right of 2 answered"
    browser.save_screenshot(str(_out() / "explain_quiz_wrong.png"))
    nxt.click()
    while _shown(browser)[0] != e.steps[asked[2]].question:
        nxt.click()
    assert _answer(browser, "a number?").startswith("Type a number")  # not counted
    assert _score(browser) == "score: 1 right of 2 answered"
    browser.find_element("css selector", ".agl-reveal").click()  # shown, not scored
    assert _shown(browser)[0] == e.steps[asked[2]].text
    assert _score(browser) == "score: 1 right of 2 answered"
    _quiet(browser, path)


def test_the_quiz_asks_the_gradient_added_going_back_and_reads_fractions(
    browser: Any, tmp_path: Path
) -> None:
    a, b = Value(3.0, "a"), Value(-0.5, "b")
    out = a * b
    out.label = "out"
    e = explain(out)
    path = e.to_html(tmp_path / "page.html")
    back = next(k for k, s in enumerate(e.steps) if s.phase == "backward" and s.operands)
    _visit(browser, path, (1400, 900), f"#step={back + 1}&quiz")
    step = e.steps[back]
    assert _shown(browser)[0] == step.question
    assert _boxes(browser, "grad")[step.operands[0]] == "?"
    assert step.answer == -0.5  # ∂out/∂a = b, times the root's gradient 1
    assert _answer(browser, "−1/2").startswith("Right")
    assert browser.execute_script("return location.hash") == f"#step={back + 1}&quiz"
    browser.find_element("css selector", ".agl-next").click()
    assert _answer(browser, "(3)").startswith("Right")
    assert _score(browser) == "score: 2 right of 2 answered"
    _quiet(browser, path)


def test_a_page_inside_a_notebook_leaves_the_address_alone(browser: Any, tmp_path: Path) -> None:
    out, _ = neuron()
    shown = explain(out)._repr_html_()
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><html><body>{shown}</body></html>", encoding="utf-8")
    _visit(browser, path, (1400, 900), "#cell")
    browser.find_element("css selector", ".agl-next").click()
    assert _shown(browser)[1].startswith("step 2 of")
    assert browser.execute_script("return location.hash") == "#cell"
    _quiet(browser, path)
