"""Measure the printed handbook's pages: how many, and how much of each page is left blank.

Run: python benchmarks/bench_pages.py   (writes its section of benchmarks/RESULTS.md)

The real guide's handbook is built on Letter and A4 paper; each page is drawn (pypdfium2, 50 dpi) and
the blank space is measured inside the page's text area (the margins set by handbook.css): the white
band between the last inked row and the bottom of that area. A page before a new section may end early
(a section heading starts at the top of a page when it does not fit); any other page more than a
quarter blank is a fault of the layout. Target (issue 19): on Letter, no page more than a quarter blank
except before a new section, and the cover, how-to and last pages.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine_line, write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DPI = 50
MARGIN_TOP_MM, MARGIN_BOTTOM_MM = 22, 20  # handbook.css @page margins
QUARTER = 0.25
# Before entries could break across pages (issue 19), measured by this script: pages, and pages more than a
# quarter blank other than before a new section.
BEFORE = {"letter": (22, 5), "a4": (20, 2)}


def blank_fractions(pdf: bytes) -> list[float]:
    """For each page, the share of its text area's height left white below the last inked row."""
    fractions = []
    document = pdfium.PdfDocument(pdf)
    for page in document:
        image = np.asarray(page.render(scale=DPI / 72).to_pil().convert("L"))
        height = image.shape[0]
        top = round(MARGIN_TOP_MM / 25.4 * DPI)
        bottom = height - round(MARGIN_BOTTOM_MM / 25.4 * DPI)
        inked = np.nonzero((image[top:bottom] < 200).any(axis=1))[0]
        last = inked[-1] + 1 if len(inked) else 0
        fractions.append(1 - last / (bottom - top))
    return fractions


def section_starts(pdf: bytes, sections: list[str]) -> set[int]:
    """1-based pages whose text area begins with a section heading (or the topic index): the page's first
    line of text (the running header is not text of the page's content) is a heading the bookmarks list."""
    names = {*sections, "Topic index"}
    document = pdfium.PdfDocument(pdf)
    marked = {item.get_dest().get_index() for item in document.get_toc() if item.get_title() in names}
    starts = set()
    for index in marked:
        lines = [line.strip() for line in document[index].get_textpage().get_text_range().splitlines()]
        if next((line for line in lines if line), None) in names:
            starts.add(index + 1)
    return starts


def measure(paper: str) -> dict:
    from pipeline import handbook
    from pipeline.build import Paths, build_date, prepare

    with tempfile.TemporaryDirectory() as work:
        prepared = prepare(Paths(processed=Path(work)))
    info, title, created = prepared.curation.dataset, prepared.guide.title, build_date(prepared.curation)
    pdf = handbook.render_handbook(prepared.resources, info, title, created, paper=paper)
    fractions = blank_fractions(pdf)
    sections = list(dict.fromkeys(prepared.resources["section"]))
    starts = section_starts(pdf, sections)
    last = len(fractions)
    # A page may end early before a new section, and the cover, the how-to page and the last page are free.
    excused = {1, 2, last} | {number - 1 for number in starts}
    faults = [(number, share) for number, share in enumerate(fractions, 1) if share > QUARTER and number not in excused]
    return {"paper": paper, "pages": last, "fractions": fractions, "faults": faults, "excused": sorted(excused)}


def main() -> None:
    rows, details = [], []
    for paper in ("letter", "a4"):
        result = measure(paper)
        body = result["fractions"][2:-1]
        faults = ", ".join(f"p. {number}: {share:.0%}" for number, share in result["faults"])
        rows.append(
            f"| {paper} | {result['pages']} | {np.mean(body):.0%} | {max(body):.0%} | "
            f"{len(result['faults'])}{f' ({faults})' if faults else ''} |"
        )
        pages = " ".join(f"{number}:{share:.0%}" for number, share in enumerate(result["fractions"], 1))
        details.append(f"- {paper}: blank share by page — {pages}")
    body = "\n".join(
        [
            machine_line(),
            "",
            "The real guide's handbook; blank share = the white band at the foot of a page's text area.",
            "Pages 1–2 (cover, how to use) and the last page are left out of the mean and maximum. Before long",
            "entries could continue on the next page: "
            + "; ".join(
                f"{paper} {pages} pages, {faults} more than ¼ blank" for paper, (pages, faults) in BEFORE.items()
            )
            + ".",
            "",
            "| paper | pages | mean blank (body pages) | most blank (body page) "
            "| pages > ¼ blank, not before a section |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            *details,
        ]
    )
    write_section("Handbook pages and blank space (bench_pages.py)", body)
    print(body)


if __name__ == "__main__":
    main()
