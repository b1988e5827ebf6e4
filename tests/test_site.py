"""The web edition: the real guide's site opened in Debian's Chromium (Playwright), checked with axe-core.

The site is built once per module by `mentor-guide build`, served from 127.0.0.1 by a thread of
http.server and also opened from file://. Every page load records console errors, failed requests and
any request that leaves the site; such a request is aborted, so no test reaches the internet.
Screenshots go to test-artefacts/ (ignored by git). Chromium and axe-core come from `make setup`:
when either is missing these tests fail with a message saying so; they never skip.
"""

import dataclasses
import datetime as dt
import functools
import hashlib
import html
import html.parser
import http.server
import itertools
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline import site
from pipeline.build import Paths, build_date, prepare, render_outputs
from pipeline.cli import main
from pipeline.link_health import LinkHealth
from pipeline.linkcheck.status import LinkStatus
from pipeline.presentation import link_note
from pipeline.typography import curly_quotes

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = REPO / "test-artefacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ("index.html", "dataset.html")
JSONLD_SCRIPT = "script[type='application/ld+json']"


# ---------------------------------------------------------------- fixtures


def build_site(out: Path, *extra: str) -> Path:
    """`mentor-guide build` into `out`, with a release history of its own: nothing is recorded in the repository."""
    processed, history = out.with_name(out.name + "-processed"), out.with_name(out.name + "-releases")
    options = ["--out", out, "--processed", processed, "--releases", history, *extra]
    status = main(["build", "-q", *map(str, options)])
    assert status == 0, f"mentor-guide build exited {status}"
    return out


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The real guide and curation read, normalised and validated once, for the tests of the pure core."""
    return prepare(Paths(processed=tmp_path_factory.mktemp("processed")))


@pytest.fixture(scope="module")
def built(tmp_path_factory, prepared) -> Path:
    """output/ of the real guide, with a link status that marks one real address broken and one checked."""
    out = tmp_path_factory.mktemp("site-out")
    linked = [url for url in prepared.resources["url"] if isinstance(url, str)]

    def entry(status, code, failing_runs, confirmed, since):
        return {
            "status": status,
            "code": code,
            "checked_at": "2026-11-20T03:00:01Z",
            "failing_runs": failing_runs,
            "confirmed_broken": confirmed,
            "broken_since": since,
            "final_url": None,
            "suggested_url": None,
        }

    status = {
        "format": 2,
        "checked_at": "2026-11-20T03:00:00Z",
        "confirm_after": 2,
        "urls": {
            linked[0]: entry("broken", 404, 3, True, "2026-11-10T03:00:00Z"),
            linked[1]: entry("ok", 200, 0, False, None),
            linked[2]: entry("broken", 404, 1, False, "2026-11-20T03:00:01Z"),
        },
    }
    status_path = tmp_path_factory.mktemp("state") / "link-status.json"
    status_path.write_text(json.dumps(status), encoding="utf-8")
    return build_site(out, "--link-status", status_path)


@pytest.fixture(scope="module")
def resources(built) -> list[dict]:
    return json.loads((built / "resources.json").read_text(encoding="utf-8"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(built):
    """The site folder on http://127.0.0.1:PORT/ (a thread of http.server)."""
    handler = functools.partial(QuietHandler, directory=str(built / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def require_browser_tools(chromium: Path = CHROMIUM):
    """The sync Playwright entry point, or a test failure (never a skip) saying what `make setup` installs."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run `make setup` (it is in the test extras)")
    if not chromium.exists():
        pytest.fail(
            f"{chromium} is missing: the browser tests need Debian's Chromium "
            "(`apt-get install chromium`, done by `make setup` as root)"
        )
    return sync_playwright


def test_a_missing_chromium_fails_the_tests_rather_than_skipping_them(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="chromium is missing"):
        require_browser_tools(tmp_path / "chromium")


@dataclass
class Visit:
    """What happened while a page was open."""

    page: object
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def visit(browser, url: str, *, width: int = 1280, javascript: bool = True, bypass_csp: bool = False) -> Visit:
    """Open `url` in a fresh context; requests outside the site's folder are recorded and aborted."""
    base = url.rsplit("/", 1)[0] + "/"
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=javascript, bypass_csp=bypass_csp
    )
    page = context.new_page()
    record = Visit(page)

    def route(request_route):
        if request_route.request.url.startswith(base):
            request_route.continue_()
        else:
            record.outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page.on("console", lambda message: message.type in ("error", "warning") and record.errors.append(message.text))
    page.on("pageerror", lambda error: record.errors.append(str(error)))
    page.on("request", lambda request: record.requested.append(request.url))
    page.on("dialog", lambda dialog: (record.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("requestfailed", lambda request: record.failed.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda reply: reply.status >= 400 and record.failed.append(f"{reply.url}: {reply.status}"))
    page.goto(url, wait_until="load")
    return record


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "article.resource", "nodes => nodes.filter(n => n.offsetParent !== null).map(n => n.id.slice(9))"
    )


# ---------------------------------------------------------------- the build and the pure core


def test_build_writes_the_site_and_copies_every_download(built):
    site_dir = built / "site"
    assert {p.name for p in site_dir.iterdir()} >= {"index.html", "dataset.html", "site.css", "site.js", "downloads"}
    top_level = sorted(p.name for p in built.iterdir() if p.is_file() and not p.name.startswith("."))
    copies = sorted(p.name for p in (site_dir / "downloads").iterdir())
    assert copies == top_level
    for name in copies:
        assert (site_dir / "downloads" / name).read_bytes() == (built / name).read_bytes()


def test_landing_page_lists_every_download_with_size_and_sha256(built):
    page = (built / "site" / "dataset.html").read_text(encoding="utf-8")
    apart = ("link-health.csv", "link-health.json", "data-quality.json")  # no part of the version: listed apart
    for path in sorted((built / "site" / "downloads").iterdir()):
        assert f'href="downloads/{path.name}"' in page
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert (digest not in page) if path.name in apart else (digest in page), path.name
    assert "resources.csv" in page and "handbook.pdf" in page and "datapackage.json" in page


def test_site_is_byte_identical_across_builds(prepared):
    created = build_date(prepared.curation)
    first = render_outputs(prepared, created)
    second = render_outputs(prepared, created)
    site_names = [name for name in first if name.startswith("site/")]
    assert site_names and [first[name] for name in site_names] == [second[name] for name in site_names]


def test_pages_load_nothing_from_elsewhere(built):
    """Every src and stylesheet is a relative address inside the site; a CSP allows only the site itself."""
    for name in PAGES:
        markup = html.unescape((built / "site" / name).read_text(encoding="utf-8"))
        loads = re.findall(r'<(?:script|img|iframe|link)\b[^>]*?(?:src|href)="([^"]*)"', markup)
        assert loads and all(not re.match(r"[a-z]+:|//|/", address) for address in loads), loads
        assert f'<meta http-equiv="Content-Security-Policy" content="{site.CONTENT_SECURITY_POLICY}">' in markup
        scripts = re.findall(r"<script\b[^>]*>", markup)
        assert all('src="' in tag or 'type="application/ld+json"' in tag for tag in scripts), scripts


class HeadingCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


@pytest.mark.parametrize("name", PAGES)
def test_headings_are_in_order(built, name):
    collector = HeadingCollector()
    collector.feed((built / "site" / name).read_text(encoding="utf-8"))
    levels = collector.levels
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels)), levels


