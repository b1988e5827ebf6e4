"""The printed handbook: the real guide's PDF opened and read back, a golden HTML file, and the hostile-text case.

The real-guide PDFs are rendered once per module (Letter and A4), laid out afresh rather than taken
from the session's layout memo (tests/conftest.py), as is every PDF whose WeasyPrint log a test
reads; a second Letter build, compared byte for byte, takes its layout from the memo, which another
run of WeasyPrint made. The small fixed guide in tests/fixtures/handbook-* feeds the golden
file and the quicker cases.
Regenerate the golden file after a reviewed change with `UPDATE_GOLDEN=1 python -m pytest tests/test_handbook.py`.
"""

import contextlib
import dataclasses
import datetime as dt
import functools
import http.server
import io
import logging
import os
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from pipeline import config, handbook, presentation
from pipeline.build import Paths, build, build_date, prepare
from pipeline.cli import main
from pipeline.link_health import LinkHealth, read_link_health
from pipeline.linkcheck.status import LinkStatus
from pipeline.markup import URL_ONE_LINE, breakable
from pipeline.presentation import label_tag, label_type, link_note, long_date, make_byline, text_or_none
from pipeline.typography import curly_quotes

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden" / "handbook.html"
FIXTURE_GUIDE = FIXTURES / "handbook-guide.txt"
FIXTURE_CURATION = FIXTURES / "handbook-curation.toml"
FIXTURE_LINK_STATUS = FIXTURES / "handbook-link-status.json"
ZWSP = "\u200b"  # what WeasyPrint draws for <wbr>
POINTS_PER_MM = 72 / 25.4
BREAK_CHARACTERS = "/.-?&=_#%"  # a wrapped address's next line starts with one of these
PAGES_BEFORE = {"letter": 27, "a4": 26}  # before the paper-saving layout (issue 12)
STRAIGHT_QUOTES = re.compile(r"['\"]")


# ---------------------------------------------------------------- helpers


def heading(row) -> str:
    """A resource's heading in every edition: its title, or its devised title in square brackets, typographic."""
    return curly_quotes(row.title)


@contextmanager
def weasyprint_log():
    """Every record WeasyPrint logs at WARNING or above while the block runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("weasyprint")
    handler = Keep(level=logging.WARNING)
    # About the machine, not the document: without libharfbuzz-subset WeasyPrint subsets fonts with fontTools.
    handler.addFilter(lambda record: "instead of HarfBuzz-Subset" not in record.getMessage())
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def words(text: str) -> str:
    """Text with white space collapsed and the zero-width spaces of <wbr> removed."""
    return " ".join(text.replace(ZWSP, "").split())


def printed(text: str) -> str:
    """A title, name or description as the handbook prints it: typographic quotes, white space collapsed."""
    return words(curly_quotes(text))


def squashed(text: str) -> str:
    return "".join(text.replace(ZWSP, "").split())


def printed_links(resources: pd.DataFrame) -> dict[str, str]:
    """Resource id → the address the handbook prints for it (its URL, else its DOI's resolver address)."""
    links = {}
    for row in resources.itertuples():
        if isinstance(row.url, str):
            links[row.id] = row.url
        elif isinstance(row.doi, str):
            links[row.id] = f"https://doi.org/{row.doi}"
    return links


def printed_searches(real) -> dict[str, tuple[str, str]]:
    """Resource id → (label, address) of the search the handbook prints for it: where it prints no address,
    or beside a link marked broken (none of the real guide's, without link-check results)."""
    guide = presentation.present(real["resources"], searches=real["info"].searches)
    return {entry.id: (entry.search.label, entry.search.url) for entry in guide.entries if entry.search}


def every_printed_address(real) -> list[str]:
    return [*printed_links(real["resources"]).values(), *(url for _, url in printed_searches(real).values())]


@pytest.fixture(scope="module")
def real(tmp_path_factory, layout_memo):
    """The real guide built on Letter and on A4, each laid out afresh, with WeasyPrint's log of each; and
    built on Letter again, laid out by another run of WeasyPrint: the memo's, made earlier in this
    session by another test's build or, if none made it yet, now."""
    root = tmp_path_factory.mktemp("handbook")
    result = {}
    for name, paper, fresh in (("letter", "letter", True), ("a4", "a4", True), ("again", "letter", False)):
        paths = Paths(out=root / name, processed=root / f"{name}-processed")
        with weasyprint_log() as records, layout_memo.fresh() if fresh else contextlib.nullcontext():
            prepared = build(paths, paper=paper)
        result[name] = (paths.out / config.PDF_NAME).read_bytes()
        result[f"{name}-log"] = records
    result["resources"] = prepared.resources
    result["title"] = prepared.guide.title
    result["info"] = prepared.curation.dataset
    result["created"] = build_date(prepared.curation)
    for paper in ("letter", "a4"):
        result[f"{paper}-text"] = pdftotext(result[paper])
    reader = pypdf.PdfReader(io.BytesIO(result["letter"]))
    result["reader"] = reader
    result["pages"] = [page.extract_text() for page in reader.pages]
    return result


def pdftotext(pdf: bytes) -> list[str]:
    """The text of each page as poppler's `pdftotext` extracts it: what a reader gets by copying."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: `make setup` installs Debian's poppler-utils")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1]


def column_lines(pdf: bytes, first_page: int, after: str) -> list[str]:
    """The text lines of a two-column part, from its heading `after` on `first_page` to the end:
    left column, then right column, page by page, each line's words in reading order."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(first_page), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    result, heading = [], None
    for page in ET.fromstring(xhtml).iterfind(".//x:page", ns):
        # The page's margins (handbook.css) hold the running header and the footer, no part of the columns.
        middle, height = float(page.get("width")) / 2, float(page.get("height"))
        top, bottom = 22 * POINTS_PER_MM, height - 20 * POINTS_PER_MM
        rows: dict[tuple[int, float], list[tuple[float, str]]] = {}
        for word in page.iterfind(".//x:word", ns):
            x, y = float(word.get("xMin")), round(float(word.get("yMax")), 1)
            if top < y < bottom:
                rows.setdefault((int(x >= middle), y), []).append((x, word.text))
        lines = [(column, y, " ".join(w for _, w in sorted(ws))) for (column, y), ws in sorted(rows.items())]
        if heading is None:
            heading = next(y for column, y, text in lines if text == after)
            lines = [line for line in lines if line[1] > heading]
        result += [text for _, _, text in lines]
    return result


def copied_addresses(pages: list[str]) -> list[tuple[int, list[str]]]:
    """(page, lines) of each address as copied out of the text: a line starting with http(s)://,
    continued by each following line that starts with a break character."""
    found = []
    for number, page in enumerate(pages, 1):
        lines = page.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(("http://", "https://")):
                block = [line]
                for following in lines[i + 1 :]:
                    if not following or following[0] not in BREAK_CHARACTERS:
                        break
                    block.append(following)
                found.append((number, block))
    return found


def outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) of every bookmark, in order."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def start_pages(real) -> dict[str, int]:
    """Resource id → the page where its entry starts, found by reading the pages for its type label and title."""
    pages = [words(text) for text in real["pages"]]
    found = {}
    for row in real["resources"].itertuples():
        start = f"{label_type(row.type).upper()} {words(heading(row))}"
        hits = [number for number, text in enumerate(pages, 1) if start in text]
        assert len(hits) == 1, f"{row.id}: its heading is on pages {hits}"
        found[row.id] = hits[0]
    return found


