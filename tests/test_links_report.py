"""Link reports: the formatters are pure, compared whole; the progress bar shows only on a terminal."""

import io
import json

from pipeline.linkcheck.run import Progress
from pipeline.linkcheck.history import next_state
from pipeline.linkcheck.report import ResourceRef, status_json, summarise, to_html, to_json, to_markdown
from pipeline.linkcheck.status import LinkResult, LinkStatus, Suggestion

BROKEN = LinkResult("https://a.example/x", LinkStatus.BROKEN, 404, error="http-404")
MOVED = LinkResult("http://b.example/", LinkStatus.REDIRECTED, 200, final_url="https://b.example/",
                   suggested_url="https://b.example/", suggestion=Suggestion.MOVED)  # fmt: skip
OK = LinkResult("https://c.example/", LinkStatus.OK, 200)
RESOURCES = {
    BROKEN.url: [ResourceRef("art-1", "Making | the most", "Articles")],
    MOVED.url: [ResourceRef("web-1", "<script>alert(1)</script>", "Websites")],
    OK.url: [ResourceRef("pod-1", "Fine", "Podcasts"), ResourceRef("pod-2", "Also fine", "Podcasts")],
}
EXPECTED_MD = """\
# Link check 2026-01-02T02:00:00Z

3 URLs of 4 resources checked in 1.5 s: 1 ok, 1 redirected, 1 broken, 0 timeout, 0 server-error, 0 blocked, 0 invalid, 0 soft-404.

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
| \\<script\\>alert(1)\\</script\\> | Websites | web-1 | http://b.example/ | redirected |  | https://b.example/ (moved-permanently) |
"""


def stats(fail_on="new"):
    states = {}
    for night, results in enumerate(([BROKEN], [BROKEN, MOVED, OK]), start=1):
        for result in results:
            states[result.url] = next_state(states.get(result.url), result, f"2026-01-0{night}T02:00:00Z")
    return summarise([BROKEN, MOVED, OK], states, RESOURCES, checked_at="2026-01-02T02:00:00Z", elapsed=1.5,
                     confirm_after=2, fail_on=fail_on)  # fmt: skip


def test_markdown_whole():
    assert to_markdown(stats()) == EXPECTED_MD


def test_json_has_every_result_with_slugs():
    report = json.loads(to_json(stats()))
    assert [(r["url"], r["status"], r["verdict"]) for r in report["results"]] == [
        (BROKEN.url, "broken", "newly-broken"), (MOVED.url, "redirected", None), (OK.url, "ok", None)]  # fmt: skip
    assert report["alarm"] is True and report["resources"] == 4
    assert report["results"][0]["broken_since"] == "2026-01-01T02:00:00Z"


def test_alarm_follows_fail_on():
    assert (stats("new").alarm, stats("any").alarm, stats("never").alarm) == (True, True, False)


def test_html_escapes_every_value():
    page = to_html(stats())
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://b.example/">' in page
    assert page.count("<tr><td>") == 2 + 4  # the two sections with rows, then every resource in "All links"


def test_status_json_shape():
    states = {OK.url: next_state(None, OK, "2026-01-02T02:00:00Z")}
    assert json.loads(status_json(states, "2026-01-02T02:00:00Z")) == {
        "checked_at": "2026-01-02T02:00:00Z",
        "urls": {OK.url: {"status": "ok", "code": 200, "checked_at": "2026-01-02T02:00:00Z", "final_url": None,
                          "broken_since": None, "suggested_url": None}},
    }  # fmt: skip


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
