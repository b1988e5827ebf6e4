"""The search-address rule for a resource without a confirmed link (pipeline/lookup.py), and its templates."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.curation import parse_curation
from pipeline.errors import CurationError
from pipeline.findings import Slug
from pipeline.lookup import (
    DEFAULT_CATALOGUE,
    DEFAULT_WEB_SEARCH,
    SearchLink,
    SearchTemplates,
    search_link,
    template_problem,
    templates_from,
)

CURATION = Path(__file__).resolve().parent.parent / "data" / "raw" / "curation.toml"
SITE = "https://www.uvm.edu/search?q={query}"


def query_of(url: str, key: str = "q") -> str:
    return parse_qs(urlsplit(url).query)[key][0]


def test_a_book_with_an_isbn_is_searched_in_the_catalogue_by_isbn():
    link = search_link(
        title="Mentorship in Academic Medicine",
        creators=["Straus, Sharon E."],
        isbn=["9780470654262"],
        type="book",
        section="Books & E-Books",
    )
    assert link == SearchLink(
        label="Search the library catalogue",
        url="https://search.worldcat.org/search?q=9780470654262",
        kind="catalogue",
        query="9780470654262",
    )


def test_a_book_without_an_isbn_is_searched_by_title_and_first_author():
    link = search_link(
        title="The Mentee's Guide: Making Mentoring Work for You",
        creators=["Zachary, Lois J.", "Fischler, Lory A."],
        type="book",
    )
    assert link is not None and link.kind == "catalogue"
    assert query_of(link.url) == "The Mentee's Guide: Making Mentoring Work for You Zachary"
    # every reserved character is encoded: the title cannot end the query or add a parameter
    assert link.url == (
        "https://search.worldcat.org/search?q=The%20Mentee%27s%20Guide%3A%20Making%20Mentoring%20Work%20for%20You%20Zachary"
    )


def test_an_article_is_searched_in_pubmed_by_title():
    link = search_link(
        title="Factors Influencing Underrepresented Medical Students' Career Choice in Surgical Subspecialties",
        creators=["Pershad, Alisha R."],
        type="journal-article",
    )
    assert link is not None
    assert (link.kind, link.label) == ("article-index", "Search for the article")
    assert link.url.startswith("https://pubmed.ncbi.nlm.nih.gov/?term=")
    assert query_of(link.url, "term") == (
        "Factors Influencing Underrepresented Medical Students' Career Choice in Surgical Subspecialties"
    )


def test_a_campus_page_needs_a_site_search_template():
    plain = {"title": "Cultural Resource Guide", "type": "website", "section": "UVM and Larner Resources"}
    assert search_link(**plain) is None  # no template, no line
    link = search_link(**plain, templates=SearchTemplates(site=SITE))
    assert link == SearchLink(
        "Search the university's web pages",
        "https://www.uvm.edu/search?q=Cultural%20Resource%20Guide",
        "site",
        plain["title"],
    )


def test_no_title_no_search():
    assert search_link(title=None, creators=["American Medical Student Association"], type="podcast") is None
    assert search_link(title="  ", type="journal-article") is None
    assert search_link(title="[ ]", title_known=False, type="website") is None  # no words, no line


def test_a_devised_title_is_searched_by_what_is_known_never_as_a_title():
    podcast = search_link(
        title="[Podcast of the American Medical Student Association]",
        title_known=False,
        creators=["American Medical Student Association"],
        type="podcast",
    )
    assert podcast == SearchLink(
        "Search the web",
        "https://duckduckgo.com/?q=Podcast%20of%20the%20American%20Medical%20Student%20Association",
        "web",
        "Podcast of the American Medical Student Association",  # the creator is named already: not twice
    )
    webinar = search_link(title="[Leadership webinar]", title_known=False, publisher="AAMC", type="webinar")
    assert webinar is not None and webinar.query == "Leadership webinar AAMC"  # no creator: the publisher
    campus = {"title": "[Student guidebook by the Student Admissions Leadership Team]", "title_known": False}
    team = ["Student Admissions Leadership Team (SALT), Larner College of Medicine"]
    link = search_link(
        **campus, creators=team, section="UVM and Larner Resources", templates=SearchTemplates(site=SITE)
    )
    assert link is not None and (link.kind, link.query) == (
        "site",
        "Student guidebook by the Student Admissions Leadership Team",
    )
    # an article whose title is not known is not looked up in the article index by words of a description
    article = search_link(
        title="[Article on mentoring]", title_known=False, creators=["Doe, Jane"], type="journal-article"
    )
    assert article is not None and (article.kind, article.query) == ("catalogue", "Article on mentoring Doe")


def test_the_reader_is_told_what_is_searched_for():
    book = search_link(title="Mentoring and Diversity", isbn=["9781441907776"], type="book")
    assert book is not None and book.text == "Search the library catalogue: ISBN 9781441907776"
    site = search_link(title="Wellness Resources", type="campus-resource", templates=SearchTemplates(site=SITE))
    assert site is not None and site.text == "Search the university's web pages: “Wellness Resources”"
    book = search_link(title="Mentoring and Diversity", creators=["Landefeld, Thomas"], type="book")
    assert book is not None and book.text == "Search the library catalogue: “Mentoring and Diversity”, Landefeld"
    devised = search_link(title="[Leadership webinar]", title_known=False, publisher="AAMC", type="webinar")
    assert devised is not None and devised.text == "Search the web: Leadership webinar AAMC"  # no quotes: not a title


def test_query_characters_are_encoded():
    link = search_link(title="A&B = C #1 / 50%?", type="article")
    assert link is not None
    assert link.url.endswith("?term=A%26B%20%3D%20C%20%231%20%2F%2050%25%3F")
    assert query_of(link.url, "term") == "A&B = C #1 / 50%?"


def test_websites_podcasts_and_videos_are_searched_on_the_web_by_title_and_author():
    for kind in ("podcast", "website", "video", "webinar", "blog-post"):
        link = search_link(title="Dare to Lead", creators=["Brown, Brené"], type=kind)
        assert link is not None and (link.kind, link.label) == ("web", "Search the web")
        assert link.url.startswith(DEFAULT_WEB_SEARCH.removesuffix("{query}"))
        assert query_of(link.url) == "Dare to Lead Brown"
    assert search_link(title="Dare to Lead", type="podcast", templates=SearchTemplates(web=None)) is None


def test_other_kinds_go_to_the_catalogue_by_title_and_author():
    link = search_link(title="Mentoring toolkit", creators=["Brown, Brené"], type="collection")
    assert link is not None and link.kind == "catalogue"
    assert query_of(link.url) == "Mentoring toolkit Brown"


def test_templates_replace_the_defaults_and_a_catalogue_can_be_switched_off():
    templates = templates_from({"catalogue_search": "https://catalog.example.edu/find?lookfor={query}&type=AllFields"})
    book = {"title": "Mentoring and Diversity", "creators": ["Landefeld, Thomas"], "type": "book"}
    link = search_link(**book, templates=templates)
    assert link is not None and link.url == (
        "https://catalog.example.edu/find?lookfor=Mentoring%20and%20Diversity%20Landefeld&type=AllFields"
    )
    assert search_link(title="Mentoring and Diversity", type="book", templates=SearchTemplates(catalogue=None)) is None
    assert templates_from({}) == SearchTemplates()
    assert SearchTemplates().catalogue == DEFAULT_CATALOGUE


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("https://x.example/?q={query}", None),
        ("https://x.example/?q=", "should hold {query} exactly once, where the words searched for go"),
        ("https://x.example/?q={query}&r={query}", "should hold {query} exactly once, where the words searched for go"),
        ("ftp://x.example/?q={query}", "is not an http(s) address"),
        ("javascript:alert({query})", "is not an http(s) address"),
        ("https://x.example/?q={query} more", "holds a space or line break; write the address without them"),
        ("https://[::1/?q={query}", "is not a well-formed address"),
    ],
)
def test_templates_are_checked(template, problem):
    assert template_problem(template) == problem


def test_the_curation_file_checks_its_templates():
    text = CURATION.read_text(encoding="utf-8")
    assert parse_curation(text).dataset.site_search == "https://duckduckgo.com/?q=site:uvm.edu%20{query}"
    good = text.replace("[dataset]\n", '[dataset]\nweb_search = "https://www.example.org/search?q={query}"\n', 1)
    assert parse_curation(good).dataset.searches.web == "https://www.example.org/search?q={query}"
    assert parse_curation(text).dataset.catalogue_search is None  # the default applies
    assert parse_curation(text).dataset.searches == SearchTemplates(site=parse_curation(text).dataset.site_search)
    bad = text.replace("[dataset]\n", '[dataset]\ncatalogue_search = "https://search.example/"\n', 1)
    with pytest.raises(CurationError) as caught:
        parse_curation(bad, "curation.toml")
    (finding,) = caught.value.findings
    assert (finding.slug, finding.line) == (Slug.NOT_A_SEARCH_TEMPLATE, 7)
    assert "catalogue_search should hold {query} exactly once" in caught.value.message
    bad_web = text.replace("[dataset]\n", '[dataset]\nweb_search = "javascript:alert({query})"\n', 1)
    with pytest.raises(CurationError) as caught:
        parse_curation(bad_web, "curation.toml")
    assert [(f.slug, f.line) for f in caught.value.findings] == [(Slug.NOT_A_SEARCH_TEMPLATE, 7)]
    assert "web_search is not an http(s) address" in caught.value.message


@given(st.text(min_size=1).filter(str.strip))
def test_any_title_round_trips_through_the_search_address(title):
    link = search_link(title=title, type="journal-article")
    assert link is not None
    parts = urlsplit(link.url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "pubmed.ncbi.nlm.nih.gov", "/")
    assert parse_qs(parts.query, keep_blank_values=True, errors="strict") == {"term": [title.strip()]}