LEADER_LINE = re.compile(r"^(?P<title>.*?)(?:\s*\.)*\s+(?P<page>\d+)$")  # index lines have no dots


def leader_entries(text: str, headings: set[str], running_title: str) -> list[tuple[str, int]]:
    """(title, page) of each 'title . . . . N' (contents) or 'title N' (index) line; titles may wrap.

    Headings, the running header (which holds the guide's title) and the footer are skipped.
    """
    entries, pending = [], []
    for line in text.splitlines():
        line = words(line)
        if not line or line in headings or running_title in line or re.fullmatch(r"page \d+ of \d+", line):
            continue
        match = LEADER_LINE.match(line)
        if match:
            title = re.sub(r"(?<=\w-) (?=\w)", "", " ".join([*pending, match["title"]]))  # a line broken after a hyphen
            entries.append((title.rstrip(". "), int(match["page"])))
            pending = []
        else:
            pending.append(line)
    return entries


# ---------------------------------------------------------------- the real guide's PDF


def test_weasyprint_logged_nothing(real):
    for name in ("letter", "a4"):
        assert [r.getMessage() for r in real[f"{name}-log"]] == []


def test_every_title_appears(real):
    text = words(" ".join(real["pages"]))
    missing = [row.title for row in real["resources"].itertuples() if words(heading(row)) not in text]
    assert missing == []


def test_cover_gives_title_institution_edition_and_date(real):
    cover = words(real["pages"][0])
    info = real["info"]
    assert words(real["title"]) in cover
    assert info.institution in cover
    assert f"Edition {info.version}" in cover
    assert long_date(real["created"]) in cover


def test_how_to_page_says_how_to_scan_group_and_correct(real):
    page = words(real["pages"][1])
    assert "How to use this guide" in page
    assert "QR code" in page
    assert all(section in page for section in real["resources"]["section"].unique())
    info = real["info"]
    contacts = [c for c in (info.contact_email, info.contact_url) if c] or [printed(info.corrections)]
    assert all(contact in page for contact in contacts)


