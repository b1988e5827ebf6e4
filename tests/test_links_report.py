"""Link reports: the formatters are pure, compared whole; the progress bar shows only on a terminal."""

import io
import json
import re

import pytest
from markdown_it import MarkdownIt

from pipeline.errors import LinkStatusFileError
from pipeline.link_health import LinkHealth, health_json, read_link_health
from pipeline.linkcheck.report import LinkRow, LinkStats, ResourceRef, gather, to_html, to_json, to_markdown
from pipeline.linkcheck.run import Progress
from pipeline.linkcheck.status import LinkResult, LinkStatus, Suggestion
from pipeline.linkcheck.streak import next_state


def summarise(results, states, resources, *, snapshots=None, **figures) -> LinkStats:
    """LinkStats of results with their states, the resources that use each URL and archived copies."""
    snapshots = snapshots or {}
    rows = [LinkRow(r, states.get(r.url), tuple(resources.get(r.url, ())), snapshots.get(r.url)) for r in results]
    return gather(rows, **figures)


BROKEN = LinkResult("https://a.example/x", LinkStatus.BROKEN, 404, error="http-404")
MOVED = LinkResult(
    "http://b.example/",
    LinkStatus.REDIRECTED,
    200,
    final_url="https://b.example/",
    suggested_url="https://b.example/",
    suggestion=Suggestion.MOVED,
)
OK = LinkResult("https://c.example/", LinkStatus.OK, 200)
RESOURCES = {
    BROKEN.url: [ResourceRef("art-1", "Making | the most", "Articles")],
    MOVED.url: [ResourceRef("web-1", "<script>alert(1)</script>", "Websites")],
    OK.url: [ResourceRef("pod-1", "Fine", "Podcasts"), ResourceRef("pod-2", "Also fine", "Podcasts")],
}
EXPECTED_MD = """\
# Link check 2026-01-02T02:00:00Z

3 URLs of 4 resources checked in 1.5 s: 1 ok, 1 redirected, 1 broken, 0 timeout, 0 server-error,\
 0 blocked, 0 invalid, 0 soft-404.

ALARM (--fail-on new): 1 newly broken, 1 failing now; a URL is newly broken after 2 failing run(s) in a row.

## Newly broken (1)

| resource | section | id | URL | status | since | suggested URL |
|---|---|---|---|---|---|---|
| Making \\| the most | Articles | art-1 | https://a.example/x | broken (http-404) | since 2026-01-01 (2 run(s)) |  |

## Still broken (0)

None.

## Failing, not yet confirmed (0)

None.

## Recovered (0)

None.

## Blocked (bot protection or login; not counted as broken) (0)

None.

## Redirected (1)

| resource | section | id | URL | status | since | suggested URL |
|---|---|---|---|---|---|---|
| \\<script\\>alert(1)\\</script\\> | Websites | web-1 | http://b.example/ | redirected |\
  | https://b.example/ (moved-permanently) |
"""


def stats(fail_on="new"):
    states = {}
    for night, results in enumerate(([BROKEN], [BROKEN, MOVED, OK]), start=1):
        for result in results:
            states[result.url] = next_state(states.get(result.url), result, f"2026-01-0{night}T02:00:00Z")
    return summarise(
        [BROKEN, MOVED, OK],
        states,
        RESOURCES,
        checked_at="2026-01-02T02:00:00Z",
        elapsed=1.5,
        confirm_after=2,
        fail_on=fail_on,
    )


def test_markdown_whole():
    assert to_markdown(stats()) == EXPECTED_MD


def test_json_report_and_status_file_give_each_url_a_line_of_its_own():
    """Readable and diffable by eye: the rest of each document is indented, each row takes one line."""
    text = to_json(stats())
    report = json.loads(text)
    assert text == text.rstrip("\n") + "\n"
    result_lines = [line for line in text.splitlines() if line.startswith('    {"archived"')]
    assert [json.loads(line.rstrip(",")) for line in result_lines] == report["results"]
    assert '  "counts": {' in text and "\n  ]," in text
    health = {
        url: LinkHealth(url, LinkStatus.OK, "2026-01-02T02:00:00Z", 0, False)
        for url in ("https://b.example/", "https://a.example/é")
    }
    status_text = health_json(health, checked_at="2026-01-02T02:00:00Z", confirm_after=2)
    lines = status_text.splitlines()
    assert lines[lines.index('  "urls": {') + 1].startswith('    "https://a.example/é": {"broken_since": null')
    assert set(json.loads(status_text)["urls"]) == set(health)
    assert health_json({}, checked_at="2026-01-02T02:00:00Z", confirm_after=2).endswith('"urls": {}\n}\n')


