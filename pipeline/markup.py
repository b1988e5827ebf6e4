"""What both editions share to write HTML: the Jinja2 environment of pipeline/templates/ and its filters.

Guide text is data: every filter escapes it. Addresses break only before a separator, names and venues
never inside themselves.
"""

import functools
import re

import jinja2
from markupsafe import Markup, escape

from pipeline import config
from pipeline.presentation import Byline
from pipeline.typography import curly_quotes

# A shown address may break only BEFORE one of / . - ? & = _ # %, which then starts the next line, and never
# right after one (nor inside the scheme's "//"): no line ends with a character the address carries over
# (PDF text extraction drops a line-final hyphen, and a reader cannot tell it from an added one). `%` starts
# an encoded character ("%20", a space): a search's words have no other place to break.
URL_BREAK = re.compile(r"(?<![/.?#&=_:%-])(?=[/.?#&=_%-])")
# Characters of the 8.5 pt monospace address that always fit on one line beside a QR code on A4.
URL_ONE_LINE = 64
LONGEST_WEB_PIECE = 20  # characters of an address that fit a 320 px phone's line at any indent
# An address inside a description, without the punctuation that closes the sentence around it.
URL_IN_TEXT = re.compile(r"(https?://\S+?)(?=[.,;:!?)\]]*(?:\s|$))")


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(config.TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        curly=curly_quotes,
        keep_last_words=keep_last_words,
        unbreakable=unbreakable,
        address=breakable,
        web_address=web_address,
        prose=prose,
        printed_byline=printed_byline,
        web_byline=web_byline,
    )
    return env


def breakable(url: str, one_line: int = URL_ONE_LINE) -> Markup:
    """The address escaped, in unbreakable pieces each starting with a break character, <wbr> between them.

    Pango would also break after a hyphen of its own accord: the pieces forbid any break but the <wbr>s.
    An address short enough to fit on one line is one piece: every <wbr> costs WeasyPrint layout time.
    """
    parts = [url] if len(url) <= one_line else [part for part in URL_BREAK.split(url) if part]
    return Markup("<wbr>").join(Markup('<span class="nobr">{}</span>').format(part) for part in parts)


def web_address(url: str) -> Markup:
    """An address for a screen of any width: it may break after its scheme's "//" and before any of its
    separators, and nowhere else (a host name alone can be wider than a 320 px phone's line less the scheme)."""
    scheme = re.match(r"[a-z][a-z0-9+.-]*://", url, re.I)
    head, rest = (scheme.group(), url[scheme.end() :]) if scheme else ("", url)
    parts = [head, *URL_BREAK.split(rest)] if rest else [head]
    pieces = [chunk for part in parts if part for chunk in chunks(part, LONGEST_WEB_PIECE)]
    return Markup("<wbr>").join(Markup('<span class="nobr">{}</span>').format(piece) for piece in pieces)


def chunks(part: str, size: int) -> list[str]:
    """A piece of an address in runs of at most `size` characters: an opaque identifier with no separator
    (a 32-digit record number) is wider than a 320 px phone's line, so it alone may break inside."""
    return [part[start : start + size] for start in range(0, len(part), size)]


def keep_last_words(text: str, count: int = 2) -> Markup:
    """`text` escaped, its last `count` words joined by no-break spaces, so its last line never holds a lonely word."""
    words = text.split(" ")
    return Markup(" ").join([*(escape(word) for word in words[:-count]), unbreakable(" ".join(words[-count:]))])


def prose(paragraph: str, web: bool = False) -> Markup:
    """A paragraph escaped: an address in it breaks as a shown address does; else, in print, its last two words
    stay together (on a screen of any width, a line of two long words could not fit)."""
    parts = URL_IN_TEXT.split(paragraph)  # text, address, text, ...
    if len(parts) == 1:
        return escape(paragraph) if web else keep_last_words(paragraph)
    link = web_address if web else breakable
    return Markup("").join(link(part) if index % 2 else escape(part) for index, part in enumerate(parts))


def unbreakable(text: str) -> Markup:
    """`text` escaped with no-break spaces between its words (a name, a venue), which copy out as plain spaces.

    No-break spaces rather than a nowrap span: WeasyPrint, breaking a line before an inline box that
    does not fit, can break the preceding text at its first opportunity and leave one word on a line.
    """
    return Markup("&nbsp;").join(escape(word) for word in text.split(" "))


def byline_pieces(byline: Byline, name) -> list[Markup]:
    """The byline's segments as markup: names through `name`, the venue as a citation, the rest as text."""
    pieces = []
    for segment in byline.segments:
        if segment.kind == "name":
            pieces.append(name(segment.text))
        elif segment.kind == "venue":
            pieces.append(Markup("<cite>{}</cite>").format(name(segment.text)))
        else:
            pieces.append(escape(segment.text))
    return pieces


def web_byline(byline: Byline) -> Markup:
    """The byline on a screen: lines break between words, as the width needs."""
    return Markup("").join(byline_pieces(byline, escape))


def printed_byline(byline: Byline) -> Markup:
    """The byline in print: no name or venue broken inside, and the venue kept with the word before it, so
    that neither stands alone on a line.

    The venue and that word are one box whose leading space is inside it: WeasyPrint then breaks the line
    inside that box; before a box that cannot break it would break the preceding text at its first space.
    """
    pieces = byline_pieces(byline, unbreakable)
    segments = byline.segments
    if len(segments) < 2 or segments[-1].kind != "venue":
        return Markup("").join(pieces)
    text = Markup("").join(pieces[:-2])
    head, _, last = text.rpartition(" ")
    space = " " if head else ""
    stop = escape(segments[-2].text.strip())
    return Markup('{}<span class="byline-end">{}{}{}&nbsp;{}</span>').format(head, space, last, stop, pieces[-1])