def health(status: str, *, failing_runs: int = 0, confirmed: bool = False, since: str | None = None) -> LinkHealth:
    return LinkHealth(
        "https://example.org/a", LinkStatus(status), "2026-11-20T03:00:00Z", failing_runs, confirmed, since
    )


@pytest.mark.parametrize(
    "checked, expected",
    [
        (
            health("broken", failing_runs=3, confirmed=True, since="2026-11-10T03:00:00Z"),
            ("broken", "Broken link", "reported broken since 10 November 2026."),
        ),
        (
            health("broken", failing_runs=1, since="2026-11-20T03:00:00Z"),
            ("unconfirmed", "Link not confirmed", "the last check could not open it."),
        ),
        (health("blocked"), ("unconfirmed", "Link not confirmed", "the site refused the checker.")),
        (health("redirected"), None),  # a working link says nothing: the page says once when links were checked
    ],
    ids=["confirmed broken", "failing once", "blocked", "redirected"],
)
def test_only_a_confirmed_failure_is_marked_broken(checked, expected):
    note = link_note(checked, omit_broken=False)
    assert (note.state, note.label, note.detail) == expected if expected else note is None
    assert link_note(None, omit_broken=False) is None


def test_the_guide_page_marks_only_the_confirmed_broken_link(built, resources):
    markup = (built / "site" / "index.html").read_text(encoding="utf-8")

    def article(row) -> str:
        return markup[markup.index(f'id="resource-{row["id"]}"') :].split("</article>", 1)[0]

    broken, checked, failing = [row for row in resources if row["url"]][:3]
    marked = "<strong>Broken link:</strong> reported broken since 10 November 2026."
    assert '<p class="link broken">' in article(broken) and marked in article(broken)
    assert "link-note" not in article(checked)
    assert "Link not confirmed: the last check could not open it." in article(failing)
    assert markup.count("Broken link") == 1 and "Links last checked on 20 November 2026." in markup
    assert markup.count("20 November 2026") == 1  # the date of the check once, not under every address


