"""The reader's guide (`pipeline.presentation`) → the static web edition: the guide page, the dataset's
landing page and their assets.

`render_site` is pure: the same resources, dataset facts, date, link-check results and output files
give the same bytes. Every page is self-contained: relative links only, styles and script in files
of the site, a Content-Security-Policy that allows nothing from another origin. The downloads the
landing page offers are copied into the site, so the folder can be published on its own.
"""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from markupsafe import Markup, escape
from pandera.typing import DataFrame

from pipeline import config, metadata
from pipeline.curation import DatasetInfo
from pipeline.link_health import LinkHealth, last_checked
from pipeline.markup import environment
from pipeline.presentation import counted, long_date, present
from schemas.resource import Resource

SITE_DIR = "site"
DOWNLOADS_DIR = metadata.DOWNLOADS_DIR
GUIDE_PAGE, LANDING_PAGE = "index.html", metadata.LANDING_PAGE
ASSETS = ("site.css", "site.js", "favicon.svg")
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)

# What each known download is; any other file of the build is listed by its name alone.
DOWNLOAD_LABELS = {
    config.CSV_NAME: "The resources as CSV (UTF-8; opens in Excel)",
    config.JSON_NAME: "The resources as JSON",
    config.CSL_NAME: "The resources as references for a reference manager: CSL-JSON (Zotero, Pandoc)",
    config.RIS_NAME: "The resources as references for a reference manager: RIS (EndNote, Zotero, Mendeley)",
    config.BIBTEX_NAME: "The resources as references for a reference manager: BibTeX (biblatex)",
    config.MARC_NAME: "The resources as MARC 21 records for a library catalogue (binary, UTF-8)",
    config.MARCXML_NAME: "The resources as MARC 21 records for a library catalogue (MARCXML)",
    config.PACKAGE_NAME: "Frictionless data package: the schema of every column, sizes and hashes",
    config.PDF_NAME: "The printed handbook (PDF, accessible PDF/UA)",
    config.JSONLD_NAME: "The dataset's description in schema.org JSON-LD",
    config.CHANGELOG_NAME: "What changed in each release (Markdown)",
    config.CHANGES_NAME: "What changed in each release, resource by resource (JSON)",
    config.QUALITY_NAME: "How complete the curated facts are (JSON)",
    config.LINK_HEALTH_CSV: "What the nightly link check last found at each address (CSV)",
    config.LINK_HEALTH_JSON: "What the nightly link check last found at each address (JSON)",
}
NIGHTLY = (config.LINK_HEALTH_CSV, config.LINK_HEALTH_JSON)  # listed apart: no part of the version
BUILD_REPORTS = (config.QUALITY_NAME,)  # listed apart too: it says where each entry sits in the capture
CITATION_FORMATS = {
    ".bib": "BibTeX (biblatex)",
    ".ris": "RIS (EndNote, Zotero, Mendeley)",
    ".csl.json": "CSL-JSON (Zotero, Pandoc)",
}
MEDIA_TYPES = {  # beyond the data files pipeline.metadata knows
    ".jsonld": "application/ld+json",
    ".pdf": "application/pdf",
    ".md": "text/markdown",
    ".cff": "application/x-yaml",
}


# ---------------------------------------------------------------- the landing page


@dataclass(frozen=True)
class Download:
    name: str
    href: str
    label: str
    size: str
    sha256: str
    media_type: str


def downloads(files: dict[str, bytes]) -> list[Download]:
    """Every top-level file of the build, known ones first in a fixed order, then the rest by name."""
    names = [name for name in files if "/" not in name]
    order = list(DOWNLOAD_LABELS)
    names.sort(key=lambda name: (order.index(name) if name in order else len(order), name))
    return [
        Download(
            name=name,
            href=f"{DOWNLOADS_DIR}/{name}",
            label=describe(name),
            size=human_size(len(files[name])),
            sha256=hashlib.sha256(files[name]).hexdigest(),
            media_type=media_type(name),
        )
        for name in names
    ]


def describe(name: str) -> str:
    if name in DOWNLOAD_LABELS:
        return DOWNLOAD_LABELS[name]
    citation = citation_format(name)
    return f"The resources as references for a reference manager: {citation}" if citation else name


def citation_format(name: str) -> str | None:
    lowered = name.lower()
    for suffix, label in CITATION_FORMATS.items():
        if lowered.endswith(suffix):
            return label
    return None


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(name).suffix.lower()) or metadata.media_type(name)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def citation_text(info: DatasetInfo, created: dt.datetime) -> str:
    address = metadata.landing_page(info) or info.homepage
    where = f" {address}" if address else ""
    return f"{info.institution} ({created.year}). {info.title} (version {info.version}) [Data set].{where}"


