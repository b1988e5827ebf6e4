"""Stage 1: the raw guide's text → one row per entry. Knows nothing about curation."""

import itertools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandera.typing import DataFrame

from pipeline.errors import GuideStructureError, InputUnreadable
from pipeline.text import UVM_MARK, decode_text, fold
from schemas.raw_entry import RawEntry
from schemas.vocabulary import SECTIONS

MAX_GUIDE_BYTES = 2_000_000  # a hundred times the real guide; README "Limits" gives the time measured
FIELD_LABEL = "Body"  # a label of the web page's form, printed after each heading


@dataclass(frozen=True)
class Guide:
    """The guide's header lines and its entries."""

    site: str
    page_title: str
    title: str
    entries: DataFrame[RawEntry]


def read_guide(path: Path) -> Guide:
    """Read and parse the raw guide file (at most MAX_GUIDE_BYTES)."""
    try:
        size = path.stat().st_size
        if size > MAX_GUIDE_BYTES:
            raise InputUnreadable(
                f"the guide is {size / 1e6:.1f} MB; this tool is made for guides of up to {MAX_GUIDE_BYTES / 1e6:g} MB "
                "(about 3,000 entries; the real guide is 0.02 MB)",
                path=path,
                hint="check that --raw names the guide's text capture; a printed handbook of a larger guide "
                "would run to thousands of pages",
            )
        data = path.read_bytes()
    except OSError as error:
        raise InputUnreadable(
            f"cannot read the raw guide: {error.strerror}", path=path, hint="pass the guide's path with --raw"
        ) from None
    return parse_guide(decode_text(data, path), path)


def is_blank(line: str) -> bool:
    """A line with only white space, no-break spaces included, separates paragraphs."""
    return not line.strip()


def heading_name(line: str) -> str:
    return line.strip().replace(UVM_MARK, "UVM")


def parse_guide(text: str, source: Path | str = "<guide>") -> Guide:
    """Split the guide's text into header and entries (section, position, paragraphs, lines)."""
    lines = text.split("\n")
    if all(is_blank(line) for line in lines):
        raise InputUnreadable("the guide is empty", path=source, hint="pass the guide's text capture with --raw")
    headings = find_headings(lines, source)
    if not headings:
        raise GuideStructureError(
            "no section headings found (a heading is a line followed by a 'Body' line)",
            path=source,
            line=1,
            hint=f"the guide's sections are: {', '.join(SECTIONS)}",
        )
    header = [line.strip() for line in lines[: headings[0]] if not is_blank(line)]
    if len(header) > 3:
        extra = next(i for i in range(headings[0]) if lines[i].strip() == header[3])
        raise GuideStructureError(
            "text before the first section heading, where only the site name, page title and guide title belong",
            path=source,
            line=extra + 1,
            hint="put the text under a section heading or delete it",
        )
    header += [""] * (3 - len(header))
    rows = []
    bounds = [*headings, len(lines)]
    for start, end in itertools.pairwise(bounds):
        section = heading_name(lines[start])
        body_line = next(i for i in range(start + 1, end) if not is_blank(lines[i]))
        rows += entries_of_section(section, lines, body_line + 1, end)
    if not rows:
        raise GuideStructureError(
            "the guide has section headings but no entries under them",
            path=source,
            line=headings[0] + 1,
            hint="each entry is a paragraph under a heading's 'Body' line; entries are separated by two blank lines",
        )
    check_duplicates(rows, source)
    entries = pd.DataFrame(rows, columns=list(RawEntry.to_schema().columns))
    return Guide(
        site=heading_name(header[0]),
        page_title=header[1],
        title=header[2],
        entries=RawEntry.validate(entries),
    )


def find_headings(lines: list[str], source: Path | str) -> list[int]:
    """Indexes of heading lines: those whose next non-blank line is the field label."""
    headings, seen = [], set()
    previous = None
    for index, line in enumerate(lines):
        if is_blank(line):
            continue
        if line.strip() == FIELD_LABEL and previous is not None:
            name = heading_name(lines[previous])
            if name not in SECTIONS:
                raise GuideStructureError(
                    f"unknown section heading {name!r}",
                    path=source,
                    line=previous + 1,
                    hint=(
                        f"the guide's sections are: {', '.join(SECTIONS)}; "
                        "add a new one to SECTIONS in schemas/vocabulary.py"
                    ),
                )
            if name in seen:
                raise GuideStructureError(
                    f"section {name!r} appears twice", path=source, line=previous + 1, hint="merge the two sections"
                )
            seen.add(name)
            headings.append(previous)
        previous = index
    return headings


def entries_of_section(section: str, lines: list[str], start: int, end: int) -> list[dict]:
    """Entries between two headings: two or more blank lines separate entries, one separates paragraphs."""
    rows: list[dict] = []
    paragraphs: list[str] = []
    paragraph: list[str] = []
    first = last = None
    blanks = 0

    def close_entry() -> None:
        if paragraphs:
            rows.append(
                {
                    "section": section,
                    "position": len(rows) + 1,
                    "paragraphs": list(paragraphs),
                    "text": "\n\n".join(paragraphs),
                    "line_start": first,
                    "line_end": last,
                }
            )
            paragraphs.clear()

    for index in range(start, end):
        line = lines[index]
        if is_blank(line):
            blanks += 1
            if paragraph:
                paragraphs.append(" ".join(paragraph))
                paragraph = []
            continue
        if blanks >= 2:
            close_entry()
        if not paragraphs and not paragraph:
            first = index + 1
        paragraph.append(line.strip())
        last = index + 1
        blanks = 0
    if paragraph:
        paragraphs.append(" ".join(paragraph))
    close_entry()
    return rows


def check_duplicates(rows: list[dict], source: Path | str) -> None:
    seen: dict[str, dict] = {}
    for row in rows:
        key = fold(row["text"])
        if key in seen:
            first = seen[key]
            raise GuideStructureError(
                f"duplicate entry: the entry at line {row['line_start']} repeats the one at line {first['line_start']}"
                f" ({first['section']} #{first['position']})",
                path=source,
                line=row["line_start"],
                hint="delete one of the two copies",
            )
        seen[key] = row
