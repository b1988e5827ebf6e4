"""The proofreader: every output a reader meets, read as that reader gets it, on the real guide and on the
hostile fixtures.

CSV and JSON cells as a spreadsheet or a program reads them; the three citation files as a reference
manager imports them (the CSL-JSON rendered in APA by citeproc-py); the handbook as `pdftotext` copies
it; both web pages' text in Chromium, after the page's script ran; the link reports of a `check-links`
run against a server on 127.0.0.1. Each fails on a raw value or placeholder, an empty pair of brackets,
a word repeated across a full stop ("AAMC. AAMC"), or a count in the text that the data contradicts.
"""

import csv
import html
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import pandas as pd
import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from markdown_it import MarkdownIt

from pipeline import config, presentation, site
from pipeline.build import build_date
from pipeline.curation import read_curation
from pipeline.lookup import SearchTemplates, search_link
from pipeline.typography import curly_quotes
from tests.links_server import FAST, LinksServer, write_dataset
from tests.test_site import FIXTURES, PAGES, build_site

# A raw value where words should be. "None." alone is an English sentence (a report's empty list), not a value.
PLACEHOLDER = re.compile(r"<NA>|\bNaN\b|\bnan\b|\bNone\b(?!\.$)|\bNaT\b|\bundefined\b|\bnull\b|\{\{|\}\}", re.M)
EMPTY_PAIR = re.compile(r"\(\s*\)|\[\s*\]")
REPEATED_ACROSS_STOP = re.compile(r"\b(\w{2,})\.\s+\1\b")


@dataclass(frozen=True)
class Facts:
    """What the data says, counted here from the published JSON, apart from the code under test."""

    resources: int
    sections: int
    with_link: int
    without_link: int
    title_known: int
    title_devised: int
    with_search: int = 0  # resources without a link that offer a search instead


def facts_of(records: list[dict], searches: SearchTemplates = SearchTemplates()) -> Facts:
    """The facts of the published records; the searches the lookup rule can make for those without a link."""
    linked = sum(bool(record["url"] or record["doi"]) for record in records)
    known = sum(bool(record["title_known"]) for record in records)
    searched = sum(
        search_link(
            title=record["title"],
            title_known=record["title_known"],
            creators=record["creators"],
            publisher=record.get("publisher"),
            isbn=record.get("isbn") or [],
            type=record["type"],
            section=record["section"],
            templates=searches,
        )
        is not None
        for record in records
        if not (record["url"] or record["doi"])
    )
    return Facts(
        resources=len(records),
        sections=len({record["section"] for record in records}),
        with_link=linked,
        without_link=len(records) - linked,
        title_known=known,
        title_devised=len(records) - known,
        with_search=searched,
    )


# Every sentence of the editions that counts something, and the fact it counts.
COUNT_CLAIMS = (
    (re.compile(r"\b(\d+) resources\b"), "resources"),
    (re.compile(r"\bin (\d+) sections\b"), "sections"),
    (re.compile(r"\b(\d+) of the \d+ resources have a confirmed web address"), "with_link"),
    (re.compile(r"\b(\d+) of them with a link printed in full"), "with_link"),
    (re.compile(r"\b(\d+) with a confirmed link\b"), "with_link"),
    (re.compile(r"\b(\d+) of the \d+ have a confirmed web address"), "with_link"),
    (re.compile(r"\b(\d+) entries say No confirmed link"), "without_link"),
    (re.compile(r"\b(\d+) have a known title\b"), "title_known"),
    (re.compile(r"\bthe (\d+) titles in square brackets"), "title_devised"),
    (re.compile(r"\bthe other (\d+) a title devised\b"), "title_devised"),
    (re.compile(r"\b(\d+) headings are in square brackets"), "title_devised"),
    (re.compile(r"\band (\d+) with a labelled search printed"), "with_search"),
    (re.compile(r"\b(\d+) resources? without a printed link offers? a search"), "with_search"),
    (re.compile(r"\b(\d+) with a search in place of a link"), "with_search"),
)


def proofread(text: str, where: str, facts: Facts | None = None) -> list[str]:
    """Every problem a proofreader would mark in `text`, each with where it is and the words around it."""

    def around(match: re.Match) -> str:
        return " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())

    problems = [f"{where}: raw value {m.group()!r} in …{around(m)}…" for m in PLACEHOLDER.finditer(text)]
    problems += [f"{where}: empty brackets in …{around(m)}…" for m in EMPTY_PAIR.finditer(text)]
    problems += [f"{where}: {m.group(1)!r} repeated in …{around(m)}…" for m in REPEATED_ACROSS_STOP.finditer(text)]
    flat = " ".join(text.split())
    for pattern, fact in COUNT_CLAIMS if facts else ():
        for match in pattern.finditer(flat):
            if int(match.group(1)) != getattr(facts, fact):
                problems.append(f"{where}: says {match.group()!r}, but the data has {getattr(facts, fact)} ({fact})")
    return problems