def changelog_html(text: str) -> Markup:
    """A Markdown changelog as simple, fully escaped HTML: headings, list items and paragraphs; the rest as text."""
    blocks: list[str] = []
    items: list[str] = []
    paragraph: list[str] = []
    lines = text.strip().splitlines()
    if lines and re.match(r"#\s+(changelog|change log|changes)\b", lines[0], re.I):
        lines = lines[1:]  # the page's own heading says so already
    levels = [len(m.group(1)) for line in lines if (m := re.match(r"(#{1,6})\s", line))]
    top = min(levels, default=1)

    def flush() -> None:
        if paragraph:
            blocks.append(f"<p>{escape(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for line in lines:
        heading = re.match(r"(#{1,6})\s+(.*)", line)
        item = re.match(r"\s*[-*+]\s+(.*)", line)
        if heading:
            flush()
            level = min(len(heading.group(1)) - top + 3, 6)  # the page's "Changelog" is an h2
            blocks.append(f"<h{level}>{escape(heading.group(2).strip())}</h{level}>")
        elif item:
            if paragraph:
                flush()
            items.append(item.group(1).strip())
        elif not line.strip():
            flush()
        elif items:
            items[-1] += " " + line.strip()
        else:
            paragraph.append(line.strip())
    flush()
    return Markup("\n".join(blocks))


def minimal_jsonld(info: DatasetInfo, created: dt.datetime, items: list[Download]) -> dict:
    """A schema.org Dataset from the dataset facts, when the build made no dataset.jsonld."""
    document = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": info.title,
        "description": info.description or info.title,
        "version": info.version,
        "dateModified": created.date().isoformat(),
        "license": metadata.licence(info)["path"],
        "creator": {"@type": "Organization", "name": info.institution},
        "keywords": list(info.keywords) or ["mentoring", "academic medicine"],
        "distribution": [
            {"@type": "DataDownload", "name": item.name, "contentUrl": item.href, "encodingFormat": item.media_type}
            for item in items
        ],
    }
    if info.homepage:
        document["url"] = info.homepage
    return document


def script_json(document) -> Markup:
    """JSON for a <script> data block: `<`, `>` and `&` as \\u escapes, so no text can close the block."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    for character in "<>&\u2028\u2029":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return Markup(text)


def jsonld_document(files: dict[str, bytes], info: DatasetInfo, created: dt.datetime, items: list[Download]):
    """The build's dataset.jsonld, its downloads addressed where the landing page offers them; else a minimal one."""
    data = files.get(config.JSONLD_NAME)
    if data is None:
        return minimal_jsonld(info, created, items)
    document = json.loads(data.decode("utf-8"))
    for download in document.get("distribution", []) if isinstance(document, dict) else []:
        if isinstance(download, dict) and download.get("contentUrl") in files:
            download["contentUrl"] = f"{DOWNLOADS_DIR}/{download['contentUrl']}"
    return document


def landing_context(
    files: dict[str, bytes],
    info: DatasetInfo,
    created: dt.datetime,
    link_health: Mapping[str, LinkHealth] | None = None,
) -> dict:
    every = downloads(files)
    items = [item for item in every if item.name not in NIGHTLY + BUILD_REPORTS]
    citations = [(item, citation_format(item.name)) for item in items if citation_format(item.name)]
    changelog = files.get(config.CHANGELOG_NAME)
    return {
        "downloads": items,
        "citations": citations,
        "citation": citation_text(info, created),
        "licence": metadata.licence(info),
        "changelog": changelog_html(changelog.decode("utf-8", errors="replace")) if changelog is not None else None,
        "jsonld": script_json(jsonld_document(files, info, created, items)),
        "nightly": [item for item in every if item.name in NIGHTLY],
        "reports": [item for item in every if item.name in BUILD_REPORTS],
        "links_checked_on": long_date(last_checked(link_health or {})),
    }


# ---------------------------------------------------------------- the site


def render_site(
    resources: DataFrame[Resource],
    info: DatasetInfo,
    guide_title: str,
    created: dt.datetime,
    files: dict[str, bytes],
    *,
    link_status: Mapping[str, LinkHealth] | None = None,
) -> dict[str, bytes]:
    """The web edition as `site/...` file names → bytes; `files`, the build's other outputs, become its downloads."""
    guide = present(resources, link_status, searches=info.searches)
    common = {
        "title": guide_title,
        "info": info,
        "guide": guide,
        "counts": guide.counts,
        "counted": counted,
        "edition_date": long_date(created),
        "stamp": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "csp": CONTENT_SECURITY_POLICY,
        "contact_url": info.contact_url if info.contact_url and re.match(r"https?://", info.contact_url) else None,
    }
    pages = {
        GUIDE_PAGE: ("site.html.j2", {}),
        LANDING_PAGE: ("site-dataset.html.j2", landing_context(files, info, created, link_status)),
    }
    site: dict[str, bytes] = {}
    for page, (template, context) in pages.items():
        canonical = metadata.site_address(info, "" if page == GUIDE_PAGE else page)  # None: links stay relative
        html = environment().get_template(template).render(page=page, canonical=canonical, **common, **context)
        site[f"{SITE_DIR}/{page}"] = html.encode("utf-8")
    for asset in ASSETS:
        site[f"{SITE_DIR}/{asset}"] = (config.TEMPLATES_DIR / asset).read_bytes()
    for name in files:
        if "/" not in name:
            site[f"{SITE_DIR}/{DOWNLOADS_DIR}/{name}"] = files[name]
    return site
