"""The report in a real browser: headless Chromium, driven by Playwright.

A sample is graded into a temporary folder and opened from disk. The page must render with no console
error, no request may leave the machine, the score, checklist, evidence and fix-first list must be
visible, it must fit a phone's width and print on A4, and it must be accessible: a language, headings
in order, landmarks, and text that contrasts enough with its background. Screenshots and the printed
PDF go to tests/artifacts/.

These tests are skipped, with the reason, only where Chromium or the playwright package is missing.
Playwright drives the system Chromium (`executable_path`); it never downloads a browser of its own.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.grading import grade
from grader.report.html import write_report

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SAMPLES = ROOT / "sample_submissions"
TEMPLATE = ROOT / "grader" / "templates" / "report.html.j2"
CHROMIUM = os.environ.get("GRADER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]
REPORTS = {"failing": "weak-dollars-only-checkout.pdf", "passing": "strong-checkout-limits.pdf"}
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
A4_CONTENT_PX = 687  # 210 mm less the 2 × 14 mm @page margins, at 96 px per inch
LOCAL = ("file:", "data:")


# --- colour contrast (WCAG 2.x), shared by the browser test and the stylesheet test ---------------


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def test_contrast_formula_matches_wcag_examples():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast(hex_rgb("#777"), hex_rgb("#fff")) == pytest.approx(4.48, abs=0.01)


# The text colours of the template against the backgrounds they are set on. The template has no links
# (a report is one page with nothing to follow); its accent colour marks the advice box.
TEXT_ON_BACKGROUND = [
    ("ink", "card"), ("ink", "bg"), ("ink", "quote"), ("ink", "advice"), ("ink", "mark"), ("ink", "mark-fail"),
    ("muted", "card"), ("muted", "bg"), ("muted", "quote"),
    ("pass", "pass-bg"), ("fail", "fail-bg"), ("warn", "warn-bg"),
    ("pass", "card"), ("fail", "card"), ("warn", "card"), ("accent", "card"), ("accent", "advice"),
]


def _palette() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", TEMPLATE.read_text(encoding="utf-8"))
    assert root, "the template's stylesheet should define its colours in :root"
    return dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", root.group(1)))


@pytest.mark.parametrize(("fg", "bg"), TEXT_ON_BACKGROUND, ids=lambda v: v)
def test_stylesheet_colours_contrast_enough(fg, bg):
    colours = _palette()
    ratio = contrast(hex_rgb(colours[fg]), hex_rgb(colours[bg]))
    assert ratio >= 4.5, f"--{fg} {colours[fg]} on --{bg} {colours[bg]}: {ratio:.2f}:1, WCAG AA needs 4.5:1"


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A Chromium context with a fresh profile (its own --user-data-dir)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set GRADER_CHROMIUM)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS, viewport=DESKTOP,
            service_workers="block")
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory, rubric) -> dict[str, tuple[Path, object]]:
    out = tmp_path_factory.mktemp("reports")
    graded = {}
    for key, name in REPORTS.items():
        result = grade(SAMPLES / name, rubric)
        graded[key] = (write_report(result, out), result)
    assert not graded["passing"][1].failed and graded["failing"][1].failed
    return graded


@dataclass
class Opened:
    page: object
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def open_page(context, url: str, viewport: dict | None = None) -> Opened:
    """Open ``url`` with every request recorded and any that is not file: or data: refused."""
    page = context.new_page()
    page.set_viewport_size(viewport or DESKTOP)
    opened = Opened(page)

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: opened.requests.append(req.url))
    page.on("websocket", lambda ws: opened.blocked.append(ws.url))
    page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda exc: opened.console.append(f"pageerror: {exc}"))
    page.goto(url, wait_until="load")
    return opened


@pytest.fixture(params=list(REPORTS))
def report(request, browser, reports):
    path, result = reports[request.param]
    opened = open_page(browser, path.as_uri())
    yield request.param, opened, result
    opened.page.close()


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    page.screenshot(path=str(target), full_page=True)
    return target


def test_the_network_guard_catches_a_request(browser, tmp_path):
    """Not vacuous: a page that does fetch something is seen, and the fetch refused."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!doctype html><title>x</title><img src="https://example.invalid/pixel.png" alt="">',
                     encoding="utf-8")
    opened = open_page(browser, leaky.as_uri())
    opened.page.close()
    assert "https://example.invalid/pixel.png" in opened.blocked


def test_the_report_renders_with_no_errors_and_no_requests_out(report):
    key, opened, result = report
    page = opened.page
    assert page.title().startswith(Path(result.file).name)
    assert opened.console == [], opened.console
    assert opened.requests, "the page itself should have been requested"
    assert all(url.startswith(LOCAL) for url in opened.requests), opened.requests
    assert opened.blocked == []
    _shot(page, f"report-{key}-desktop.png")


