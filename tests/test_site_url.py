"""The address of the edition (issue 20): --site-url or site_url makes the discovery metadata absolute."""

import json
import re

import pytest
from pyld import jsonld

from pipeline import config
from tests.conftest import REAL_CURATION

SITE = "https://guide.example.edu/mentoring"
SCHEMA = "http://schema.org/"
# The part of schema.org's context the description uses, served offline: tests never reach the internet.
CONTEXT = {
    "@vocab": SCHEMA,
    "contentUrl": {"@type": "@id"},
    "url": {"@type": "@id"},
    "license": {"@type": "@id"},
    "identifier": {"@type": "@id"},
}


def offline_loader(url, options=None):
    if url.rstrip("/").replace("http://", "https://") != "https://schema.org":
        raise AssertionError(f"the description asked for a remote document: {url}")
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": CONTEXT}}


def values(node: dict, name: str) -> list:
    return [item.get("@value", item.get("@id")) for item in node.get(SCHEMA + name, [])]


@pytest.fixture(scope="module")
def sited(tmp_path_factory):
    from pipeline.cli import main

    folder = tmp_path_factory.mktemp("sited")
    args = ["build", "-q", "--site-url", SITE, "--out", folder / "out", "--processed", folder / "p"]
    args += ["--releases", folder / "releases"]
    assert main([str(arg) for arg in args]) == 0
    return folder / "out"


def embedded_jsonld(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', page, re.S).group(1))


def test_the_site_url_is_the_homepage_url_identifier_canonical_and_download_base(sited):
    landing = f"{SITE}/dataset.html"
    package = json.loads((sited / config.PACKAGE_NAME).read_text(encoding="utf-8"))
    assert package["homepage"] == landing
    described = json.loads((sited / config.JSONLD_NAME).read_text(encoding="utf-8"))
    assert (described["url"], described["identifier"]) == (landing, landing)
    assert {d["contentUrl"] for d in described["distribution"]} == {
        f"{SITE}/downloads/{d['name']}" for d in described["distribution"]
    }
    pages = {name: (sited / "site" / name).read_text(encoding="utf-8") for name in ("index.html", "dataset.html")}
    assert f'<link rel="canonical" href="{SITE}/">' in pages["index.html"]
    assert f'<link rel="canonical" href="{landing}">' in pages["dataset.html"]
    assert embedded_jsonld(pages["dataset.html"])["distribution"][0]["contentUrl"].startswith(f"{SITE}/downloads/")


@pytest.mark.parametrize("source", ["file", "page"])
def test_the_jsonld_expands_and_gives_what_dataset_search_asks_for(sited, source):
    if source == "file":
        document = json.loads((sited / config.JSONLD_NAME).read_text(encoding="utf-8"))
    else:
        document = embedded_jsonld((sited / "site" / "dataset.html").read_text(encoding="utf-8"))
    [node] = jsonld.expand(document, {"documentLoader": offline_loader})
    assert node["@type"] == [SCHEMA + "Dataset"]
    # Required by Google Dataset Search: a name and a description of 50 to 5,000 characters.
    [name], [description] = values(node, "name"), values(node, "description")
    assert name and 50 <= len(description) <= 5000
    # Recommended, all that the data can supply.
    assert values(node, "url") == values(node, "identifier") == [f"{SITE}/dataset.html"]
    assert values(node, "license") == ["https://creativecommons.org/licenses/by/4.0/"]
    assert values(node, "version") and values(node, "keywords") and node[SCHEMA + "isAccessibleForFree"]
    assert node[SCHEMA + "creator"] and node[SCHEMA + "publisher"]
    [contact] = node[SCHEMA + "contactPoint"]
    assert contact["@type"] == [SCHEMA + "ContactPoint"] and values(contact, "contactType") == ["corrections"]
    assert values(contact, "description")[0].startswith("Send corrections to the Dana Medical Library")
    downloads = node[SCHEMA + "distribution"]
    assert len(downloads) >= 6
    for download in downloads:
        assert download["@type"] == [SCHEMA + "DataDownload"]
        [address] = values(download, "contentUrl")
        assert address.startswith(f"{SITE}/downloads/") and values(download, "encodingFormat")


def test_without_a_site_url_everything_stays_relative(real_build):
    described = json.loads((real_build / config.JSONLD_NAME).read_text(encoding="utf-8"))
    assert "identifier" not in described
    assert all("://" not in download["contentUrl"] for download in described["distribution"])
    assert described["contactPoint"]["contactType"] == "corrections"
    for page in ("index.html", "dataset.html"):
        assert 'rel="canonical"' not in (real_build / "site" / page).read_text(encoding="utf-8")


def test_site_url_in_the_dataset_table_does_the_same_and_a_bad_one_is_a_usage_error(tmp_path, run_cli):
    text = REAL_CURATION.read_text(encoding="utf-8").replace("license = ", f'site_url = "{SITE}/"\nlicense = ', 1)
    curation = tmp_path / "curation.toml"
    curation.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli("build", "-q", "--curation", curation, "--out", out, "--processed", tmp_path / "p")
    assert run.status == 0, run.err
    assert json.loads((out / config.PACKAGE_NAME).read_text(encoding="utf-8"))["homepage"] == f"{SITE}/dataset.html"
    bad = run_cli("build", "--site-url", "javascript:alert(1)", "--out", tmp_path / "o2")
    assert bad.status == 2 and "is not an http(s) address" in bad.err and not (tmp_path / "o2").exists()