def test_outline_holds_every_section_and_resource(real):
    marks = outline(real["reader"])
    top = [title for level, title, _ in marks if level == 1]
    sections = list(real["resources"]["section"].unique())
    assert top == ["How to use this guide", "Contents", *sections, "Topic index"]
    children = [title for level, title, _ in marks if level == 2]
    titles = [heading(row) for row in real["resources"].itertuples()]
    assert [words(child) for child in children] == [words(title) for title in titles]
    starts = start_pages(real)
    pages = {words(title): page for level, title, page in marks if level == 2}
    assert [pages[words(t)] for t in titles] == [starts[i] for i in real["resources"]["id"]]


def test_a_byline_ending_in_an_initial_gets_no_second_full_stop(real):
    anderson = next(words(text) for text in real["pages"] if "Anderson, Chase T. M." in words(text))
    assert "Anderson, Chase T. M. in-House" in anderson
    assert not any(re.search(r"\w\.\. ", text) for text in real["pages"])


def test_every_page_but_the_cover_says_page_n_of_m(real):
    total = len(real["pages"])
    assert "page 1 of" not in real["pages"][0]
    for number, text in enumerate(real["pages"][1:], 2):
        assert f"page {number} of {total}" in text


def test_running_header_names_the_section(real):
    """The header's left part is the section the page begins in, its right part the guide's title."""
    starts = start_pages(real)
    first_on_page, last_before = {}, {}
    for row in real["resources"].itertuples():
        first_on_page.setdefault(starts[row.id], row)
        for page in range(starts[row.id] + 1, len(real["pages"]) + 1):
            last_before[page] = row  # the entry a page may begin with, continued from an earlier page
    for page, row in first_on_page.items():
        lines = [words(line) for line in real["pages"][page - 1].splitlines()]
        # a page that begins in the middle of a long entry names that entry's section
        sections = {row.section, last_before[page].section if page in last_before else row.section}
        assert any(f"{section} {words(real['title'])}" in lines for section in sections), (page, row.id)


def part_from(pages: list[str], heading: str) -> tuple[int, list[str]]:
    """(1-based page, texts) of the part a heading starts: its page's text after the heading, then each later page."""
    for number, text in enumerate(pages, 1):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if words(line) == heading:
                return number, ["\n".join(lines[i + 1 :]), *pages[number:]]
    raise AssertionError(f"no heading {heading!r}")


def test_contents_page_numbers_are_where_sections_start(real):
    resources, starts = real["resources"], start_pages(real)
    _, (contents, *_) = part_from(real["pages"], "Contents")
    entries = leader_entries(contents, set(), words(real["title"]))
    expected = [(section, starts[group["id"].iloc[0]]) for section, group in resources.groupby("section", sort=False)]
    index_start, _ = part_from(real["pages"], "Topic index")
    assert entries == [*expected, ("Topic index", index_start)]
    for section, page in expected:
        assert section in real["pages"][page - 1]


def test_index_page_numbers_are_where_resources_start(real):
    resources, starts = real["resources"], start_pages(real)
    first, _ = part_from(real["pages"], "Topic index")
    index = column_lines(real["letter"], first, "Topic index")
    labels = {label_tag(tag) for tags in resources["tags"] for tag in tags}
    headings = {"Topic index", *labels}
    entries = leader_entries("\n".join(index), headings, words(real["title"]))
    expected = [(words(heading(row)), starts[row.id]) for row in resources.itertuples() for _ in row.tags]
    assert sorted(entries) == sorted(expected)


def test_every_address_is_printed_in_full_and_is_a_link(real):
    links = printed_links(real["resources"])
    assert links, "the real guide has curated addresses"
    text = squashed(" ".join(real["pages"]))
    uris = {
        annotation.get_object()["/A"]["/URI"]
        for page in real["reader"].pages
        for annotation in page.get("/Annots", [])
        if "/URI" in annotation.get_object().get("/A", {})
    }
    assert [url for url in links.values() if squashed(url) not in text] == []
    assert set(links.values()) <= uris
    dois = {f"https://doi.org/{doi}" for doi in real["resources"]["doi"].dropna()}
    assert dois <= uris


def test_no_resource_in_print_ends_with_nothing_to_do(real):
    """Issue 22's promise: each of the 45 resources has its confirmed link or a labelled search, its address
    printed in full (a link the reader can click) under words that say it is a search."""
    links, searches = printed_links(real["resources"]), printed_searches(real)
    assert len(real["resources"]) == 45
    assert [id for id in real["resources"]["id"] if id not in links and id not in searches] == []
    text, flat = squashed(" ".join(real["pages"])), words(" ".join(real["letter-text"]))
    uris = {
        annotation.get_object()["/A"]["/URI"]
        for page in real["reader"].pages
        for annotation in page.get("/Annots", [])
        if "/URI" in annotation.get_object().get("/A", {})
    }
    for id, (label, url) in searches.items():
        assert squashed(url) in text and url in uris, id
        assert f"No confirmed link. {label}" in flat, id  # the label, above its address, says what it is
        assert label.startswith(("Search the library catalogue: ", "Search for the article: ", "Search the "))
    # a search is never printed as a resource's own address: no search address is a curated link
    assert not {url for _, url in searches.values()} & set(links.values())


