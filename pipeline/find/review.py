"""The review file (TOML): per resource, its candidates best first with their evidence, and a snippet to paste.

A snippet is the resource's whole `[[resource]]` table (and its `[[resource.fix]]` tables) as the
curation file holds it, with the accepted facts added, each candidate's public page added to
`sources`, and a line in `research` saying where the facts came from. Pasting it in place of the
resource's table is the librarian's decision; nothing here changes the curation file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.curation import RECORD_KEYS, CurationRecord
from pipeline.find.score import THRESHOLD, Known, Scored, best_values

HEADER = """\
# Candidates for facts the curation file lacks, found by `mentor-guide find` in open scholarly services.
# Nothing here is applied. For each resource, check the candidates' pages; to accept a `snippet`, replace
# the resource's [[resource]] table (and its [[resource.fix]] tables) in data/raw/curation.toml with it.
# A snippet holds only candidates scoring {threshold} or more with no rival nearly as good; the others are
# listed for a person to judge. README "Finding missing facts" explains each key.
"""


@dataclass(frozen=True)
class Reviewed:
    """One resource's part of the review."""

    known: Known
    record: CurationRecord | None
    missing: tuple[str, ...]
    ranked: tuple[Scored, ...]
    unreadable: tuple[str, ...] = ()  # addresses of answers that could not be read


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(f"no TOML for {type(value).__name__}")


def multiline(value: str) -> str:
    """A TOML multi-line string holding `value` exactly."""
    if "'''" not in value and all(ch == "\n" or ch == "\t" or (ch >= " " and ch != "\x7f") for ch in value):
        return "'''\n" + value + "'''"
    escaped = "".join(
        ch if ch in "\n\t" or (ch >= " " and ch not in '\\"\x7f') else "\\" + ch if ch in '\\"' else f"\\u{ord(ch):04x}"
        for ch in value
    )
    return '"""\n' + escaped + '"""'


def snippet(record: CurationRecord, reviewed: Reviewed, date: str) -> str | None:
    """The record with the accepted facts, or None when no candidate was accepted."""
    chosen = best_values(list(reviewed.ranked))
    if not chosen:
        return None
    values = {key: getattr(record, key) for key in RECORD_KEYS if key != "fix" and hasattr(record, key)}
    isbn_line = None
    for fact, (value, _) in chosen.items():
        if fact == "isbn" and "isbn" not in RECORD_KEYS:  # until the curation file knows the key: a comment
            isbn_line = f"# isbn = {toml_value(value)}  (the curation file does not take isbn yet)"
            continue
        values[fact] = value
    pages = [scored.candidate.page for _, scored in chosen.values()]
    values["sources"] = tuple(dict.fromkeys([*record.sources, *pages]))
    said = "; ".join(
        f"{fact} from {scored.candidate.service} {scored.candidate.page} (score {scored.score})"
        for fact, (_, scored) in chosen.items()
    )
    line = f"Proposed by mentor-guide find on {date}: {said}; check each on its page."
    values["research"] = f"{record.research} {line}" if record.research else line
    lines = ["[[resource]]"]
    for key, value in values.items():
        if value is None or value == ():  # an empty list says no more than a key left out
            continue
        lines.append(f"{key} = {toml_value(list(value) if isinstance(value, tuple) else value)}")
    if isbn_line:
        lines.append(isbn_line)
    for fix in record.fixes:
        lines += ["", "[[resource.fix]]", f"find = {toml_string(fix.find)}", f"replace = {toml_string(fix.replace)}"]
        if fix.reason:
            lines.append(f"reason = {toml_string(fix.reason)}")
    return "\n".join(lines) + "\n"


def candidate_table(scored: Scored) -> list[str]:
    found, evidence = scored.candidate, scored.evidence
    rows: dict[str, object] = {
        "service": found.service,
        "score": scored.score,
        "accepted": scored.accepted,
        "ambiguous": scored.ambiguous,
        "page": found.page,
        "response": found.response,
        "title": found.title,
        "title_similarity": evidence.title,
        "creators": list(found.creators),
        "creators_matched": f"{evidence.creators[0]} of {evidence.creators[1]}" if evidence.creators else None,
        "year": found.year,
        "year_matches": evidence.year,
        "venue": found.venue,
        "venue_matches": evidence.venue,
        "identifier_matches": evidence.identifier,
        "kind": found.kind,
        "proposes": {k: list(v) if isinstance(v, tuple) else v for k, v in scored.proposes.items()} or None,
    }
    lines = ["", "[[review.candidate]]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in rows.items() if value is not None and value != []]
    return lines


def review_text(reviews: Iterable[Reviewed], *, date: str, services: tuple[str, ...], complete: bool) -> str:
    reviews = list(reviews)
    lines = [HEADER.format(threshold=THRESHOLD).rstrip(), "", "[run]"]
    lines.append(f"date = {toml_string(date)}")
    lines.append(f"services = {toml_value(list(services))}")
    lines.append(f"threshold = {THRESHOLD}")
    lines.append(f"resources = {len(reviews)}")
    lines.append(f"proposed = {sum(1 for r in reviews if best_values(list(r.ranked)))}")
    lines.append(f"complete = {toml_value(complete)}  # false: the run's deadline came first; rerun to finish")
    for reviewed in sorted(reviews, key=lambda r: -max((s.score for s in r.ranked), default=0.0)):
        lines += ["", "[[review]]", f"id = {toml_string(reviewed.known.id)}"]
        if reviewed.known.title:
            lines.append(f"title = {toml_string(reviewed.known.title)}")
        lines.append(f"missing = {toml_value(list(reviewed.missing))}")
        if reviewed.unreadable:
            lines.append(f"unreadable_answers = {toml_value(list(reviewed.unreadable))}")
        text = snippet(reviewed.record, reviewed, date) if reviewed.record else None
        if text:
            lines.append(f"snippet = {multiline(text)}")
        for scored in reviewed.ranked:
            lines += candidate_table(scored)
    return "\n".join(lines) + "\n"
