"""Stage 6: the reader's guide (`pipeline.presentation`) → the printed handbook (Jinja2 templates + WeasyPrint PDF).

`render_html` is pure: the same resources, dataset facts, date and link-check results give the same HTML.
`render_pdf` lays that HTML out with WeasyPrint, whose URL fetcher serves only the files of
`pipeline/templates/` and stops the build on any other fetch. Reading the link-check results is left to
the caller (`pipeline.link_health.read_link_health`).
"""

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
from markupsafe import Markup, escape
from pandera.typing import DataFrame

from pipeline import config
from pipeline.curation import DatasetInfo
from pipeline.errors import HandbookError
from pipeline.link_health import LinkHealth
from pipeline.markup import breakable, environment
from pipeline.presentation import Entry, Guide, counted, long_date, present
from schemas.resource import Resource

TEMPLATE = "handbook.html.j2"
STYLESHEET = "handbook.css"
PDF_VARIANT = "pdf/ua-1"
GENERATOR = "mentor-guide"

# QR codes: error correction M, the standard 4-module quiet zone; the symbol at least 20 mm across
# (quiet zone not counted) and its modules at least 0.5 mm, so phones read it from paper.
QR_ERROR = "M"
QR_BORDER = 4
QR_MIN_SYMBOL_MM = 20.0
QR_MIN_MODULE_MM = 0.5

# How tall an entry will be, estimated from its text (handbook.css: 10 pt text on 14 pt lines, 8.5-9 pt
# notes): an entry taller than a quarter of the page's text area may break across pages (after its heading,
# byline and first lines), so that no page is left more than a quarter blank before an entry that did not fit.
TEXT_AREA_MM = {"letter": (176.0, 237.4), "a4": (170.0, 255.0)}  # width, height inside the page margins
CHAR_MM = 1.85  # the mean width of a character of the 10 pt serif text
LINE_MM = 4.94
QR_GUTTER_MM = 6.0


@dataclass(frozen=True)
class PrintedLink:
    """An address as printed: in full with clean break points, and as a QR code of its size on paper."""

    url: str
    printed: Markup
    qr: Markup
    qr_mm: float


def render_handbook(
    resources: DataFrame[Resource], info: DatasetInfo, guide_title: str, created: dt.datetime, **options
) -> bytes:
    """The handbook PDF: `render_html` (which takes the same options), then `render_pdf`."""
    return render_pdf(render_html(resources, info, guide_title, created, **options))


def render_html(
    resources: DataFrame[Resource],
    info: DatasetInfo,
    guide_title: str,
    created: dt.datetime,
    *,
    paper: str = config.PAPER,
    link_status: Mapping[str, LinkHealth] | None = None,
    omit_broken: bool = False,
) -> str:
    """The handbook as HTML: cover, how-to page, contents, sections of entries, topic index.

    `link_status` is the link check's health of each URL (`read_link_health`)."""
    if paper not in config.PAPER_SIZES:
        raise HandbookError(f"unknown paper size {paper!r}", hint=f"use one of: {', '.join(config.PAPER_SIZES)}")
    guide = present(resources, link_status, omit_broken=omit_broken, searches=info.searches)
    return render_guide(guide, info, guide_title, created, paper)


def render_guide(guide: Guide, info: DatasetInfo, guide_title: str, created: dt.datetime, paper: str) -> str:
    """The handbook's HTML from the reader's guide."""
    stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    links = {entry.id: printed_link(entry.link.url) for entry in guide.entries if entry.link}
    searches = {entry.id: printed_link(entry.search.url) for entry in guide.entries if entry.search}
    quarter = TEXT_AREA_MM[paper][1] / 4
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            title=guide_title,
            info=info,
            guide=guide,
            counts=guide.counts,
            counted=counted,
            links=links,
            searches=searches,
            long_entries={
                entry.id
                for entry in guide.entries
                if estimated_height(entry, links.get(entry.id), paper, searches.get(entry.id)) > quarter
            },
            edition_date=long_date(created),
            stamp=stamp,
            page_size=config.PAPER_SIZES[paper],
            stylesheet=STYLESHEET,
            generator=GENERATOR,
            keywords=[
                "mentoring",
                "academic medicine",
                *(topic.label for topic in sorted(guide.topics, key=lambda t: t.value)),
            ],
        )
    )