def test_resources_without_an_address_say_so(real):
    resources = real["resources"]
    unlinked = resources["url"].isna() & resources["doi"].isna()
    text = words(" ".join(real["pages"]))
    assert text.count("No confirmed link") == int(unlinked.sum()) + 1  # +1: the how-to page explains it


@functools.cache
def decoded_qr_codes(pdf: bytes) -> list[tuple[int, str]]:
    """(1-based page, text) of every QR code a reader scans on the printed pages (rendered at 200 dpi)."""
    found = []
    for number, page in enumerate(pdfium.PdfDocument(pdf), 1):
        image = page.render(scale=200 / 72).to_pil().convert("L")
        found += [(number, code.text) for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found


def test_qr_codes_decode_to_their_addresses(real):
    decoded = [text for _, text in decoded_qr_codes(real["letter"])]
    assert sorted(decoded) == sorted(every_printed_address(real))


def test_qr_codes_are_at_least_2cm(real):
    html = handbook.render_html(real["resources"], real["info"], real["title"], real["created"])
    sizes = [float(size) for size in re.findall(r'class="qr" style="width: ([\d.]+)mm', html)]
    assert sizes and min(sizes) >= 20 + 8 * handbook.QR_MIN_MODULE_MM


def test_fonts_are_embedded(real):
    fonts = {}
    for page in real["reader"].pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts[str(descriptor["/FontName"])] = {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
    assert fonts and all(fonts.values()), fonts
    assert any("DejaVu" in name for name in fonts)


def test_tagged_pdf_ua_with_language_and_metadata(real):
    reader = real["reader"]
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid" in xmp
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    meta, info = reader.metadata, real["info"]
    assert meta.title == real["title"]
    assert meta.author == info.institution
    assert meta.subject == info.description
    assert "mentoring" in meta["/Keywords"]
    stamp = real["created"].strftime("%Y%m%d%H%M%S")
    assert meta["/CreationDate"].startswith(f"D:{stamp}") and meta["/ModDate"].startswith(f"D:{stamp}")


def test_two_builds_give_identical_bytes(real):
    assert real["letter"] == real["again"]


@pytest.mark.parametrize(("paper", "width_mm", "height_mm"), [("letter", 215.9, 279.4), ("a4", 210.0, 297.0)])
def test_letter_and_a4(real, paper, width_mm, height_mm):
    reader = pypdf.PdfReader(io.BytesIO(real[paper]))
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(width_mm * POINTS_PER_MM, abs=0.5)
        assert float(box.height) == pytest.approx(height_mm * POINTS_PER_MM, abs=0.5)


PAPERS = pytest.mark.parametrize("paper", ["letter", "a4"])


@PAPERS
def test_every_address_copied_out_of_the_pdf_is_exact(real, paper):
    """Lines of a wrapped address joined as a reader would (the break is not part of it) give the address."""
    copied = {"".join(lines) for _, lines in copied_addresses(real[f"{paper}-text"])}
    expected = set(every_printed_address(real))
    assert len(expected) >= 45
    assert sorted(expected - copied) == []


@PAPERS
def test_an_address_breaks_only_before_a_break_character(real, paper):
    """No line of a wrapped address ends with a break character it carries over to the next line."""
    expected = set(printed_links(real["resources"]).values())
    wrapped = [lines for _, lines in copied_addresses(real[f"{paper}-text"]) if "".join(lines) in expected]
    assert [lines for lines in wrapped if any(line[-1] in BREAK_CHARACTERS for line in lines[:-1])] == []
    assert any(len(lines) > 1 for lines in wrapped), "some addresses are long enough to wrap"


@PAPERS
def test_each_qr_code_is_on_the_page_of_its_address(real, paper):
    pages = [squashed(text) for text in real[f"{paper}-text"]]
    decoded = decoded_qr_codes(real[paper])
    assert len(decoded) == len(every_printed_address(real))
    assert [(page, text) for page, text in decoded if squashed(text) not in pages[page - 1]] == []


@PAPERS
def test_names_and_venues_never_break_inside(real, paper):
    lines = [words(line) for page in real[f"{paper}-text"] for line in page.splitlines()]
    text = "\n".join(lines)
    resources = real["resources"]
    names = {curly_quotes(name) for creators in resources["creators"] for name in creators}
    bylines = [make_byline(list(row.creators), None, text_or_none(row.publisher)) for row in resources.itertuples()]
    venues = {byline.venue for byline in bylines if byline and byline.venue}
    assert "van der Velden, Gisela J." in names
    assert sorted(name for name in names | venues if words(name) not in text) == []


def byline_text(row) -> str:
    """A resource's byline as printed: 'creators (year). venue', or 'venue (year)' without creators; a venue
    that is one of the creators is left out."""
    names = "; ".join(curly_quotes(name) for name in row.creators)
    year = "" if pd.isna(row.year) else f"({int(row.year)})"
    venue = row.publisher if isinstance(row.publisher, str) else None
    if venue and any(venue.split(" (")[0].casefold() == name.casefold() for name in row.creators):
        venue = None
    if not names:
        return words(" ".join(filter(None, [curly_quotes(venue) if venue else None, year])))
    byline = " ".join(filter(None, [names, year]))
    if venue:
        byline = f"{byline}{'' if byline.endswith('.') else '.'} {curly_quotes(venue)}"
    return words(byline)


@PAPERS
def test_a_byline_fills_its_lines(real, paper):
    """A wrapped byline breaks where its line is full, not after its first name (as a venue too long for the
    rest of the line once made WeasyPrint do)."""
    lines = [words(line) for page in real[f"{paper}-text"] for line in page.splitlines()]
    short = []
    for row in real["resources"].itertuples():
        expected = byline_text(row)
        if not expected:
            continue
        start = next(i for i, line in enumerate(lines) if line and expected.startswith(line))
        taken = [lines[start]]
        while " ".join(taken) != expected:
            assert start + len(taken) < len(lines) and expected.startswith(" ".join(taken)), (row.id, taken, expected)
            taken.append(lines[start + len(taken)])
        # A line ends early only before a long unbreakable name or venue; 40 characters is under half a line.
        short += [(row.id, line) for line in taken[:-1] if len(line) < 40]
    assert short == []


@PAPERS
def test_no_heading_ends_on_a_lonely_word(real, paper):
    """A title's last two words are on one line, in its heading and in the index."""
    lines = {words(line) for page in real[f"{paper}-text"] for line in page.splitlines()}
    lonely = []
    for row in real["resources"].itertuples():
        title = words(heading(row)).split()
        if len(title) > 1 and title[-1] in lines:
            lonely.append(" ".join(title))
    assert lonely == []


@PAPERS
def test_no_word_alone_on_a_line_of_running_text(real, paper):
    """Only headings, labels, page numbers and addresses may stand alone on a line: never one word of a sentence,
    a byline or a description ("Where" once stood alone in the how-to text)."""
    resources, info = real["resources"], real["info"]
    headings = {*resources["section"], *(label_tag(tag) for tags in resources["tags"] for tag in tags)}
    headings |= {words(heading(row)) for row in resources.itertuples()}
    headings |= {"Contents", "Corrections", "Edition", "Date", info.version}

    def may_stand_alone(line: str) -> bool:
        is_address = "://" in line or line[0] in BREAK_CHARACTERS
        return line in headings or line.isdigit() or line.isupper() or is_address

    lines = [words(line) for page in real[f"{paper}-text"] for line in page.splitlines()]
    assert [line for line in lines if len(line.split()) == 1 and not may_stand_alone(line)] == []


@PAPERS
def test_no_straight_quotes_outside_addresses(real, paper):
    """Titles, descriptions and the handbook's own text use typographic quotes; addresses and DOIs keep theirs."""
    text = "\n".join(real[f"{paper}-text"])
    for _, lines in copied_addresses(real[f"{paper}-text"]):
        for line in lines:
            text = text.replace(line, "")
    for doi in real["resources"]["doi"].dropna():
        text = text.replace(doi, "")
    assert [line for line in text.splitlines() if STRAIGHT_QUOTES.search(line)] == []
    assert "’" in text


@PAPERS
def test_each_section_heading_is_on_the_page_of_its_first_resource(real, paper):
    pages = real[f"{paper}-text"]
    apart = []
    for section, group in real["resources"].groupby("section", sort=False):
        row = next(group.itertuples())
        first = squashed(f"{label_type(row.type).upper()} {heading(row)}")
        resource_page = next(n for n, text in enumerate(pages, 1) if first in squashed(text))
        # The heading's line is the section's first; later pages name it again in their running header.
        heading_page = next(n for n, text in enumerate(pages, 1) if section in text.splitlines())
        if heading_page != resource_page:
            apart.append((section, heading_page, resource_page))
    assert apart == []


@PAPERS
def test_at_least_15_percent_fewer_pages(real, paper):
    pages = len(pypdf.PdfReader(io.BytesIO(real[paper])).pages)
    assert pages <= int(PAGES_BEFORE[paper] * 0.85)


@PAPERS
def test_an_entry_breaks_only_after_its_heading_byline_and_first_lines(real, paper):
    """A long entry may continue on the next page, never leaving its heading (with its byline and first three
    lines of text) alone at the foot of a page."""
    pages = [words(text) for text in real[f"{paper}-text"]]
    for row in real["resources"].itertuples():
        start = f"{label_type(row.type).upper()} {words(heading(row))}"
        [page] = [number for number, text in enumerate(pages) if start in text]
        opening = " ".join(curly_quotes(row.description).split()[:8])
        assert opening in pages[page], (paper, row.id)  # its first lines are on the page of its heading


def test_no_letter_page_is_more_than_a_quarter_blank_except_before_a_section(real):
    """Pages 3, 8, 10 and 11 were once a third blank, each before an entry that did not fit whole."""
    from benchmarks.bench_pages import QUARTER, blank_fractions, section_starts

    pdf = real["letter"]
    fractions = blank_fractions(pdf)
    starts = section_starts(pdf, list(dict.fromkeys(real["resources"]["section"])))
    excused = {1, 2, len(fractions)} | {number - 1 for number in starts}
    assert starts
    assert [(n, round(f, 2)) for n, f in enumerate(fractions, 1) if f > QUARTER and n not in excused] == []


# ---------------------------------------------------------------- the small fixed guide


@pytest.fixture(scope="module")
def fixture_guide(tmp_path_factory):
    history = tmp_path_factory.mktemp("releases")  # its own: the fixture's version means nothing in data/releases
    paths = Paths(
        raw=FIXTURE_GUIDE, curation=FIXTURE_CURATION, processed=tmp_path_factory.mktemp("p"), releases=history
    )
    prepared = prepare(paths)
    return prepared.resources, prepared.curation.dataset, prepared.guide.title, build_date(prepared.curation)


@pytest.fixture(scope="module")
def fixture_pdf(fixture_guide, layout_memo):
    """The small fixed guide's PDF (Letter, with its link-check results) and its text as pdftotext gives it."""
    status = read_link_health(FIXTURE_LINK_STATUS)
    with weasyprint_log() as records, layout_memo.fresh():
        pdf = handbook.render_handbook(*fixture_guide, paper="letter", link_status=status)
    assert [r.getMessage() for r in records] == []
    return pdf, pdftotext(pdf)


def test_cover_and_how_to_page_give_the_contact_and_the_online_guide(fixture_guide, fixture_pdf):
    info = fixture_guide[1]
    _, pages = fixture_pdf
    cover, how_to = squashed(pages[0]), squashed(pages[1])
    for contact in (info.contact_email, info.contact_url, info.homepage):
        assert contact in cover and contact in how_to
    assert "openanissue" not in cover + how_to
    front = pypdf.PdfReader(io.BytesIO(fixture_pdf[0])).pages[:2]
    uris = {a.get_object().get("/A", {}).get("/URI") for page in front for a in page.get("/Annots", [])}
    assert {f"mailto:{info.contact_email}", info.contact_url, info.homepage} <= uris


def test_without_a_contact_the_corrections_text_is_printed(fixture_guide):
    resources, info, title, created = fixture_guide
    bare = dataclasses.replace(info, homepage=None, contact_email=None, contact_url=None)
    html = handbook.render_html(resources, bare, title, created)
    assert (
        html.count("the guide’s keepers at&nbsp;guide@example.org") == 2
    )  # cover and how-to page, last words kept together
    assert "mailto:" not in html and "Online guide" not in html


def test_a_resource_without_a_known_title_is_headed_by_its_devised_title(fixture_guide, layout_memo):
    resources, info, title, created = fixture_guide
    devised = resources.copy()
    row = devised.index[devised["id"] == "student-guidebook"][0]
    description = devised.loc[row, "description"]
    devised.loc[row, "title"] = "[Guidebook for students by students]"
    devised["title_known"] = devised["id"] != "student-guidebook"
    with weasyprint_log() as records, layout_memo.fresh():
        html = handbook.render_html(devised, info, title, created)
        pdf = handbook.render_pdf(html)
    assert [r.getMessage() for r in records] == []
    assert '<h3 class="resource-title devised">[Guidebook for students by&nbsp;students]</h3>' in html
    text = words(" ".join(pdftotext(pdf)))
    assert "CAMPUS RESOURCE [Guidebook for students by students] Larner Students" in text
    assert "Untitled" not in text
    assert text.count(words(description)) == 1
    bookmarks = [words(mark) for _, mark, _ in outline(pypdf.PdfReader(io.BytesIO(pdf)))]
    assert "[Guidebook for students by students]" in bookmarks
    assert "Making the Most of Mentors: A Guide for Mentees" in text  # a known title is printed as it is


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Physician Mentorship: Why It's Important", "Physician Mentorship: Why It’s Important"),
        ('"Value my culture, value me": a case', "“Value my culture, value me”: a case"),
        ("the 'hidden curriculum' of medicine", "the ‘hidden curriculum’ of medicine"),
        ("students' and mentees' roles ('90s)", "students’ and mentees’ roles (’90s)"),
        ('("quoted")', "(“quoted”)"),
        ("see https://x.example/it's?a='b'", "see https://x.example/it's?a='b'"),
        ("doi 10.1000/a'b\"c or www.example.org/it's", "doi 10.1000/a'b\"c or www.example.org/it's"),
        ("O'Brien said \"it's fine\"", "O’Brien said “it’s fine”"),
        ("no quotes at all", "no quotes at all"),
    ],
)
def test_curly_quotes(text, expected):
    assert curly_quotes(text) == expected
    assert curly_quotes(expected) == expected