def test_the_key_parts_are_visible(report):
    key, opened, result = report
    page = opened.page
    score = page.locator("#score")
    assert score.is_visible() and score.text_content().strip() == f"{result.score:g}"
    assert page.locator("#verdict").is_visible()
    assert page.locator("#checklist").is_visible()
    assert page.locator("#checklist .crit").count() == len(result.criteria)
    quotes = page.locator("#checklist figure.quote")
    assert quotes.count() >= 3 and quotes.first.is_visible()
    assert page.locator("#opening mark").first.is_visible()
    titles = {c.title for c in result.criteria}
    refs = page.locator("#opening .ref").all_inner_texts()
    assert refs and all(r.strip(" ✓✗!") in titles for r in refs), refs  # each highlight says who quoted it
    fix = page.locator("#fix-first")
    if result.failed:
        assert fix.is_visible()
        assert fix.locator("li").count() == min(3, sum(not c.passed for c in result.criteria))
    else:
        assert fix.count() == 0


def test_each_verdict_is_colour_icon_and_word(report):
    _, opened, result = report
    page = opened.page
    seen = {}
    for c in result.criteria:
        item = page.locator(f"li.crit[id='{c.id}']")
        icon = item.locator(".icon")
        tag = item.locator(".tag")
        assert icon.is_visible() and tag.is_visible()
        word = "Pass" if c.passed else ("Warning" if c.severity == "warning" else "Fail")
        assert tag.inner_text().strip().lower() == word.lower()  # shown in capitals by the stylesheet
        colour = tag.evaluate("e => getComputedStyle(e).color")
        seen.setdefault(word, set()).add((icon.inner_text().strip(), colour))
    assert all(len(v) == 1 for v in seen.values()), seen  # one look per verdict
    looks = [next(iter(v)) for v in seen.values()]
    assert len({icon for icon, _ in looks}) == len(looks)  # icons differ between verdicts
    assert len({colour for _, colour in looks}) == len(looks)  # and so do colours


def test_evidence_sits_next_to_its_location(report):
    _, opened, _ = report
    page = opened.page
    for viewport, beside in ((DESKTOP, True), (PHONE, False)):
        page.set_viewport_size(viewport)
        quote = page.locator("#checklist figure.quote").first
        where = quote.locator("figcaption").bounding_box()
        text = quote.locator("blockquote").bounding_box()
        if beside:  # on the left of the quote, on its first line
            assert where["x"] + where["width"] <= text["x"] + 1 and abs(where["y"] - text["y"]) < 12, (where, text)
        else:  # right above it
            assert where["y"] + where["height"] <= text["y"] + 1 and text["y"] - where["y"] < 60, (where, text)


def test_headings_are_in_order(report):
    _, opened, _ = report
    levels = opened.page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert 3 in levels


def test_language_and_landmarks(report):
    _, opened, _ = report
    page = opened.page
    assert page.evaluate("document.documentElement.lang") == "en"
    for role in ("banner", "main", "contentinfo"):
        landmark = page.get_by_role(role)
        assert landmark.count() == 1, role
        assert landmark.is_visible(), role


