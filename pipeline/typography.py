"""Typographic text for readers: curly quotes and apostrophes, addresses and DOIs left exactly as they are."""

import re

# Straight quotes made typographic, except inside addresses and DOIs, which must stay as they are.
LITERAL = re.compile(r"(?:https?://|www\.|doi:\s*|\b10\.\d{4,9}/)\S+")
OPENING_AFTER = "([{\u2014\u2013\u201c\u2018/-"


def curly_quotes(text: str) -> str:
    """Straight quotes and apostrophes made typographic ("It's" → "It’s"), addresses and DOIs left as they are."""
    pieces, start = [], 0
    for literal in LITERAL.finditer(text):
        pieces += [curl(text[start : literal.start()], text[: literal.start()]), literal.group()]
        start = literal.end()
    return "".join([*pieces, curl(text[start:], text[:start])])


def curl(text: str, before: str = "") -> str:
    """`text` with curly quotes; `before` is what precedes it, which decides whether a quote opens."""
    out: list[str] = []
    for i, char in enumerate(text):
        if char not in "'\"":
            out.append(char)
            continue
        previous = out[-1] if out else (before[-1] if before else "")
        opens = previous == "" or previous.isspace() or previous in OPENING_AFTER
        following = text[i + 1 : i + 2]
        if char == '"':
            out.append("\u201c" if opens else "\u201d")
        elif opens and not following.isdigit():  # ’90s: an elision, not an opening quote
            out.append("\u2018")
        else:
            out.append("\u2019")
    return "".join(out)