def test_html_matches_the_reviewed_golden_file(fixture_guide):
    status = read_link_health(FIXTURE_LINK_STATUS)
    html = handbook.render_html(*fixture_guide, paper="letter", link_status=status)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8"), "review the change, then regenerate with UPDATE_GOLDEN=1"


def test_html_is_the_same_for_the_same_inputs(fixture_guide):
    assert handbook.render_html(*fixture_guide) == handbook.render_html(*fixture_guide)


def test_a4_sets_the_page_size(fixture_guide):
    assert "@page { size: A4; }" in handbook.render_html(*fixture_guide, paper="a4")
    assert "@page { size: letter; }" in handbook.render_html(*fixture_guide)
    with pytest.raises(handbook.HandbookError, match="unknown paper size 'legal'"):
        handbook.render_html(*fixture_guide, paper="legal")


def test_omitting_broken_links_leaves_the_address_out(fixture_guide):
    status = read_link_health(FIXTURE_LINK_STATUS)
    broken = "https://podcasts.example.org/night-shift?season=2&amp;episode=1"
    marked = handbook.render_html(*fixture_guide, link_status=status)
    omitted = handbook.render_html(*fixture_guide, link_status=status, omit_broken=True)
    assert f'href="{broken}"' in marked
    assert "<strong>Broken link:</strong> reported broken since 20 February 2026" in marked
    assert broken not in omitted and "Link left out: reported broken since 20 February 2026" in omitted
    assert "Link checked" not in omitted and omitted.count("2 March 2026") == 1  # the date once, in the front matter
    assert "The links were last checked on 2 March 2026." in omitted
    assert "Link not confirmed: the site did not answer in time." in omitted


