"""Text helpers shared by the stages: decoding an input file, folding text for comparison, JSON with a row per line."""

import json
from pathlib import Path

from pipeline.errors import InputUnreadable

UVM_MARK = "\u033d\u033d"  # the capture's stand-in for the university's short name


def decode_text(data: bytes, source: Path | str = "<guide>") -> str:
    """Bytes → text with LF line endings; refuses binary and non-UTF-8 input, naming the line."""
    if is_utf16(data):
        raise InputUnreadable(
            "the file is UTF-16 text, not UTF-8",
            path=source,
            line=1,
            hint="re-save it as UTF-8 (in an editor, 'Save as' with the encoding UTF-8), "
            "e.g. `iconv -f UTF-16 -t UTF-8 in.txt > out.txt`",
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputUnreadable(
            "the file is binary (it holds NUL bytes), not text",
            path=source,
            line=line,
            hint="pass the plain-text file (the guide's capture, or the curation TOML)",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputUnreadable(
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x} cannot be decoded); "
            "it may be in a legacy encoding such as Windows-1252",
            path=source,
            line=line,
            hint="re-save it as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.txt > out.txt`",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_utf16(data: bytes) -> bool:
    """Whether the bytes are UTF-16 text: its byte-order mark, or ASCII letters each paired with a NUL byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:512]
    pairs = len(head) // 2
    if pairs < 2:
        return False
    nul_even, nul_odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    return max(nul_even, nul_odd) >= pairs * 0.9 and min(nul_even, nul_odd) == 0


def fold(text: str) -> str:
    """A key for comparing texts: case, white space, quotes and dashes folded."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    return " ".join(text.replace(UVM_MARK, "UVM").translate(table).casefold().split())


# One encoder for every row: json.dumps with options makes a new one per call, a third of the time of a small row.
compact_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def json_with_rows(document: dict, rows_key: str) -> str:
    """`document` as JSON with sorted keys indented by two spaces, but each item of `document[rows_key]` (a
    list, or a dict by key) on one line of its own: as easy to read and to diff, and five times faster to
    write for thousands of rows, as indenting switches Python's json to its pure-Python encoder."""
    fields = []
    for key in sorted(document):
        if key == rows_key:
            text = rows_json(document[key])
        else:  # as json.dumps(indent=2) writes it, one level further in
            text = json.dumps(document[key], ensure_ascii=False, indent=2, sort_keys=True).replace("\n", "\n  ")
        fields.append(f"  {compact_json(key)}: {text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


class JsonText(str):
    """A value already written as compact JSON: a row is then put in its place as it is."""


def row_json(row: object) -> str:
    return row if isinstance(row, JsonText) else compact_json(row)


def rows_json(rows: list | dict) -> str:
    if isinstance(rows, dict):
        lines = [f"    {compact_json(key)}: {row_json(rows[key])}" for key in sorted(rows)]
        empty, opening, closing = "{}", "{\n", "\n  }"
    else:
        lines = [f"    {row_json(row)}" for row in rows]
        empty, opening, closing = "[]", "[\n", "\n  ]"
    return opening + ",\n".join(lines) + closing if lines else empty