def expected_byline(record: dict) -> str:
    """A byline as a reader writes it: 'Creators (year). Venue', 'Venue (year)' without creators; a publisher
    that is one of the creators (or that creator with a name in parentheses) left out; nothing missing shown."""
    names = [curly_quotes(name) for name in record["creators"]]
    year, venue = record["year"], record["publisher"]
    if venue and venue.split(" (")[0].casefold() in {name.casefold() for name in record["creators"]}:
        venue = None
    venue = curly_quotes(venue) if venue else None
    if not names:
        return " ".join(filter(None, [venue, f"({year})" if year and venue else str(year or "")]))
    text = "; ".join(names) + (f" ({year})" if year else "")
    return f"{text}{'' if text.endswith('.') else '.'} {venue}" if venue else text


def test_every_byline_of_the_site_reads_as_a_reader_writes_it(built, resources):
    """The web edition's bylines, as text: each the same as the handbook's rule, no raw missing value
    ("(<NA>)" was printed for the 25 resources without a year), no empty parentheses, no body twice."""
    markup = (built / "site" / "index.html").read_text(encoding="utf-8")
    shown = {}
    for identifier, body in re.findall(r'<article class="resource" id="resource-([^"]+)"(.*?)</article>', markup, re.S):
        byline = re.search(r'<p class="byline">(.*?)</p>', body, re.S)
        shown[identifier] = html.unescape(re.sub(r"<[^>]+>", "", byline.group(1))) if byline else ""
    assert list(shown) == [record["id"] for record in resources]
    assert sum(record["year"] is None for record in resources) >= 20  # the case that printed "(<NA>)"
    for record in resources:
        assert shown[record["id"]] == expected_byline(record), record["id"]
        assert not re.search(r"<NA>|\bnan\b|\bNone\b|\(\s*\)", shown[record["id"]]), record["id"]
    assert shown["academic-medicine-journal"] == "Association of American Medical Colleges"
    assert shown["medical-student-mentoring-guide"] == "MedEdPORTAL (2014)"


def test_a_title_not_known_is_headed_by_its_devised_title(prepared, built):
    markup = (built / "site" / "index.html").read_text(encoding="utf-8")
    devised = [row for row in prepared.resources.itertuples() if not row.title_known]
    assert len(devised) == 6 and "Untitled" not in markup
    headings = re.findall(r'<h3 id="resource-([^"]+)-title" class="devised">(.*?)</h3>', markup)
    assert headings == [(row.id, html.escape(curly_quotes(row.title), quote=False)) for row in devised]
    assert all(title.startswith("[") and title.endswith("]") for _, title in headings)


GOLDEN = Path(__file__).parent / "golden" / "site-index.html"


def test_guide_page_matches_the_reviewed_golden_file(tmp_path):
    """The small fixed guide of the handbook's tests (a broken and an unconfirmed link among its five), as the
    web edition's guide page; after a deliberate change, review the difference and regenerate with
    UPDATE_GOLDEN=1."""
    from pipeline.build import Paths, prepare
    from pipeline.link_health import read_link_health

    paths = Paths(
        raw=FIXTURES / "handbook-guide.txt",
        curation=FIXTURES / "handbook-curation.toml",
        processed=tmp_path / "processed",
        releases=tmp_path / "releases",
    )
    prepared = prepare(paths)
    status = read_link_health(FIXTURES / "handbook-link-status.json")
    args = (prepared.resources, prepared.curation.dataset, prepared.guide.title, build_date(prepared.curation), {})
    page = site.render_site(*args, link_status=status)["site/index.html"].decode("utf-8")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8"), "review the change, then regenerate with UPDATE_GOLDEN=1"