def health(status, checked_at="2026-03-02T03:00:00Z", failing_runs=0, confirmed=False, since=None):
    return LinkHealth("https://x.example/", LinkStatus(status), checked_at, failing_runs, confirmed, since)


@pytest.mark.parametrize(
    ("result", "omit", "expected"),
    [
        (None, False, None),
        (health("ok"), False, None),  # a working link: the front matter says once when links were checked
        (health("redirected"), True, None),
        (
            health("broken", failing_runs=2, confirmed=True, since="2026-02-20T03:00:00Z"),
            False,
            ("broken", "Broken link: reported broken since 20 February 2026."),
        ),
        (health("invalid", failing_runs=3, confirmed=True), True, ("omitted", "Link left out: reported broken.")),
        # one failing night is not confirmed: the link prints as usual, marked neither broken nor left out
        (
            health("broken", failing_runs=1, since="2026-03-02T03:00:00Z"),
            True,
            ("unconfirmed", "Link not confirmed: the last check could not open it."),
        ),
        (health("blocked"), True, ("unconfirmed", "Link not confirmed: the site refused the checker.")),
        (
            health("server-error", failing_runs=1),
            False,
            ("unconfirmed", "Link not confirmed: the site reported a server error."),
        ),
        # confirmed under a higher --confirm-after earlier: still confirmed
        (health("timeout", failing_runs=1, confirmed=True), False, ("broken", "Broken link: reported broken.")),
    ],
)
def test_link_note(result, omit, expected):
    note = link_note(result, omit)
    assert (note.state, note.text) == expected if expected else note is None


