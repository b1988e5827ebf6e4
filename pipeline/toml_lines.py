"""Where each table header and key of a TOML text stands, so a message can name the key's own line.

The standard parser keeps no positions; this scanner reads only what it needs (headers, keys, and
the extent of each value) and skips comments and strings, whatever the spacing.
"""

import re
import tomllib

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
VALUE_STOP = re.compile(r"[\n#\"'\[\]{}]")  # what may end or extend a value
BASIC_STOP = re.compile(r'\\[\s\S]|"')  # an escape, or a quote that may end a basic string
LITERAL_STOP = re.compile("'")
KeyPath = tuple[str | int, ...]


def key_lines(text: str) -> dict[KeyPath, int]:
    """Line of every header and key, by path: ("dataset",) → 5, ("resource", 0, "year") → 21.

    Meant for text the TOML parser has accepted. Arrays of tables count from 0, as in the parsed data.
    """
    scanner = Scanner(text)
    lines: dict[KeyPath, int] = {}
    counts: dict[KeyPath, int] = {}  # each array of tables: how many tables it holds so far
    table: KeyPath = ()
    while scanner.skip_blank():
        line = scanner.line
        if scanner.at("["):
            double = scanner.at("[[")
            scanner.pos += 2 if double else 1
            table = resolve_header(scanner.read_key(), counts, double)
            for end in range(1, len(table) + 1):
                lines.setdefault(table[:end], line)
            scanner.skip_to_line_end()
        else:
            keys = scanner.read_key()
            for end in range(1, len(keys) + 1):
                lines.setdefault(table + keys[:end], line)
            scanner.skip_value()
    return lines


def line_of(lines: dict[KeyPath, int], *path: str | int) -> int:
    """The line of a path, or of its nearest enclosing key or table (an item of an inline array), else 1."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return 1


def resolve_header(keys: KeyPath, counts: dict[KeyPath, int], array: bool) -> KeyPath:
    path: KeyPath = ()
    for number, key in enumerate(keys):
        path += (key,)
        if array and number == len(keys) - 1:
            counts[path] = counts.get(path, 0) + 1
            path += (counts[path] - 1,)
        elif path in counts:  # [[a]] then [a.b]: b belongs to the latest table of a
            path += (counts[path] - 1,)
    return path


class Scanner:
    """A cursor over the text that counts lines."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, prefix: str) -> bool:
        return self.text.startswith(prefix, self.pos)

    def skip_blank(self) -> bool:
        """Skip white space, newlines and comments; False at the end of the text."""
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\n":
                self.line += 1
            elif char == "#":
                self.skip_to_line_end()
                continue
            elif char not in " \t\r":
                return True
            self.pos += 1
        return False

    def skip_to_line_end(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def read_key(self) -> KeyPath:
        """A dotted key (bare or quoted parts); the cursor ends after it and any `]`, `]]` or `=`."""
        keys: list[str] = []
        while True:
            self.skip_spaces()
            start = self.pos
            if self.at('"') or self.at("'"):
                self.skip_string()
                keys.append(decode_quoted(self.text[start : self.pos]))
            elif bare := BARE_KEY.match(self.text, self.pos):
                keys.append(bare.group())
                self.pos = bare.end()
            else:  # not a key: give up on this line rather than loop
                self.skip_to_line_end()
                return tuple(keys)
            self.skip_spaces()
            if not self.at("."):
                break
            self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] in "]=":
            self.pos += 1
        return tuple(keys)

    def skip_value(self) -> None:
        """Skip a value to the end of its last line: arrays and multi-line strings span lines."""
        text = self.text
        depth = 0
        while found := VALUE_STOP.search(text, self.pos):
            self.pos = found.start()
            char = found.group()
            if char == "\n":
                if depth <= 0:
                    return
                self.line += 1
            elif char == "#":
                self.skip_to_line_end()
                continue
            elif char in "\"'":
                self.skip_string()
                continue
            else:
                depth += 1 if char in "[{" else -1
            self.pos += 1
        self.pos = len(text)

    def skip_string(self) -> None:
        """Skip a basic or literal string, single- or multi-line, counting the lines it spans."""
        text = self.text
        start = self.pos
        quote = text[start]
        delimiter = quote * 3 if self.at(quote * 3) else quote
        stop = BASIC_STOP if quote == '"' else LITERAL_STOP
        self.pos += len(delimiter)
        while found := stop.search(text, self.pos):
            self.pos = found.end()
            if found.group() == quote and text.startswith(delimiter, found.start()):
                self.pos = found.start() + len(delimiter)
                if len(delimiter) == 3:  # up to two quotes may end the content: `"a"""""`
                    while self.pos < len(text) and text[self.pos] == quote and self.pos - found.start() < 5:
                        self.pos += 1
                break
        else:
            self.pos = len(text)
        self.line += text.count("\n", start, self.pos)


def decode_quoted(raw: str) -> str:
    try:
        return next(iter(tomllib.loads(f"{raw} = 0")))
    except (tomllib.TOMLDecodeError, StopIteration):
        return raw.strip("\"'")