def test_the_landing_page_embeds_the_builds_jsonld_with_working_download_addresses(built):
    markup = (built / "site" / "dataset.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', markup, re.S).group(1)
    embedded = json.loads(block)
    published = json.loads((built / "dataset.jsonld").read_text(encoding="utf-8"))
    addresses = [download["contentUrl"] for download in embedded["distribution"]]
    assert addresses == [f"downloads/{download['contentUrl']}" for download in published["distribution"]]
    assert all((built / "site" / address).is_file() for address in addresses)
    for download in published["distribution"]:
        download["contentUrl"] = f"downloads/{download['contentUrl']}"
    assert embedded == published


def test_jsonld_cannot_close_its_script_and_is_made_when_the_build_has_none():
    info = SimpleNamespace(
        title="T",
        description="",
        version="1.0.0",
        license="CC-BY-4.0",
        institution="I",
        keywords=(),
        homepage=None,
        site_url=None,
    )
    created = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    given = {
        "@type": "Dataset",
        "name": "A </script><script>alert(1)</script> & b",
        "distribution": [{"contentUrl": "resources.csv"}, {"contentUrl": "https://elsewhere.example/x.csv"}],
    }
    files = {"dataset.jsonld": json.dumps(given).encode(), "resources.csv": b"id\r\n"}
    embedded = site.landing_context(files, info, created)["jsonld"]
    assert "</" not in embedded and "<" not in embedded
    assert json.loads(embedded) == given | {
        "distribution": [{"contentUrl": "downloads/resources.csv"}, {"contentUrl": "https://elsewhere.example/x.csv"}]
    }
    minimal = json.loads(site.landing_context({"resources.csv": b"id\r\n"}, info, created)["jsonld"])
    assert minimal["@type"] == "Dataset" and minimal["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert minimal["distribution"] == [
        {
            "@type": "DataDownload",
            "name": "resources.csv",
            "contentUrl": "downloads/resources.csv",
            "encodingFormat": "text/csv",
        }
    ]


@pytest.mark.parametrize(
    "email, url, expected",
    [
        ("guide@example.edu", None, '<p>Write to <a href="mailto:guide@example.edu">guide@example.edu</a>.</p>'),
        (
            None,
            "https://example.edu/fix",
            '<p>Write to <a href="https://example.edu/fix">https://example.edu/fix</a>.</p>',
        ),
        (None, None, "<p>Send corrections to the desk.</p>"),
        (None, "javascript:alert(1)", "<p>Send corrections to the desk.</p>"),
    ],
)
def test_corrections_go_to_the_contact_else_the_curated_words(prepared, email, url, expected):
    info = dataclasses.replace(prepared.curation.dataset, contact_email=email, contact_url=url, corrections="the desk")
    pages = site.render_site(prepared.resources, info, prepared.guide.title, build_date(prepared.curation), {})
    landing = pages["site/dataset.html"].decode("utf-8")
    corrections = landing[
        landing.index('<section id="corrections"') : landing.index(
            "</section>", landing.index('<section id="corrections"')
        )
    ]
    assert expected in corrections


def test_changelog_is_escaped_html_under_the_pages_own_heading():
    changelog = "# Changelog: T\n\nNewest first.\n\n## 1.1.0 — 2026-12-01\n\n- Fixed <b>titles</b>\n- New links\n"
    info = SimpleNamespace(
        title="T",
        description="",
        version="1.1.0",
        license="CC0-1.0",
        institution="I",
        keywords=(),
        homepage=None,
        site_url=None,
    )
    context = site.landing_context({"CHANGELOG.md": changelog.encode()}, info, dt.datetime(2026, 12, 1))
    assert str(context["changelog"]) == (
        "<p>Newest first.</p>\n<h3>1.1.0 — 2026-12-01</h3>\n"
        "<ul><li>Fixed &lt;b&gt;titles&lt;/b&gt;</li><li>New links</li></ul>"
    )


def test_the_landing_page_offers_the_citation_files_and_the_changelog(built):
    markup = (built / "site" / "dataset.html").read_text(encoding="utf-8")
    cite = markup[markup.index('id="cite-title"') : markup.index('id="downloads-title"')]
    offered = re.findall(r'<a href="downloads/([^"]+)" download>', cite)
    assert offered == ["resources.csl.json", "resources.ris", "resources.bib"]
    changelog = (built / "CHANGELOG.md").read_text(encoding="utf-8")
    release = re.search(r"^## (.+)$", changelog, re.M).group(1)
    assert f"<h3>{html.escape(release, quote=False)}</h3>" in markup


# ---------------------------------------------------------------- in the browser


@pytest.mark.parametrize("origin", ["http", "file"])
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_and_stays_on_the_site(browser, built, served, origin, name):
    base = served if origin == "http" else (built / "site").as_uri() + "/"
    visit_ = visit(browser, base + name)
    try:
        assert visit_.errors == []
        assert visit_.failed == []
        assert visit_.outside == []
        assert all(url.startswith(base) for url in visit_.requested)
        assert visit_.requested[:2] == [base + name, base + "site.css"]  # the recording works
        if name == "index.html":
            assert visit_.page.is_visible("#filters")  # the script ran under the page's CSP
        else:
            embedded = visit_.page.eval_on_selector(JSONLD_SCRIPT, "n => JSON.parse(n.textContent)")
            assert embedded["@type"] == "Dataset"
    finally:
        visit_.page.context.close()


@pytest.mark.parametrize("name", PAGES)
def test_axe_reports_no_violations(browser, served, name):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm install axe-core)")
    visit_ = visit(browser, served + name, bypass_csp=True)  # the CSP would refuse axe's own script
    try:
        visit_.page.add_script_tag(path=str(AXE))
        violations = visit_.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        assert violations == []
    finally:
        visit_.page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("name", PAGES)
