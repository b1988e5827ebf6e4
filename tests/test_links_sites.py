"""Soft 404s and https upgrades against loopback sites: each kind of site, and the pages that must stay `ok`."""

import json
import shutil
import ssl
import subprocess

import pytest

from pipeline.linkcheck.schedule import check_links
from pipeline.linkcheck.sites import https_twin
from pipeline.linkcheck.status import LinkStatus, Options, Suggestion
from tests import sites_server
from tests.links_server import write_dataset
from tests.sites_server import Sites

FAST = Options(timeout=2, deadline=5, retries=0, concurrency=8, per_host=8)


@pytest.fixture(scope="module")
def checked():
    with Sites() as sites:
        cases = {
            "honest /real": sites.url("honest", "/real"),
            "honest /removed": sites.url("honest", "/removed"),
            "honest /missing": sites.url("honest", "/missing"),
            "home-redirect /old": sites.url("home-redirect", "/old-article"),
            "home-redirect /": sites.url("home-redirect", "/"),
            "home-redirect /real": sites.url("home-redirect", "/real"),
            "catch-all /old": sites.url("catch-all", "/old-article"),
            "catch-all /real": sites.url("catch-all", "/real"),
            "parked /resource": sites.url("parked", "/resource"),
        }
        results = {result.url: result for result in check_links(list(cases.values()), FAST)}
        yield {case: results[url] for case, url in cases.items()}, sites


@pytest.mark.parametrize(
    "case, status",
    [
        ("honest /real", "ok"),
        ("honest /removed", "soft-404"),
        ("honest /missing", "broken"),
        ("home-redirect /old", "soft-404"),
        ("home-redirect /", "ok"),
        ("home-redirect /real", "ok"),
        ("catch-all /old", "soft-404"),
        ("catch-all /real", "ok"),
        ("parked /resource", "soft-404"),
    ],
)
def test_each_kind_of_site(checked, case, status):
    assert checked[0][case].status == status


def test_soft_404s_say_why(checked):
    results, sites = checked
    assert results["honest /removed"].detail == "the page's title says 'Page Not Found | Example College'"
    assert results["home-redirect /old"].detail == (
        f"redirected to {sites.url('home-redirect', '/')}, where this site sends any address that does not exist"
    )
    assert results["catch-all /old"].detail.startswith("the same page (title 'Example College', ")
    assert (
        results["parked /resource"].detail == "a parked domain: the page's main heading says 'This domain is for sale'"
    )
    assert all(
        results[case].error == "soft-404" and results[case].failing
        for case in ("honest /removed", "home-redirect /old", "catch-all /old", "parked /resource")
    )


def test_a_real_article_that_says_not_found_stays_ok(checked):
    results, _ = checked
    assert (results["honest /real"].status, results["honest /real"].detail) == (LinkStatus.OK, "")


# ---- https upgrades ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, twin",
    [
        ("http://a.test/x?y=1#z", "https://a.test/x?y=1#z"),
        ("HTTP://a.test", "https://a.test"),
        ("http://a.test:80/x", "https://a.test/x"),
        ("http://a.test:8080/x", None),
        ("https://a.test/x", None),
        ("http://user:secret@a.test/x", None),
        ("http://[::1]/x", "https://[::1]/x"),
    ],
)
def test_the_https_twin_is_on_the_default_port_only(url, twin):
    assert https_twin(url, {80: 443}) == twin


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made for this run."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            folder / "key.pem",
            "-out",
            folder / "cert.pem",
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def twin_pages(path: str):
    """The https side: /real is the same article; /changed has another title; /gone is the same article sent
    with 404 (a missing page, however alike); anything else is missing."""
    if path == "/real":
        return 200, sites_server.html(sites_server.ARTICLE.replace("http://", "https://"), path), None
    if path == "/gone":
        return 404, sites_server.html(sites_server.ARTICLE, path), None
    if path == "/changed":
        return 200, sites_server.html(sites_server.HOME, path), None
    return 404, b"missing", None


def plain_pages(path: str):
    if path in ("/real", "/changed", "/only-http", "/gone"):
        return 200, sites_server.html(sites_server.ARTICLE, path), None
    return 404, b"missing", None


def test_an_http_url_whose_https_twin_is_the_same_page_gets_an_upgrade(certificate, monkeypatch):
    cert, key = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with (
        Sites({"plain": plain_pages}) as plain,
        Sites({"twin": twin_pages}, tls=tls) as secure,
        Sites({"no-tls": plain_pages}) as no_tls,
    ):
        options = Options(
            timeout=2,
            deadline=5,
            retries=0,
            https_ports={plain.port("plain"): secure.port("twin"), no_tls.port("no-tls"): no_tls.port("no-tls")},
        )
        urls = [plain.url("plain", path) for path in ("/real", "/changed", "/only-http", "/gone")] + [
            no_tls.url("no-tls", "/real")
        ]
        results = {result.url: result for result in check_links(urls, options)}
        upgraded = results[plain.url("plain", "/real")]
        assert (upgraded.status, upgraded.suggested_url, upgraded.suggestion) == (
            LinkStatus.OK,
            secure.url("twin", "/real", "https"),
            Suggestion.HTTPS,
        )
        for path in ("/changed", "/only-http", "/gone"):  # another page, or none, over https: no suggestion
            assert results[plain.url("plain", path)].suggested_url is None
        refused = results[no_tls.url("no-tls", "/real")]  # a port that speaks no TLS
        assert (refused.status, refused.suggested_url) == (LinkStatus.OK, None)
        assert refused.elapsed < options.timeout  # the TLS handshake failed at once: no timeout waited out


def test_a_site_is_asked_for_an_address_that_cannot_exist_once_a_run(run_cli, place):
    """However many of its pages need the comparison, a site is asked once a night, and again the next night."""

    def probes(kind: str) -> int:
        return sum(path.endswith("-no-such-page") for path in sites.asked(kind))

    def night() -> dict[str, str]:
        assert run_cli(*place.args("--retries", "0", "--fail-on", "never")).status == 0
        report = json.loads((place.out / "link-report.json").read_text(encoding="utf-8"))
        return {row["url"].rsplit("/", 1)[1]: row["status"] for row in report["results"]}

    with Sites() as sites:
        rows = [("old", "catch-all", "/old-article"), ("real", "catch-all", "/real"), ("honest", "honest", "/real")]
        write_dataset(place.dataset, [(name, "Websites", name, sites.url(kind, path)) for name, kind, path in rows])
        expected = {"old-article": "soft-404", "real": "ok"}
        assert night() == expected and (probes("catch-all"), probes("honest")) == (1, 1)
        assert night() == expected and (probes("catch-all"), probes("honest")) == (2, 2)