@pytest.mark.parametrize(
    "url",
    [
        "https://resources.example.org/article/physician-mentorship-why-its-important?a=1&b=2#top",
        "https://doi.org/10.1097/ACM.0b013e3181b6e0d8",
        "http://x.org",
        "https://www.example.edu/larnermed/a//b/-c/.well-known/form.php?x=&y=1&z_a=2#part-one",
        "https://search.worldcat.org/search?q=Getting%20the%20Most%20out%20of%20Your%20Mentoring%20Relationships",
    ],
)
def test_printed_address_only_gains_break_points(url):
    """Unbreakable pieces, each after the first starting with a break character, <wbr> between them."""
    html = str(breakable(url))
    pieces = re.findall(r'<span class="nobr">(.*?)</span>', html)
    assert html == "<wbr>".join(f'<span class="nobr">{piece}</span>' for piece in pieces)
    assert "".join(pieces).replace("&amp;", "&") == url
    if len(url) > URL_ONE_LINE:
        assert len(pieces) > 1 and all(piece[0] in BREAK_CHARACTERS for piece in pieces[1:])
        assert all(piece[-1] not in BREAK_CHARACTERS for piece in pieces[:-1])  # never a break right after one
        assert "//" in pieces[0]  # never a break inside or right after the scheme's "//"
    else:
        assert len(pieces) == 1  # it fits on one line: no break points to lay out


