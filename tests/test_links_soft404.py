"""Soft 404s: the pure rule on pages read back from the body, each kind and the false alarms it must not raise."""

import pytest

from pipeline.linkcheck.soft404 import Page, probe_url, read_page, says_not_found, says_parked, soft_404_reason

SITE = "http://site.test"
ARTICLE = (
    "<html><head><title>Why links break | Library blog</title></head><body><h1>Why links break</h1>"
    "<p>When a page is not found, the server should answer 404 Not Found. Many do not.</p>"
    + "<p>More text of the article.</p>" * 40
    + "</body></html>"
)
NOT_FOUND_PAGE = (
    "<html><head><title>Page not found | Example College</title></head><body><h1>Sorry</h1>"
    "<p>We could not find {path}.</p><nav>Home About Contact</nav></body></html>"
)
CATCH_ALL = (
    "<html><head><title>Example College</title></head><body><h1>Welcome</h1><p>You asked for {path}; "
    "here is our front page.</p>" + "<p>News item.</p>" * 30 + "</body></html>"
)
PARKED = (
    "<html><head><title>site.test</title></head><body><h1>This domain is for sale!</h1>"
    "<p>Inquire now.</p></body></html>"
)


def page(path: str, body: str, final_path: str | None = None) -> Page:
    data = body.replace("{path}", path).encode()
    return read_page(SITE + path, SITE + (final_path or path), 200, data)


def test_read_page_takes_title_heading_size_and_first_kilobyte():
    read = read_page("http://a/x", "http://a/x", 200, ARTICLE.encode(), content_length=99_999)
    assert (read.title, read.heading, read.size) == ("Why links break | Library blog", "Why links break", 99_999)
    assert len(read.text) == 1024 and not read.scripted


@pytest.mark.parametrize(
    "title, found",
    [
        ("Page not found", True),
        ("404", True),
        ("404 - Page Not Found", True),
        ("Error 404", True),
        ("Page not found | Example College", True),
        ("Example College – Page Not Found", True),
        ("The page you are looking for doesn't exist", True),
        ("Oops!", True),
        ("Not found: a history of lost books", False),
        ("Why 404 pages matter", False),
        ("Finding what was not found in the archive", False),
        ("", False),
        ("Lost and Found | Campus", False),
    ],
)
def test_a_title_counts_only_when_it_is_a_not_found_phrase(title, found):
    assert says_not_found(title) is found


def test_a_not_found_page_served_with_200_is_soft():
    reason = soft_404_reason(page("/old-article", NOT_FOUND_PAGE), page("/zzz-no-such-page", NOT_FOUND_PAGE))
    assert reason == "the page's title says 'Page not found | Example College'"


def test_a_not_found_page_is_soft_even_when_missing_paths_answer_404():
    """The site's own 404 page is the evidence: the same page, sent with 200 here."""
    probe = read_page(SITE + "/zzz", SITE + "/zzz", 404, NOT_FOUND_PAGE.replace("{path}", "/zzz").encode())
    assert soft_404_reason(page("/old", NOT_FOUND_PAGE), probe).startswith("the page's title says")
    assert (
        soft_404_reason(page("/old", NOT_FOUND_PAGE), probe=None) is None
    )  # no evidence: a title alone decides nothing


def test_a_site_that_sends_missing_paths_home_is_soft():
    reason = soft_404_reason(page("/old-article", CATCH_ALL, "/"), page("/zzz-no-such-page", CATCH_ALL, "/"))
    assert reason == f"redirected to {SITE}/, where this site sends any address that does not exist"


def test_the_home_page_itself_is_not_soft():
    assert soft_404_reason(page("/", CATCH_ALL), page("/zzz-no-such-page", CATCH_ALL, "/")) is None


def test_a_page_identical_to_what_a_missing_path_answers_is_soft():
    reason = soft_404_reason(page("/old-article", CATCH_ALL), page("/zzz-no-such-page", CATCH_ALL))
    assert reason.startswith("the same page (title 'Example College', ")
    assert reason.endswith("as the site answers for an address that cannot exist")


@pytest.mark.parametrize(
    "title, parked",
    [
        ("This domain is for sale!", True),
        ("example.org - Buy this domain", True),
        ("Domain parking by Registrar", True),
        ("This domain has been parked", True),
        ("Our website is available in Spanish", False),
        ("Domain-specific mentoring for sale representatives", False),
        ("Parked cars and campus parking", False),
    ],
)
def test_a_parked_domain_is_told_by_a_for_sale_phrase_only(title, parked):
    assert says_parked(title) is parked


def test_a_parked_domain_is_soft():
    assert soft_404_reason(page("/resource", PARKED), page("/zzz", PARKED)).startswith("a parked domain")


def test_a_real_article_that_says_not_found_stays_ok():
    assert soft_404_reason(page("/why-links-break", ARTICLE), page("/zzz-no-such-page", NOT_FOUND_PAGE)) is None
    assert soft_404_reason(page("/why-links-break", ARTICLE), None) is None


def test_a_real_page_on_a_catch_all_site_stays_ok():
    assert soft_404_reason(page("/why-links-break", ARTICLE), page("/zzz-no-such-page", CATCH_ALL)) is None


def test_a_login_wall_is_not_soft():
    login = "<html><head><title>Sign in</title></head><body><form></form></body></html>"
    assert soft_404_reason(page("/private", login, "/login?next=x"), page("/zzz", login, "/login?next=x")) is None


def test_a_page_filled_by_scripts_is_not_judged_by_its_shell():
    shell = (
        "<html><head><title>App</title></head>"
        "<body><noscript>Enable JavaScript</noscript><div id=root></div></body></html>"
    )
    assert soft_404_reason(page("/items/42", shell), page("/zzz", shell)) is None


def test_the_probe_is_random_and_on_the_same_site():
    first, second = probe_url("https://Example.org:8443/a/b?c=d"), probe_url("https://Example.org:8443/x")
    assert first.startswith("https://Example.org:8443/") and first.endswith("-no-such-page")
    assert first != second