def test_no_sideways_scroll(browser, served, name, width):
    visit_ = visit(browser, served + name, width=width)
    try:
        page = visit_.page
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / f"site-{name.removesuffix('.html')}-{width}.png"))
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert (scroll, client) == (width, width)
        overflowing = f"nodes => nodes.filter(n => n.getBoundingClientRect().right > {width} + 0.5)"
        too_wide = page.eval_on_selector_all("body *", overflowing + ".map(n => n.outerHTML.slice(0, 80))")
        assert too_wide == []
    finally:
        visit_.page.context.close()


# Every piece of text of the page, cut into words (at spaces, and after a hyphen or dash, where a line may
# break); each word's boxes: a word drawn on two lines broke inside itself. Addresses are pieces (.nobr),
# each of which may start a line; a checksum (<code>) is not a word and may break anywhere.
WORDS_BROKEN_INSIDE = r"""() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, code, [hidden]") || !parent.getClientRects().length) continue;
    const text = node.textContent;
    const pattern = parent.closest(".nobr") ? /^[\s\S]+$/g : /[^\s\u2010-\u2015-]+[\u2010-\u2015-]?/g;
    for (const match of text.matchAll(pattern)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [320, 360, 414, 768, 1024, 1280])
@pytest.mark.parametrize("name", PAGES)
def test_no_word_breaks_inside_itself_at_any_width(browser, served, name, width):
    """At 360 px, 16 venues and bylines once broke inside a word ("Associatio|n", "College o|f Medicine")."""
    visit_ = visit(browser, served + name, width=width)
    try:
        page = visit_.page
        assert page.evaluate(WORDS_BROKEN_INSIDE) == []
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll == client == width
    finally:
        visit_.page.context.close()


def test_the_width_check_sees_a_word_broken_inside(browser, served):
    """The check above fails when a word does break: a venue squeezed into a narrow box, set to break anywhere."""
    visit_ = visit(browser, served + "index.html", width=360, bypass_csp=True)
    try:
        page = visit_.page
        page.add_style_tag(content=".byline { overflow-wrap: anywhere; width: 3.5rem; }")
        assert "Association" in " ".join(page.evaluate(WORDS_BROKEN_INSIDE))
    finally:
        visit_.page.context.close()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mentee's guide", "mentees-guide-zachary"),  # a keyboard's apostrophe finds "Mentee’s Guide"
        ("it's important", "physician-mentorship-nejm-careercenter"),
        ('"value my culture', "culturally-relevant-mentoring"),  # straight quotes find “Value my culture…”
        ("mentée’s guide", "mentees-guide-zachary"),  # an accent typed where the text has none
        ("peer\u2011mentorship and first\u2011year", "peer-mentorship-first-year-inclusion"),  # no-break hyphens typed
    ],
)
def test_search_folds_apostrophes_quotes_dashes_and_accents(browser, served, typed, expected):
    visit_ = visit(browser, served + "index.html")
    try:
        page = visit_.page
        page.fill("#filter-search", typed)
        assert visible_ids(page) == [expected]
    finally:
        visit_.page.context.close()


def test_print_shows_the_resources_without_the_controls(browser, served, resources):
    visit_ = visit(browser, served + "index.html")
    try:
        page = visit_.page
        page.emulate_media(media="print")
        for hidden in (".skip-link", ".site-nav", "#filters", ".contents"):
            assert page.eval_on_selector(hidden, "n => getComputedStyle(n).display") == "none", hidden
        assert visible_ids(page) == [row["id"] for row in resources]
        assert page.eval_on_selector("body", "n => getComputedStyle(n).fontSize") == "14px"  # 10.5 pt
    finally:
        visit_.page.context.close()


def test_choosing_a_topic_shows_exactly_its_resources(browser, served, resources):
    visit_ = visit(browser, served + "index.html")
    try:
        page = visit_.page
        topics = page.eval_on_selector_all("#filter-topic option", "nodes => nodes.map(n => n.value)")
        assert topics[0] == "" and sorted(topics[1:]) == sorted({tag for row in resources for tag in row["tags"]})
        for topic in topics[1:]:
            page.select_option("#filter-topic", topic)
            expected = [row["id"] for row in resources if topic in row["tags"]]
            assert visible_ids(page) == expected, topic
            sections = page.eval_on_selector_all(
                ".contents li:not([hidden]) a", "nodes => nodes.map(n => n.textContent)"
            )
            assert sections[:-1] == list(dict.fromkeys(row["section"] for row in resources if topic in row["tags"]))
            assert page.text_content("#result-count") == f"Showing {len(expected)} of {len(resources)} resources."
        page.select_option("#filter-topic", "")
        assert visible_ids(page) == [row["id"] for row in resources]
    finally:
        visit_.page.context.close()


def test_audience_and_type_filters_combine(browser, served, resources):
    visit_ = visit(browser, served + "index.html")
    try:
        page = visit_.page
        page.select_option("#filter-audience", "faculty")
        page.select_option("#filter-type", "podcast")
        expected = [row["id"] for row in resources if "faculty" in row["audience"] and row["type"] == "podcast"]
        assert expected and visible_ids(page) == expected
        page.click("button[type=reset]")
        page.wait_for_selector("article.resource[hidden]", state="detached")
        assert len(visible_ids(page)) == len(resources)
    finally:
        visit_.page.context.close()


def distinctive_word(resources: list[dict]) -> tuple[str, str]:
    """A word of one resource's description that no other resource's text contains, and that resource's id."""
    texts = {row["id"]: json.dumps(row, ensure_ascii=False).casefold() for row in resources}
    for row in resources:
        for word in re.findall(r"[A-Za-z]{9,}", row["description"]):
            if sum(word.casefold() in text for text in texts.values()) == 1:
                return word, row["id"]
    raise AssertionError("no distinctive word in the descriptions")