def estimated_height(entry: Entry, link: PrintedLink | None, paper: str, search: PrintedLink | None = None) -> float:
    """An entry's height on paper in mm, estimated from the length of its text (no layout is run)."""
    width = TEXT_AREA_MM[paper][0]

    def lines(text: str, text_width: float, char_mm: float = CHAR_MM) -> int:
        return max(1, math.ceil(len(text) * char_mm / text_width))

    code = link or search  # a search offered instead of a link takes the link's place
    beside_qr = width - (code.qr_mm + QR_GUTTER_MM if code else 0)
    height = 4.0 + lines(entry.title, width, 2.4) * 5.5  # kind and heading
    height += lines(entry.byline.text, width, 1.7) * 4.7 if entry.byline else 0
    height += sum(lines(paragraph, beside_qr) * LINE_MM + 2.2 for paragraph in entry.paragraphs)
    if search and entry.search and not link:  # its label and address run on beside its QR code
        height += (lines(entry.search.label or "", beside_qr, 1.7) + len(search.url) * 1.8 // beside_qr + 1) * 4.2
    height = max(height, 15.0 + (code.qr_mm if code else 0))
    notes = [*(n for n in (entry.note.text if entry.note else None, entry.reader_note) if n)]
    if link:
        height += (len(link.url) * 1.8 // width + 1) * 4.2
    elif not search:
        height += 4.2  # "No confirmed link"
    height += 4.2 if entry.doi else 0
    if search and entry.search and link:  # beside a link marked broken: its QR code beside its label and address
        label_lines = lines(entry.search.label or "", width - search.qr_mm - QR_GUTTER_MM, 1.7)
        height += max(search.qr_mm, (len(search.url) * 1.8 // width + 1 + label_lines) * 4.2) + 1.0
    return height + sum(lines(note, width, 1.7) * 4.2 for note in notes) + 8.5  # rule and space below


def printed_link(url: str) -> PrintedLink:
    modules = qr_modules(url)
    count = len(modules)
    size = (count + 2 * QR_BORDER) * max(QR_MIN_MODULE_MM, QR_MIN_SYMBOL_MM / count)
    return PrintedLink(url=url, printed=breakable(url), qr=qr_svg(modules, f"QR code for {url}"), qr_mm=round(size, 1))


def qr_modules(url: str) -> list[list[bool]]:
    """The QR symbol of `url` (error correction M), row by row, True for a dark module; no quiet zone.

    zxing-cpp's encoder is compiled: a pure-Python encoder spends a tenth of a second per 30 codes
    choosing the mask, which was most of our share of the handbook's time.
    """
    import zxingcpp  # imported here: only the handbook needs it

    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR)
    return (np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) == 0).tolist()


def qr_svg(modules: list[list[bool]], title: str) -> Markup:
    """Inline vector SVG: one stroked path, a horizontal run of dark modules per segment, with a quiet zone."""
    side = len(modules) + 2 * QR_BORDER
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QR_BORDER} {y + QR_BORDER}.5h{x - start}")
            x += 1
    return Markup(
        f'<svg viewBox="0 0 {side} {side}" class="qr-code"><title>{escape(title)}</title>'
        f'<path class="qr-line" stroke="#000" d="{"".join(runs)}"/></svg>'
    )


# ---------------------------------------------------------------- WeasyPrint


def render_pdf(html: str) -> bytes:
    """Lay out and draw the handbook's HTML as a tagged PDF (PDF/UA-1), fetching only template assets."""
    import weasyprint  # imported here: loading WeasyPrint costs time that commands without a PDF need not pay
    from weasyprint.urls import FatalURLFetchingError

    fetcher = template_fetcher_class()()
    try:
        document = weasyprint.HTML(string=html, base_url=templates_base_url(), url_fetcher=fetcher).render()
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        cause = error.__cause__ or error
        raise HandbookError(
            f"the handbook asked to fetch a resource the renderer refuses: {cause}",
            path=config.TEMPLATES_DIR / TEMPLATE,
            hint="the handbook may load only files of pipeline/templates/; guide text must never become markup",
        ) from None


def templates_base_url() -> str:
    return config.TEMPLATES_DIR.as_uri() + "/"


@functools.cache
def template_fetcher_class():
    """A WeasyPrint URL fetcher class that serves files inside the templates folder and refuses all else.

    A refusal is fatal (it stops the render and surfaces as HandbookError) rather than a log line
    WeasyPrint would print and carry on from.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplateAssetFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            path = template_asset(url)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type(path)})

    return TemplateAssetFetcher


def template_asset(url: str, root: Path | None = None) -> Path:
    """The file a URL names, if it is a file inside the templates folder; else ValueError."""
    root = (root or config.TEMPLATES_DIR).resolve()
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"refused to fetch {url!r}: only the handbook's own template files may be loaded")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"refused to fetch {url!r}: not a file of {root}")
    return path


def media_type(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )
