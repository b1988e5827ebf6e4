"""Text helpers shared by the stages: decoding an input file, and folding text for comparison."""

from pathlib import Path

from pipeline.errors import InputUnreadable

UVM_MARK = "\u033d\u033d"  # the capture's stand-in for the university's short name


def decode_text(data: bytes, source: Path | str = "<guide>") -> str:
    """Bytes → text with LF line endings; refuses binary and non-UTF-8 input, naming the line."""
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


def fold(text: str) -> str:
    """A key for comparing texts: case, white space, quotes and dashes folded."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    return " ".join(text.replace(UVM_MARK, "UVM").translate(table).casefold().split())