def test_search_finds_a_resource_by_a_word_of_its_description(browser, served, resources):
    word, identifier = distinctive_word(resources)
    visit_ = visit(browser, served + "index.html")
    try:
        page = visit_.page
        page.fill("#filter-search", word.upper())
        assert visible_ids(page) == [identifier]
        page.fill("#filter-search", "zzxqvnotaword")
        assert visible_ids(page) == [] and page.is_visible("#no-results")
    finally:
        visit_.page.context.close()


def test_every_control_is_reachable_with_the_keyboard(browser, served, resources):
    word, identifier = distinctive_word(resources)
    visit_ = visit(browser, served + "index.html")
    try:
        page = visit_.page
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        reached = []
        for _ in range(80):
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.id || document.activeElement.tagName")
            reached.append(focused)
            if focused == "filter-search":
                page.keyboard.type(word)
            if focused == "BUTTON":
                break
        assert [c for c in reached if c.startswith("filter-")] == [
            "filter-search",
            "filter-topic",
            "filter-audience",
            "filter-type",
        ]
        assert reached[-1] == "BUTTON"
        assert visible_ids(page) == [identifier]  # typed through the keyboard
        page.keyboard.press("Enter")  # "Show all"
        page.wait_for_selector("article.resource[hidden]", state="detached")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    finally:
        visit_.page.context.close()