# Every element with text of its own: its text colour and the colours behind it, innermost first.
_TEXT_COLOURS = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const svg = el instanceof SVGElement;
    const backs = [];
    for (let e = el; e; e = e.parentElement) {
      if (e instanceof SVGElement) continue;
      const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none') return [{error: 'background image behind ' + el.tagName}];
      backs.push(s.backgroundColor);
    }
    const size = parseFloat(style.fontSize), bold = +style.fontWeight >= 700;
    out.push({text: el.textContent.trim().slice(0, 60), tag: el.tagName.toLowerCase(), cls: String(el.className.baseVal ?? el.className),
              fg: svg ? style.fill : style.color, backs, large: size >= 24 || (bold && size >= 18.66)});
  }
  return out;
}"""


def _rgba(css: str) -> tuple[float, float, float, float]:
    m = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", css.strip())
    assert m, f"unexpected colour {css!r}"
    r, g, b, a = m.groups()
    return float(r), float(g), float(b), 1.0 if a is None else float(a)


def _behind(backs: list[str]) -> tuple[float, float, float]:
    """Composite the backgrounds, outermost (white canvas) first."""
    rgb = (255.0, 255.0, 255.0)
    for css in reversed(backs):
        r, g, b, a = _rgba(css)
        rgb = tuple(a * new + (1 - a) * old for new, old in zip((r, g, b), rgb, strict=True))
    return rgb


def contrast_failures(page) -> tuple[set[str], list[str]]:
    """The classes of the elements with text on ``page``, and those whose text contrasts too little."""
    items = page.evaluate(_TEXT_COLOURS)
    assert items and "error" not in items[0], items[:1]
    kinds, failures = set(), []
    for item in items:
        r, g, b, a = _rgba(item["fg"])
        assert a == 1.0, f"translucent text: {item}"
        ratio = contrast((r, g, b), _behind(item["backs"]))
        kinds.add(item["cls"])
        if ratio < (3.0 if item["large"] else 4.5):
            failures.append(f"{ratio:.2f}:1 <{item['tag']} class='{item['cls']}'> {item['text']!r}")
    return kinds, failures


def test_text_contrasts_with_its_background(report):
    key, opened, _ = report
    kinds, failures = contrast_failures(opened.page)
    assert not failures, "\n".join(failures)
    for cls in ("tag pass", "weight", "meta", "loc"):  # the checked text includes tags and muted text
        assert cls in kinds, (cls, sorted(kinds))
    if key == "failing":
        assert "tag fail" in kinds


def test_fits_a_phone_without_sideways_scrolling(report):
    key, opened, _ = report
    page = opened.page
    page.set_viewport_size(PHONE)
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{width}px of content in a {inner}px window"
    overflowing = page.evaluate("""w => [...document.body.querySelectorAll('*')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.width && (r.left < -1 || r.right > w + 1); })
        .map(e => e.tagName + '.' + e.className)""", inner)
    assert overflowing == []
    _shot(page, f"report-{key}-phone.png")


def test_prints_on_a4_with_nothing_cut_off(report):
    from pypdf import PdfReader

    key, opened, result = report
    page = opened.page
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1000})
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, f"printed content is {width}px wide on a {inner}px A4 line"
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"report-{key}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2 + 2 * result.pages, len(reader.pages)
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((595.3, 841.9), abs=2)  # A4 in points
    texts = [p.extract_text() or "" for p in reader.pages]
    assert all(t.strip() for t in texts), "a blank page was printed"
    printed = " ".join(unicodedata.normalize("NFKC", " ".join(texts)).split())  # "ﬁ" ligatures back to "fi"
    for c in result.criteria:
        assert c.title in printed, c.title
    assert re.search(r"Score [\d.]+ of [\d.]+ points", texts[-1]), "the footer should end the last page"
    page.emulate_media(media="screen")


# --- the batch dashboard -------------------------------------------------------------------------


def _batch_command():
    from grader.cli import main

    return getattr(main, "commands", {}).get("batch")


@pytest.mark.skipif(_batch_command() is None,
                    reason="`grader batch` (the index.html dashboard) does not exist yet; its browser checks "
                           "(renders offline, table sorts on a header click and from the keyboard) run once it does")
def test_dashboard_sorts_by_click_and_keyboard(browser, tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    names = [*REPORTS.values(), "weak-hedge-credit-limits.pdf", "strong-fraud-review-threshold.pdf"]
    for name in names:
        shutil.copy(SAMPLES / name, drafts / name)
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["batch", str(drafts), "-o", str(out), "--jobs", "1"])
    assert run.exit_code in (0, 1), run.output
    index = out / "index.html"
    assert index.is_file(), run.output
    opened = open_page(browser, index.as_uri())
    page = opened.page
    assert opened.console == [] and opened.blocked == [], (opened.console, opened.blocked)
    assert all(url.startswith(LOCAL) for url in opened.requests), opened.requests
    assert page.evaluate("document.documentElement.lang")
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert page.get_by_role("main").count() == 1
    failures = contrast_failures(page)[1]
    assert not failures, "\n".join(failures)
    _shot(page, "dashboard-desktop.png")

    headers = page.locator("table thead th")
    assert page.locator("table tbody tr").count() == len(names)
    texts = [t.strip() for t in headers.all_inner_texts()]
    col = next((i for i, t in enumerate(texts) if t.lower().startswith("score")), None)
    assert col is not None, f"no Score column among {texts}"
    header = headers.nth(col)
    control = header.locator("button").first if header.locator("button").count() else header

    def scores() -> list[float]:
        cells = page.locator(f"table tbody tr > :nth-child({col + 1})").all_inner_texts()
        return [float(re.search(r"[\d.]+", c).group()) for c in cells]

    def assert_sorted() -> list[float]:
        order = header.get_attribute("aria-sort")
        assert order in ("ascending", "descending"), order
        got = scores()
        assert got == sorted(got, reverse=order == "descending"), (order, got)
        return got

    control.click()
    first = assert_sorted()
    control.click()
    second = assert_sorted()
    assert second == first[::-1], "a second click should reverse the order"
    control.focus()
    assert page.evaluate("document.activeElement.closest('th') !== null"), "the header should take the focus"
    page.keyboard.press("Enter")
    assert assert_sorted() == first, "Enter on the focused header should sort, as a click does"
    page.set_viewport_size(PHONE)
    _shot(page, "dashboard-phone.png")
    page.close()