def test_build_option_omit_broken_links(tmp_path, capsys):
    """`build --omit-broken-links` through the CLI, with link-check results in the processed folder."""
    processed = tmp_path / "processed"
    common = [
        "build",
        "-q",
        "--raw",
        FIXTURE_GUIDE,
        "--curation",
        FIXTURE_CURATION,
        "--processed",
        processed,
        "--link-status",
        FIXTURE_LINK_STATUS,
    ]
    assert main([str(a) for a in [*common, "--out", tmp_path / "marked"]]) == 0
    assert main([str(a) for a in [*common, "--out", tmp_path / "omitted", "--omit-broken-links"]]) == 0
    broken = "https://podcasts.example.org/night-shift?season=2&episode=1"
    for name, present in (("marked", True), ("omitted", False)):
        reader = pypdf.PdfReader(tmp_path / name / config.PDF_NAME)
        text = words(" ".join(page.extract_text() for page in reader.pages))
        uris = {a.get_object().get("/A", {}).get("/URI") for p in reader.pages for a in p.get("/Annots", [])}
        assert (broken in uris) is present
        assert ("Broken link: reported broken" in text) is present
        assert ("Link left out: reported broken" in text) is not present


# ---------------------------------------------------------------- safety: guide text is data


@pytest.fixture
def recording_server():
    """A server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def test_hostile_text_prints_as_literal_text_and_fetches_nothing(fixture_guide, recording_server, layout_memo):
    port, hits = recording_server
    resources, info, title, created = fixture_guide
    image = '<img src="file:///etc/passwd">'
    sheet = f'<link rel=stylesheet href="http://127.0.0.1:{port}/x.css">'
    hostile = resources.copy()
    hostile.loc[0, "description"] = f"Before {image} middle {sheet} after."
    hostile.loc[1, "title"] = f"Title {sheet}"
    hostile.loc[2, "url"] = 'https://x.example/"><script>alert(1)</script>'
    html = handbook.render_html(hostile, info, title, created)
    assert "<script" not in html and "<img" not in html and '<link rel=stylesheet href="http' not in html
    with weasyprint_log() as records, layout_memo.fresh():
        pdf = handbook.render_pdf(html)
    text = words(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    assert printed(f"Before {image} middle {sheet} after.") in text
    assert printed(f"Title {sheet}") in text
    assert hits == []
    assert [r.getMessage() for r in records] == []


@pytest.mark.parametrize(
    "markup",
    [
        '<link rel=stylesheet href="http://127.0.0.1:{port}/x.css"><p>x</p>',
        '<img src="file:///etc/passwd" alt="x">',
        '<img src="http://127.0.0.1:{port}/i.png" alt="x">',
        '<style>@import url("http://127.0.0.1:{port}/y.css");</style>',
    ],
)
def test_a_refused_fetch_stops_the_render(recording_server, markup):
    """Markup that reaches WeasyPrint cannot fetch: the refusal is an error, not a log line to miss."""
    port, hits = recording_server
    with pytest.raises(handbook.HandbookError, match="refuses"):
        handbook.render_pdf(f"<!DOCTYPE html><html lang=en><title>t</title>{markup.format(port=port)}")
    assert hits == []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ((config.TEMPLATES_DIR / "handbook.css").as_uri(), True),
        (config.TEMPLATES_DIR.as_uri() + "/../handbook.py", False),
        (config.TEMPLATES_DIR.as_uri() + "/missing.css", False),
        ("file:///etc/passwd", False),
        ("http://127.0.0.1:9/x.css", False),
        ("data:text/css,body{}", False),
        ("file://example.org" + str(config.TEMPLATES_DIR / "handbook.css"), False),
    ],
)
def test_fetcher_serves_only_template_files(url, allowed):
    if allowed:
        assert handbook.template_asset(url) == config.TEMPLATES_DIR / "handbook.css"
    else:
        with pytest.raises(ValueError, match="refused"):
            handbook.template_asset(url)


def test_long_date():
    assert long_date(dt.datetime(2026, 3, 4, tzinfo=dt.UTC)) == "4 March 2026"
    assert long_date("2026-02-20T03:00:00Z") == "20 February 2026"
    assert long_date("not a date") is None
    assert long_date(None) is None


def test_link_status_reader(tmp_path):
    assert read_link_health(tmp_path / "none.json") == {}
    health = read_link_health(FIXTURE_LINK_STATUS)
    broken = health["https://podcasts.example.org/night-shift?season=2&episode=1"]
    assert (broken.status, broken.failing_runs, broken.confirmed_broken, broken.state) == ("broken", 11, True, "broken")
    assert health["https://www.example.edu/together-we-learn"].state == "failing"
