"""A way to a resource whose link is not confirmed: a labelled search address, never the resource's own link.

The rule works on plain values (title, creators, ISBNs, type, section) so that any edition can call it.
The addresses come from templates in the curation file's `[dataset]` table, each holding `{query}` once:

- `catalogue_search` — a library catalogue; by default WorldCat's public search (`DEFAULT_CATALOGUE`);
- `article_search` — an index of journal articles; by default PubMed (`DEFAULT_ARTICLE_INDEX`);
- `site_search` — the college's own site search, for its campus pages; no default (no template, no line);
- `web_search` — a general web search, for websites, podcasts, videos and blog posts; by default
  DuckDuckGo (`DEFAULT_WEB_SEARCH`, the address form its help pages give).

A book is searched in the catalogue by ISBN when it has one, else by title and first author; an
article in the article index by title; a campus page among the institution's web pages by title; a website,
podcast, video or blog post on the web by title and first author; anything else in the catalogue
by title and first author. A resource whose title is not known is searched by what is known of it:
the words of its devised title without the brackets, and its first creator (or else its publisher)
where the devised title does not already name them. Without any words there is no line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

PLACEHOLDER = "{query}"
DEFAULT_CATALOGUE = "https://search.worldcat.org/search?q={query}"
DEFAULT_ARTICLE_INDEX = "https://pubmed.ncbi.nlm.nih.gov/?term={query}"
DEFAULT_WEB_SEARCH = "https://duckduckgo.com/?q={query}"
CAMPUS_SECTION = "UVM and Larner Resources"
BOOK_TYPES = frozenset({"book"})
ARTICLE_TYPES = frozenset({"article", "journal-article"})
CAMPUS_TYPES = frozenset({"campus-resource"})
WEB_TYPES = frozenset({"website", "podcast", "video", "webinar", "blog", "blog-post"})
TEMPLATE_KEYS = (
    "catalogue_search",
    "article_search",
    "site_search",
    "web_search",
)  # the [dataset] keys this module reads


@dataclass(frozen=True)
class SearchTemplates:
    """Where searches go; each a URL holding `{query}` once, or None for no search of that kind."""

    catalogue: str | None = DEFAULT_CATALOGUE
    article: str | None = DEFAULT_ARTICLE_INDEX
    site: str | None = None
    web: str | None = DEFAULT_WEB_SEARCH


@dataclass(frozen=True)
class SearchLink:
    """A labelled search for a resource: shown as a search, never as the resource's own link."""

    label: str  # "Search the library catalogue"
    url: str
    kind: str  # "catalogue", "article-index", "site" or "web"
    query: str  # what was searched for, as a reader would type it
    shown: str = field(default="", compare=False)  # the query as a reader is told it: a title in quotes

    @property
    def text(self) -> str:
        """What a reader is told: 'Search the library catalogue: ISBN 9780470343586', '…: “Title”, Author'."""
        what = f"ISBN {self.query}" if ISBN.fullmatch(self.query) else self.shown or self.query
        return f"{self.label}: {what}"


LABELS = {
    "catalogue": "Search the library catalogue",
    "article-index": "Search for the article",
    "site": "Search the university's web pages",
    "web": "Search the web",
}
ISBN = re.compile(r"97[89]\d{10}")


def template_problem(template: str) -> str | None:
    """Why `template` cannot make search addresses, or None when it can (pure)."""
    if template.count(PLACEHOLDER) != 1:
        return f"should hold {PLACEHOLDER} exactly once, where the words searched for go"
    try:
        parts = urlsplit(template.replace(PLACEHOLDER, "q"))
    except ValueError:
        return "is not a well-formed address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) address"
    if any(ch.isspace() for ch in template):
        return "holds a space or line break; write the address without them"
    return None


def fill(template: str, query: str) -> str:
    """The template with `query` URL-encoded in place of `{query}`."""
    if problem := template_problem(template):
        raise ValueError(f"search template {template!r} {problem}")
    return template.replace(PLACEHOLDER, quote(query, safe=""))


def family_name(creator: str) -> str:
    """ "Straus, Sharon E." → "Straus"; an organisation's name is kept whole."""
    return creator.split(",", 1)[0].strip() if "," in creator else creator.strip()


def title_query(title: str, creators: tuple[str, ...] | list[str] = ()) -> str:
    first = next((family_name(c) for c in creators if c.strip()), "")
    return f"{title} {first}".strip() if first else title


def shown_title(title: str, creators: tuple[str, ...] | list[str] = ()) -> str:
    """The title in quotes and the first author after it, so that neither reads as part of the other."""
    first = next((family_name(c) for c in creators if c.strip()), "")
    return f"“{title}”, {first}" if first else f"“{title}”"


def described_query(devised: str, creators: tuple[str, ...] | list[str] = (), publisher: str | None = None) -> str:
    """The words of a devised title without its brackets, and the first creator (else the publisher) unless
    the words already name it: "[Podcast of the American Medical Student Association]" → its own words."""
    words = " ".join(devised.strip().removeprefix("[").removesuffix("]").split())
    who = family_name(next((c for c in creators if c.strip()), None) or publisher or "")
    name = re.sub(r"\([^()]*\)", " ", who)  # "Team (SALT)": the name, not its short form
    if not comparable(name) or comparable(name) in comparable(words):
        return words
    return f"{words} {who}"


def comparable(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def search_link(
    *,
    title: str | None,
    creators: tuple[str, ...] | list[str] = (),
    isbn: tuple[str, ...] | list[str] = (),
    type: str | None = None,
    section: str | None = None,
    templates: SearchTemplates = SearchTemplates(),
    title_known: bool = True,
    publisher: str | None = None,
) -> SearchLink | None:
    """The search to offer for a resource with no confirmed link, or None when there is none to offer.

    `title` is the resource's title; with `title_known` false it is a devised title in square brackets,
    and the search is for what is known (`described_query`), never presented as the title itself.
    """
    title = (title or "").strip() or None
    isbns = [i.strip() for i in isbn if i and i.strip()]
    if title and not title_known:
        words = described_query(title, creators, publisher) or None
        named, shown, shown_named = words, words, words  # the words of a description: never quoted as a title
    else:
        words, named = title, title_query(title, creators) if title else None
        shown, shown_named = (f"“{title}”", shown_title(title, creators)) if title else (None, None)
    if type in CAMPUS_TYPES or section == CAMPUS_SECTION:
        return make("site", templates.site, words, shown) if words else None
    if type in BOOK_TYPES and isbns:
        return make("catalogue", templates.catalogue, isbns[0])
    if not words or not named:
        return None
    if type in ARTICLE_TYPES and title_known:
        return make("article-index", templates.article, words, shown)
    if type in WEB_TYPES:
        return make("web", templates.web, named, shown_named)
    return make("catalogue", templates.catalogue, named, shown_named)


def make(kind: str, template: str | None, query: str, shown: str | None = None) -> SearchLink | None:
    if template is None:
        return None
    return SearchLink(label=LABELS[kind], url=fill(template, query), kind=kind, query=query, shown=shown or query)


def templates_from(values: dict[str, str | None]) -> SearchTemplates:
    """Templates from the `[dataset]` keys (`catalogue_search`, ...); a key left out keeps its default."""
    defaults = SearchTemplates()
    return SearchTemplates(
        catalogue=values.get("catalogue_search") or defaults.catalogue,
        article=values.get("article_search") or defaults.article,
        site=values.get("site_search") or defaults.site,
        web=values.get("web_search") or defaults.web,
    )