# ---------------------------------------------------------------- the readers


def spreadsheet_cells(out: Path) -> str:
    with open(out / "resources.csv", encoding="utf-8-sig", newline="") as file:
        return "\n".join(cell for row in csv.reader(file) for cell in row)


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return []


def apa_references(out: Path) -> str:
    items = json.loads((out / "resources.csl.json").read_text(encoding="utf-8"))
    bibliography = CitationStylesBibliography(
        CitationStylesStyle("apa", validate=False), CiteProcJSON(items), formatter.plain
    )
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return "\n".join(str(entry) for entry in bibliography.bibliography())


def ris_fields(out: Path) -> str:
    entries = rispy.loads((out / "resources.ris").read_text(encoding="utf-8"))
    return "\n".join(text for entry in entries for text in json_strings(entry))


def bibtex_fields(out: Path) -> str:
    library = bibtexparser.parse_string((out / "resources.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks
    values = [str(field.value).strip("{}") for entry in library.entries for field in entry.fields]
    return "\n".join(values)


def handbook_text(out: Path) -> str:
    """The handbook's pages as `pdftotext` copies them, each page's footer ("page 3 of 22") marked as such: a
    page's last sentence and the footer under it are not one text."""
    text = subprocess.run(
        ["pdftotext", str(out / "handbook.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"^\s*(page \d+ of \d+)\s*$", r"\n(footer: \1)\n", text, flags=re.M)


def html_text(markup: str) -> str:
    """A page's words without its tags, scripts and styles (for pages read outside a browser)."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "\n", markup))


def outputs_as_read(out: Path, pages: dict[str, str]) -> dict[str, str]:
    """Each reader-facing output → its text as its reader gets it."""
    records = json.loads((out / "resources.json").read_text(encoding="utf-8"))
    return {
        "resources.csv": spreadsheet_cells(out),
        "resources.json": "\n".join(json_strings(records)),
        "resources.csl.json (APA)": apa_references(out),
        "resources.ris": ris_fields(out),
        "resources.bib": bibtex_fields(out),
        "handbook.pdf": handbook_text(out),
        **{f"site/{name} (Chromium)": text for name, text in pages.items()},
    }


def page_texts(browser, site_dir: Path) -> dict[str, str]:
    texts = {}
    for name in PAGES:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
        )
        page = context.new_page()
        page.goto((site_dir / name).as_uri(), wait_until="load")
        texts[name] = page.inner_text("body")
        context.close()
    return texts


# ---------------------------------------------------------------- fixtures


CURATIONS = {  # where each build's search templates come from
    "real_out": config.CURATION,
    "hostile_out": FIXTURES / "site-hostile-curation.toml",
    "handbook_fixture_out": FIXTURES / "handbook-curation.toml",
}


@pytest.fixture(scope="module")
def real_out(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("proofread-real"))


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("proofread-hostile")
    guide, curation = FIXTURES / "site-hostile-guide.txt", FIXTURES / "site-hostile-curation.toml"
    return build_site(out, "--raw", guide, "--curation", curation)


@pytest.fixture(scope="module")
def handbook_fixture_out(tmp_path_factory) -> Path:
    """The handbook's small fixed guide, with link-check results: a broken and an unconfirmed link."""
    out = tmp_path_factory.mktemp("proofread-fixture")
    options = ["--raw", FIXTURES / "handbook-guide.txt", "--curation", FIXTURES / "handbook-curation.toml"]
    return build_site(out, *options, "--link-status", FIXTURES / "handbook-link-status.json")


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("which", ["real_out", "hostile_out", "handbook_fixture_out"])
def test_every_output_reads_clean(request, browser, which):
    out = request.getfixturevalue(which)
    records = json.loads((out / "resources.json").read_text(encoding="utf-8"))
    facts = facts_of(records, read_curation(CURATIONS[which]).dataset.searches)
    texts = outputs_as_read(out, page_texts(browser, out / "site"))
    problems = [problem for where, text in texts.items() for problem in proofread(text, where, facts)]
    assert problems == []
    for name in ("handbook.pdf", "site/index.html (Chromium)"):  # the counting sentences are really there
        claims = [pattern.pattern for pattern, _ in COUNT_CLAIMS if pattern.search(" ".join(texts[name].split()))]
        assert len(claims) >= 3, (name, claims)
    assert "Untitled" not in "\n".join(texts.values())


def test_the_three_editions_show_the_same_heading_for_every_resource(real_out, browser):
    records = json.loads((real_out / "resources.json").read_text(encoding="utf-8"))
    index = page_texts(browser, real_out / "site")["index.html"]
    printed = " ".join(handbook_text(real_out).split())
    for record in records:
        heading = curly_quotes(record["title"])
        assert heading in index, record["id"]
        assert heading in printed or " ".join(heading.split()) in printed, record["id"]


def test_the_link_reports_read_clean(tmp_path, real_out, run_cli):
    """`check-links` on resources of the real guide (a devised title among them), against 127.0.0.1."""
    records = json.loads((real_out / "resources.json").read_text(encoding="utf-8"))
    devised = next(record for record in records if not record["title_known"])
    chosen = [records[0], devised, records[1]]
    with LinksServer() as server:
        paths = ["/ok", "/missing", "/forbidden"]
        dataset = write_dataset(
            tmp_path / "resources.csv",
            [(r["id"], r["section"], r["title"], server.url(path)) for r, path in zip(chosen, paths, strict=True)],
        )
        out, state = tmp_path / "out", tmp_path / "state"
        state.mkdir()
        for _ in range(2):  # the second night confirms the broken link
            args = ["--dataset", dataset, "--out", out, "--history", state / "h.sqlite", "--status", state / "s.json"]
            run = run_cli("check-links", *args, *FAST, "--fail-on", "never")
            assert run.status == 0, run.err
    texts = {
        "link-report.md": html_text(
            MarkdownIt("commonmark").enable("table").render((out / "link-report.md").read_text())
        ),
        "link-report.json": "\n".join(json_strings(json.loads((out / "link-report.json").read_text(encoding="utf-8")))),
        "link-report.html": html_text((out / "link-report.html").read_text(encoding="utf-8")),
    }
    assert [where for where, text in texts.items() if devised["title"] not in text] == []
    assert [problem for where, text in texts.items() for problem in proofread(text, where)] == []


# ---------------------------------------------------------------- the proofreader fails when it should


FACTS = Facts(resources=45, sections=8, with_link=28, without_link=17, title_known=39, title_devised=6, with_search=17)


@pytest.mark.parametrize(
    "text",
    [
        "Vankka, Natalie; Ip, Vivian (<NA>). ASRA",
        "Carlile, Narath (nan)",
        "Published None",
        "Checked on NaT.",
        "A title undefined",
        "Darves, Bonnie (null).",
        "Hello {{ entry.title }}",
        "Darves, Bonnie (). NEJM CareerCenter",
        "The title [] is not known",
        "Association of American Medical Colleges. AAMC. AAMC",
        "45 resources in 9 sections",
        "44 resources for medical students",
        "29 of the 45 resources have a confirmed web address",
        "16 entries say No confirmed link",
        "28 of them with a link printed in full and as a QR code, and 15 with a labelled search printed",
        "16 resources without a printed link offer a search instead",
        "45 resources in 8 sections; 28 with a confirmed link and 16 with a search in place of a link.",
        "Search for the title instead or, for the 5 titles in square brackets, for words",
    ],
)
def test_the_proofreader_marks_what_a_reader_must_not_see(text):
    assert proofread(text, "sample", FACTS) != []


@pytest.mark.parametrize(
    "text",
    [
        "Vankka, Natalie; Ip, Vivian (2023). ASRA",
        "MedEdPORTAL (2014)",
        "Zerzan, Judy T.; Hess, Rachel (2009). Academic Medicine",
        "45 resources in 8 sections; 28 with a confirmed link.",
        "45 resources in 8 sections; 28 with a confirmed link and 17 with a search in place of a link.",
        "[Leadership webinar for women of color in academic medicine]",
        "## Still broken (0)\n\nNone.\n",
    ],
)
def test_the_proofreader_lets_edited_text_pass(text):
    assert proofread(text, "sample", FACTS) == []


def test_the_proofreader_catches_a_missing_year_printed_raw(monkeypatch, real_out):
    """Break the one rule that turns a missing year into None: the site's bylines then print pandas' missing
    value, as they once did ("(<NA>)"), and the proofreader must say so."""
    from pipeline.build import Paths, prepare

    prepared = prepare(Paths(processed=real_out.parent / "proofread-processed"))
    monkeypatch.setattr(presentation, "year_or_none", lambda value: value)  # pd.NA passes through
    args = (prepared.resources, prepared.curation.dataset, prepared.guide.title, build_date(prepared.curation), {})
    page = site.render_site(*args)["site/index.html"].decode("utf-8")
    problems = proofread(html_text(page), "site/index.html")
    assert pd.isna(prepared.resources["year"]).sum() >= 20
    assert problems and all("'<NA>'" in problem for problem in problems)
    assert len(problems) == pd.isna(prepared.resources["year"]).sum()