def test_json_has_every_result_with_slugs():
    report = json.loads(to_json(stats()))
    assert [(r["url"], r["status"], r["verdict"]) for r in report["results"]] == [
        (BROKEN.url, "broken", "newly-broken"),
        (MOVED.url, "redirected", None),
        (OK.url, "ok", None),
    ]
    assert report["alarm"] is True and report["resources"] == 4
    assert report["results"][0]["broken_since"] == "2026-01-01T02:00:00Z"


def test_alarm_follows_fail_on():
    assert (stats("new").alarm, stats("any").alarm, stats("never").alarm) == (True, True, False)


def test_html_escapes_every_value():
    page = to_html(stats())
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://b.example/">' in page
    assert page.count("<tr><td>") == 2 + 4  # the two sections with rows, then every resource in "All links"


HOSTILE = [  # what a web site or a curation record might hold
    "*bold* _it_ `code` ~~gone~~",
    "[Renew your password](http://host/phish)",
    "[x](javascript:alert(1))",
    "![p](http://host/p.png) <img src=x onerror=alert(1)> <http://host/auto>",
    "a title\rwith a carriage return | and a pipe\nand a newline\u2028and a line separator",
    "&lt;b&gt; entity \\ backslash",
]
INLINE_MARKUP = {
    "link_open",
    "image",
    "em_open",
    "strong_open",
    "s_open",
    "code_inline",
    "html_inline",
    "softbreak",
    "hardbreak",
}


def hostile_stats() -> LinkStats:
    rows = []
    for n, text in enumerate(HOSTILE):
        result = LinkResult(
            f"https://h{n}.example/x",
            LinkStatus.REDIRECTED,
            200,
            final_url=f"https://h{n}.example/{text}",
            suggested_url=f"https://h{n}.example/{text}",
        )
        state = next_state(None, result, "2026-01-02T02:00:00Z")
        rows.append(LinkRow(result, state, (ResourceRef(f"id-{n}", text, text),)))
    return LinkStats("2026-01-02T02:00:00Z", 1.0, 2, "new", {"redirected": len(rows)}, tuple(rows))