def test_without_javascript_every_resource_is_listed_and_the_topic_index_works(browser, served, resources):
    visit_ = visit(browser, served + "index.html", javascript=False)
    try:
        page = visit_.page
        assert len(resources) == 45
        assert visible_ids(page) == [row["id"] for row in resources]
        assert not page.is_visible("#filters")
        topic = resources[0]["tags"][0]
        page.click(f".topic-list a[href='#topic-{topic}']")
        assert page.evaluate("location.hash") == f"#topic-{topic}"
        assert page.is_visible(f"#topic-{topic}")
        listed = page.eval_on_selector_all(f"#topic-{topic} a", "nodes => nodes.map(n => n.getAttribute('href'))")
        assert listed == [f"#resource-{row['id']}" for row in resources if topic in row["tags"]]
        page.click(f"#topic-{topic} a[href='#resource-{resources[0]['id']}']")
        top = page.eval_on_selector(f"#resource-{resources[0]['id']}", "n => n.getBoundingClientRect().top")
        assert abs(top) < 2  # scrolled to the resource
    finally:
        visit_.page.context.close()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    build_site(out, "--raw", FIXTURES / "site-hostile-guide.txt", "--curation", FIXTURES / "site-hostile-curation.toml")
    return out / "site"


@pytest.mark.parametrize("name", PAGES)
def test_hostile_text_shows_as_text_and_runs_nothing(browser, hostile_site, name):
    visit_ = visit(browser, (hostile_site / name).as_uri())
    try:
        page = visit_.page
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert visit_.outside == [] and visit_.failed == [] and visit_.errors == [] and visit_.dialogs == []
        assert page.eval_on_selector_all("iframe, img, svg, b, em, style:not(head style)", "n => n.length") == 0
        assert page.eval_on_selector_all("body script", "n => n.map(s => s.getAttribute('src'))") == (
            ["site.js"] if name == "index.html" else []
        )
        assert page.eval_on_selector_all("a[href^='javascript:']", "n => n.length") == 0
        text = page.inner_text("body")
        assert 'Test <iframe src="pwned.html"></iframe> College' in text
        if name == "index.html":
            # the guide's text is set with typographic quotes
            straight = text.translate(str.maketrans("‘’“”\u00a0", "''\"\" "))
            assert '<img src="pwned.png" onerror="window.pwned = \'guide image\'">' in straight
            assert "Title <svg onload=\"window.pwned = 'title'\"></svg> & more" in straight
            assert "Publisher\"><script>window.pwned = 'publisher'</script>" in straight
            assert page.eval_on_selector_all("h1", "n => n.length") == 1
        else:
            embedded = page.eval_on_selector(JSONLD_SCRIPT, "n => JSON.parse(n.textContent)")
            assert embedded["name"] == "Hostile </script><script>window.pwned = 'dataset title'</script> guide"
            assert "write to us" not in page.eval_on_selector_all("a", "n => n.map(a => a.textContent).join(' ')")
    finally:
        visit_.page.context.close()


# ---------------------------------------------------------------- a way to every resource


def test_no_resource_on_the_web_ends_with_nothing_to_do(browser, served, resources):
    """Issue 22's promise, read in Chromium: each of the 45 resources shows its confirmed link or a labelled
    search; a search's words say what it searches and never read as an address; a link confirmed broken has
    a search beside it."""
    page = visit(browser, served + "index.html", width=360).page
    shown = page.eval_on_selector_all(
        "article.resource",
        """nodes => nodes.map(n => ({
            id: n.id.slice(9),
            text: n.innerText,
            link: n.querySelector('p.link a') && n.querySelector('p.link a').href,
            search: n.querySelector('p.search a') && n.querySelector('p.search a').innerText,
            searchHref: n.querySelector('p.search a') && n.querySelector('p.search a').href,
        }))""",
    )
    assert len(shown) == len(resources) == 45
    assert [entry["id"] for entry in shown if not entry["link"] and not entry["search"]] == []
    searched = [entry for entry in shown if entry["search"]]
    assert len([entry for entry in shown if not entry["link"]]) == 15 and len(searched) == 16
    own = {row["url"] for row in resources if row["url"]}
    for entry in searched:
        assert re.match(
            r"Search (the library catalogue|for the article|the university’s web pages|the web): \S", entry["search"]
        )
        assert not entry["search"].startswith("http") and entry["searchHref"] not in own
        if not entry["link"]:
            assert f"No confirmed link. {entry['search']}" in entry["text"], entry["id"]
    broken = next(entry for entry in shown if "Broken link:" in entry["text"])
    assert broken["link"] and broken["search"]  # the search is offered beside the mark
