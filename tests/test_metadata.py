"""Discovery metadata: the data package's descriptive fields and output/dataset.jsonld, on real builds."""

import hashlib
import json
import subprocess
import sys

import pytest
from pyld import jsonld

from pipeline.curation import read_curation
from tests.conftest import REAL_CURATION

SCHEMA = "https://schema.org/"
MEDIA_TYPES = {
    "resources.csv": "text/csv",
    "resources.json": "application/json",
    "datapackage.json": "application/json",
    "resources.csl.json": "application/vnd.citationstyles.csl+json",
    "resources.ris": "application/x-research-info-systems",
    "resources.bib": "application/x-bibtex",
    "resources.mrc": "application/marc",
    "resources.marcxml": "application/marcxml+xml",
}
# The part of schema.org's context the description uses, served offline: tests never reach the internet.
SCHEMA_CONTEXT = {
    "@vocab": SCHEMA,
    "contentUrl": {"@type": "@id"},
    "url": {"@type": "@id"},
    "license": {"@type": "@id"},
}
DISCOVERY_KEYS = """\
homepage = "https://guide.example.org/mentoring"
contact_email = "guide-keepers@example.org"
keywords = ["mentoring", "medical education", "academic medicine"]

[[dataset.contributors]]
title = "Ann Librarian"
role = "author"
email = "ann@example.org"

[[dataset.contributors]]
title = "Dana Health Sciences Library"
role = "publisher"
path = "https://library.example.org/"
"""


def offline_loader(url, options=None):
    if url.rstrip("/") + "/" != SCHEMA:
        raise AssertionError(f"the description asked for a remote document: {url}")
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": SCHEMA_CONTEXT}}


def expand(document: dict) -> dict:
    [expanded] = jsonld.expand(document, {"documentLoader": offline_loader, "base": "https://data.example.org/r/"})
    return expanded


def value(node: dict, name: str):
    return [item.get("@value", item.get("@id")) for item in node.get(SCHEMA + name, [])]


@pytest.fixture(scope="module")
def described_build(tmp_path_factory):
    """A build whose [dataset] table names a homepage, a contact, keywords and contributors."""
    from pipeline.cli import main

    folder = tmp_path_factory.mktemp("described")
    info = read_curation(REAL_CURATION).dataset
    text = REAL_CURATION.read_text(encoding="utf-8")
    records = text[text.index("\n[[resource]]\n") :]
    facts = {key: getattr(info, key) for key in ("name", "title", "version", "license", "institution", "corrections")}
    table = "".join(f"{key} = {json.dumps(fact, ensure_ascii=False)}\n" for key, fact in facts.items())
    curation = folder / "curation.toml"
    curation.write_text(f"[dataset]\n{table}updated = {info.updated}\n{DISCOVERY_KEYS}{records}", encoding="utf-8")
    out = folder / "out"
    args = ["build", "-q", "--curation", curation, "--out", out, "--processed", folder / "p"]
    assert main([str(arg) for arg in args]) == 0
    return out


def package(folder) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def test_package_names_licence_sources_contributors_and_keywords(real_build):
    described = package(real_build)
    [licence] = described["licenses"]
    assert licence == {
        "name": "CC-BY-4.0",
        "title": "Creative Commons Attribution 4.0 International",
        "path": "https://creativecommons.org/licenses/by/4.0/",
    }
    paths = [source["path"] for source in described["sources"]]
    assert paths == ["data/raw/mentoring-resources.txt", "data/raw/curation.toml"]
    assert all(source["title"] for source in described["sources"])
    curated = read_curation(REAL_CURATION).dataset
    assert described["contributors"] == list(curated.contributors)
    assert described["keywords"] == list(curated.keywords)
    assert "homepage" not in described  # none is curated: nothing is made up


def test_package_takes_discovery_facts_from_the_dataset_table(described_build):
    described = package(described_build)
    assert described["homepage"] == "https://guide.example.org/mentoring"
    assert described["keywords"] == ["mentoring", "medical education", "academic medicine"]
    assert described["contributors"] == [
        {"title": "Ann Librarian", "role": "author", "email": "ann@example.org"},
        {"title": "Dana Health Sciences Library", "role": "publisher", "path": "https://library.example.org/"},
    ]
    command = [sys.executable, "-m", "frictionless", "validate", "--json", str(described_build / "datapackage.json")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert json.loads(result.stdout)["valid"], result.stdout[:3000]


def check_dataset_description(folder) -> dict:
    document = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    node = expand(document)
    assert node["@type"] == [SCHEMA + "Dataset"]
    for name in ("name", "description", "version", "dateModified", "license", "keywords", "creator", "publisher"):
        assert node.get(SCHEMA + name), name
    described = package(folder)
    assert value(node, "version") == [described["version"]]
    assert value(node, "license") == [described["licenses"][0]["path"]]
    assert value(node, "dateModified") == [described["created"][:10]]
    downloads = node[SCHEMA + "distribution"]
    names = set()
    for download in downloads:
        assert download["@type"] == [SCHEMA + "DataDownload"]
        [name] = value(download, "name")
        data = (folder / name).read_bytes()
        assert value(download, "contentUrl") == [f"https://data.example.org/r/{name}"]
        assert value(download, "contentSize") == [f"{len(data)} B"]
        assert value(download, "sha256") == [hashlib.sha256(data).hexdigest()]
        assert value(download, "encodingFormat") == [MEDIA_TYPES[name]]
        names.add(name)
    assert names == set(MEDIA_TYPES)
    return node


def test_jsonld_describes_the_release_as_a_dataset_of_downloads(real_build):
    node = check_dataset_description(real_build)
    [publisher] = node[SCHEMA + "publisher"]
    assert publisher["@type"] == [SCHEMA + "Organization"]
    assert value(publisher, "name") == ["University of Vermont Larner College of Medicine"]
    assert SCHEMA + "url" not in node


def test_jsonld_takes_homepage_contact_keywords_and_authors_from_the_dataset_table(described_build):
    node = check_dataset_description(described_build)
    assert value(node, "url") == ["https://guide.example.org/mentoring"]
    assert value(node, "keywords") == ["mentoring", "medical education", "academic medicine"]
    [creator] = node[SCHEMA + "creator"]
    assert creator["@type"] == [SCHEMA + "Person"] and value(creator, "name") == ["Ann Librarian"]
    [publisher] = node[SCHEMA + "publisher"]
    assert value(publisher, "email") == ["guide-keepers@example.org"]