def test_markdown_report_is_inert_for_a_markdown_parser():
    """Hostile titles and Location headers stay text: no link, image, emphasis, code, HTML or table break."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(to_markdown(hostile_stats()))
    inline = [child for token in tokens if token.type == "inline" for child in token.children or ()]
    assert {child.type for child in inline} & INLINE_MARKUP == set()
    rows = [token for token in tokens if token.type == "tr_open"]
    cells = [token for token in tokens if token.type in ("td_open", "th_open")]
    assert len(rows) == 1 + len(HOSTILE) and len(cells) == 7 * len(rows)  # one row per link, 7 cells each
    texts = ["".join(child.content for child in token.children) for token in tokens if token.type == "inline"]
    for text in HOSTILE:  # and the reader still sees what the site sent, as text
        assert any(
            " ".join(text.replace("\r", " ").replace("\n", " ").replace("\u2028", " ").split()) in " ".join(t.split())
            for t in texts
        ), text


def test_html_and_json_reports_are_inert():
    page = to_html(hostile_stats())
    assert "<img" not in page and "<http" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(href.startswith("https://h") for href in hrefs)  # only the checked addresses link
    report = json.loads(to_json(hostile_stats()))
    assert [row["resources"][0]["title"] for row in report["results"]] == HOSTILE


def health(url="https://c.example/", **changes) -> LinkHealth:
    values = dict(
        url=url,
        status=LinkStatus.OK,
        checked_at="2026-01-02T02:00:00Z",
        failing_runs=0,
        confirmed_broken=False,
        broken_since=None,
        suggested_url=None,
        code=200,
        final_url=None,
    )
    return LinkHealth(**(values | changes))


def test_the_status_file_round_trips(tmp_path):
    entries = {
        "https://c.example/": health(),
        "https://a.example/x": health(
            "https://a.example/x",
            status=LinkStatus.BROKEN,
            code=404,
            failing_runs=2,
            confirmed_broken=True,
            broken_since="2026-01-01T02:00:00Z",
        ),
    }
    path = tmp_path / "link-status.json"
    path.write_text(health_json(entries, checked_at="2026-01-02T02:00:00Z", confirm_after=2), encoding="utf-8")
    assert read_link_health(path) == entries
    assert read_link_health(tmp_path / "absent.json") == {}


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda doc: doc["urls"]["https://c.example/"].update(checked_at=1764468000), "`checked_at` is 1764468000"),
        (lambda doc: doc["urls"]["https://c.example/"].update(status="dead"), '`status` is "dead"'),
        (lambda doc: doc["urls"]["https://c.example/"].update(failing_runs="2"), '`failing_runs` is "2"'),
        (lambda doc: doc["urls"]["https://c.example/"].pop("confirmed_broken"), "`confirmed_broken` is null"),
        (lambda doc: doc.update(urls=[]), "no object `urls`"),
        (lambda doc: doc.pop("format"), "written in another format"),
    ],
)
def test_a_hand_edited_status_file_is_a_clear_error(tmp_path, edit, problem):
    document = json.loads(
        health_json({"https://c.example/": health()}, checked_at="2026-01-02T02:00:00Z", confirm_after=2)
    )
    edit(document)
    path = tmp_path / "link-status.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with pytest.raises(LinkStatusFileError) as caught:
        read_link_health(path)
    assert problem in caught.value.message and str(path) in caught.value.message
    assert caught.value.exit_status == 3 and "run check-links to rewrite it" in caught.value.hint


def test_a_status_file_that_is_not_json_names_its_line(tmp_path):
    path = tmp_path / "link-status.json"
    path.write_text('{\n  "urls": {\n  oops\n}', encoding="utf-8")
    with pytest.raises(LinkStatusFileError, match=r"link-status.json:3: not JSON"):
        read_link_health(path)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal():
    quiet, terminal = io.StringIO(), Terminal()
    for stream in (quiet, terminal):
        bar = Progress(2, stream)
        bar.update(OK)
        bar.update(BROKEN)
        bar.close()
    assert quiet.getvalue() == ""
    assert terminal.getvalue().endswith("] 2/2, 1 failing, ETA 0s\x1b[K\n")


# ---- the plain-text mail ---------------------------------------------------------------------------

DOI = LinkResult(
    "https://doi.org/10.15766/mep_2374-8265.11438",
    LinkStatus.BROKEN,
    404,
    final_url="https://www.mededportal.org/doi/10.15766/mep_2374-8265.11438",
    error="http-404",
)
ROUTINE_DOI = LinkResult(
    "https://doi.org/10.1186/x", LinkStatus.REDIRECTED, 200, final_url="https://publisher.example/x"
)
UPGRADE = LinkResult(
    "http://d.example/p", LinkStatus.OK, 200, suggested_url="https://d.example/p", suggestion=Suggestion.HTTPS
)
MAIL_RESOURCES = {
    DOI.url: [ResourceRef("uim", "Supporting | *UIM* <students> & more", "Medical Journals & Journal Articles")],
    ROUTINE_DOI.url: [ResourceRef("peer", "Peer", "Articles")],
    UPGRADE.url: [ResourceRef("book", "Book", "Books & E-Books")],
    BROKEN.url: [ResourceRef("uncurated", "Uncurated", "Websites")],
}


def mail_stats():
    from pipeline.linkcheck.archive import Snapshot

    results = [DOI, ROUTINE_DOI, UPGRADE, BROKEN]
    states = {}
    for night, tonight in enumerate(([DOI, BROKEN], results), start=1):
        for result in tonight:
            states[result.url] = next_state(states.get(result.url), result, f"2026-01-0{night}T02:00:00Z")
    snapshot = Snapshot(f"http://web.archive.org/web/20200102030405/{BROKEN.url}", "20200102030405")
    return summarise(
        results,
        states,
        MAIL_RESOURCES,
        checked_at="2026-01-02T02:00:00Z",
        elapsed=2.0,
        confirm_after=2,
        fail_on="new",
        snapshots={BROKEN.url: snapshot},
    )


def test_the_mail_says_what_to_do_in_plain_text():
    from pipeline.linkcheck.mail import to_text

    text = to_text(mail_stats(), {"uim": 'data/raw/curation.toml, line 428 (id = "uim")', "uncurated": "not curated"})
    lines = text.splitlines()
    assert lines[0].startswith("Link check 2026-01-02T02:00:00Z: ALARM")
    assert "1. Supporting | *UIM* <students> & more" in lines  # the title as it is: nothing escaped
    for address in (DOI.url, DOI.final_url, BROKEN.url, UPGRADE.url, UPGRADE.suggested_url):
        assert address in [line.strip() for line in lines]  # whole, on a line of its own
    assert "   Status: not found (HTTP 404)" in lines and "   Failing since: 2026-01-01 (2 checks in a row)" in lines
    assert '   Edit: data/raw/curation.toml, line 428 (id = "uim")' in lines and "   Edit: not curated" in lines
    assert "   Archived copy of 2020-01-02:" in lines and "   Archived copy: none found" in lines
    assert ROUTINE_DOI.url not in text and "as they should (in the JSON report): 1" in text
    assert "\\" not in text and "|---" not in text


def test_routine_doi_redirects_stay_out_of_the_nightly_reports_but_not_the_json():
    stats = mail_stats()
    assert ROUTINE_DOI.url not in to_markdown(stats).split("## Redirected", 1)[1]
    assert ROUTINE_DOI.url in {row["url"] for row in json.loads(to_json(stats))["results"]}


def test_https_upgrades_are_in_every_report():
    from pipeline.linkcheck.mail import to_text
    from pipeline.linkcheck.report import report_files

    for name, data in report_files(mail_stats()).items():
        assert UPGRADE.suggested_url in data.decode("utf-8"), name
    assert UPGRADE.suggested_url in to_text(mail_stats(), {})


def test_the_mail_names_the_curation_line_or_says_plainly_why_not(tmp_path):
    from pipeline.linkcheck.run import curation_lines
    from tests.conftest import REAL_CURATION

    lines = curation_lines(REAL_CURATION, {"supporting-uim-medical-students", "nowhere"})
    number = next(
        n
        for n, line in enumerate(REAL_CURATION.read_text(encoding="utf-8").splitlines(), 1)
        if line == 'id = "supporting-uim-medical-students"'
    )
    assert lines["supporting-uim-medical-students"] == (
        f'{REAL_CURATION}, line {number} (id = "supporting-uim-medical-students")'
    )
    assert lines["nowhere"] == f"not curated: {REAL_CURATION} has no record 'nowhere'"
    absent = curation_lines(tmp_path / "none.toml", {"a"})
    assert absent["a"].startswith(f"{tmp_path / 'none.toml'} could not be read (the curation file does not exist)")


def test_the_readme_shows_the_mail_check_links_writes_for_the_real_guide(real_build):
    """The README's mail of a night is what `to_text` writes, with the real guide's titles, sections and
    curation lines: a DOI whose publisher's page answers 404 and a podcast host answering 503, both failing on
    two nights; an http address whose https twin is the same page; a site that refuses the checker; a DOI that
    leads to its publisher, as DOIs do; and a link that works."""
    import csv

    from pipeline.linkcheck.mail import to_text
    from pipeline.linkcheck.run import curation_lines
    from tests.conftest import REAL_CURATION, REPO

    with open(real_build / "resources.csv", encoding="utf-8-sig", newline="") as file:
        dataset = {row["id"]: row for row in csv.DictReader(file)}

    def tonight(record: str, status: LinkStatus, code: int, **found) -> LinkResult:
        return LinkResult(dataset[record]["url"], status, code, **found)

    doi = "supporting-uim-medical-students"
    broken = [
        tonight(
            doi,
            LinkStatus.BROKEN,
            404,
            final_url="https://www.mededportal.org/doi/" + dataset[doi]["doi"],
            error="http-404",
        ),
        tonight("the-medicine-mentors", LinkStatus.SERVER_ERROR, 503, error="http-503"),
    ]
    others = [
        tonight(
            "mentorship-in-academic-medicine",
            LinkStatus.OK,
            200,
            suggestion=Suggestion.HTTPS,
            suggested_url=dataset["mentorship-in-academic-medicine"]["url"].replace("http:", "https:", 1),
        ),
        tonight("academic-medicine-journal", LinkStatus.BLOCKED, 403, error="http-403"),
        tonight(
            "what-medical-students-want-from-mentor",
            LinkStatus.REDIRECTED,
            200,
            final_url="https://publisher.example/article",
        ),
        tonight("the-nocturnists", LinkStatus.OK, 200),
    ]
    states = {}
    for night, results in (("2026-12-06T02:30:00Z", broken), ("2026-12-07T02:31:02Z", broken + others)):
        for result in results:
            states[result.url] = next_state(states.get(result.url), result, night)
    uses = {row["url"]: [ResourceRef(row["id"], row["title"], row["section"])] for row in dataset.values()}
    stats = summarise(
        broken + others, states, uses, checked_at="2026-12-07T02:31:02Z", elapsed=11.4, confirm_after=2, fail_on="new"
    )
    mail = to_text(stats, curation_lines(REAL_CURATION.relative_to(REPO), {doi, "the-medicine-mentors"}))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("The mail of a night on which", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert shown == mail
