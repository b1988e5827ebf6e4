"""Discovery metadata: the data package's descriptive fields and a schema.org description (JSON-LD) of the release."""

import hashlib
import json

from pipeline.citations import is_organisation
from pipeline.curation import DatasetInfo
from schemas.vocabulary import TAGS

RAW_GUIDE_PATH = "data/raw/mentoring-resources.txt"  # paths in the repository
LANDING_PAGE, DOWNLOADS_DIR = "dataset.html", "downloads"  # in the web edition
CURATION_PATH = "data/raw/curation.toml"
LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-By-1.0": ("Open Data Commons Attribution License v1.0", "https://opendatacommons.org/licenses/by/1-0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}
MEDIA_TYPES = {  # longest ending first
    ".csl.json": "application/vnd.citationstyles.csl+json",
    ".json": "application/json",
    ".csv": "text/csv",
    ".ris": "application/x-research-info-systems",
    ".bib": "application/x-bibtex",
    ".mrc": "application/marc",
    ".marcxml": "application/marcxml+xml",
}


def site_address(info: DatasetInfo, page: str = "") -> str | None:
    """The public address of a page of the web edition (`page` relative to the site), when the site's is known."""
    if not info.site_url:
        return None
    return info.site_url.rstrip("/") + "/" + page


def landing_page(info: DatasetInfo) -> str | None:
    """The dataset's own public address: its landing page in the web edition, when the site's address is known."""
    return site_address(info, LANDING_PAGE)


def licence(info: DatasetInfo) -> dict:
    """The licence as Frictionless writes it: SPDX name, title and the page of its text."""
    title, path = LICENCES.get(info.license, (info.license, f"https://spdx.org/licenses/{info.license}.html"))
    return {"name": info.license, "title": title, "path": path}


def contributors(info: DatasetInfo) -> list[dict]:
    """The curated contributors; when none are named, the institution as the publisher."""
    if not info.contributors:
        return [{"title": info.institution, "role": "publisher"}]
    keys = ("title", "role", "email", "path", "organization")
    return [{key: person[key] for key in keys if person.get(key)} for person in info.contributors]


def tags_in_use(resources) -> list[str]:
    """The topic tags the resources carry, in the vocabulary's order."""
    used = {tag for tags in resources["tags"] for tag in tags}
    return [tag for tag in TAGS if tag in used]


def keywords(info: DatasetInfo, tags_in_use: list[str]) -> list[str]:
    """The curated keywords; when none are given, the topic tags the resources carry."""
    return list(info.keywords) or tags_in_use


def package_metadata(info: DatasetInfo, guide_title: str, tags_in_use: list[str]) -> dict:
    """The data package's descriptive fields beyond name, title and version."""
    guide = {"title": f"{guide_title} ({info.institution}), as captured in text", "path": RAW_GUIDE_PATH}
    curated = {"title": "Curated facts, each record citing the public pages they were seen on", "path": CURATION_PATH}
    homepage = landing_page(info) or info.homepage
    fields = {"homepage": homepage} if homepage else {}
    return fields | {
        "keywords": keywords(info, tags_in_use),
        "contributors": contributors(info),
        "licenses": [licence(info)],
        "sources": [guide, curated],
    }


def media_type(name: str) -> str:
    return next((kind for ending, kind in MEDIA_TYPES.items() if name.endswith(ending)), "application/octet-stream")


def agent(name: str, **facts) -> dict:
    """A schema.org Person or Organization, with the facts that are known."""
    kind = "Organization" if is_organisation(name) else "Person"
    return {"@type": kind, "name": name} | {key: value for key, value in facts.items() if value}


def data_download(name: str, data: bytes, info: DatasetInfo) -> dict:
    return {
        "@type": "DataDownload",
        "name": name,
        # Where the web edition offers it, when the site's address is known; else relative: the description is
        # published beside the files it lists.
        "contentUrl": site_address(info, f"{DOWNLOADS_DIR}/{name}") or name,
        "encodingFormat": media_type(name),
        "contentSize": f"{len(data)} B",
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def contact_point(info: DatasetInfo) -> dict:
    """Where readers send corrections, as a schema.org ContactPoint."""
    point = {
        "@type": "ContactPoint",
        "contactType": "corrections",
        "description": f"Send corrections to {info.corrections}.",
    }
    return point | {key: value for key, value in (("email", info.contact_email), ("url", info.contact_url)) if value}


def to_jsonld(
    info: DatasetInfo, downloads: dict[str, bytes], modified: str, guide_title: str, tags: list[str]
) -> bytes:
    """A schema.org Dataset describing the release, each file a DataDownload (for dataset search engines)."""
    people = contributors(info)
    authors = [p for p in people if p.get("role") in ("author", "creator")] or [{"title": info.institution}]
    publisher = agent(info.institution, email=info.contact_email, url=info.contact_url)
    dataset = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": info.title,
        "alternateName": info.name,
        "description": info.description or info.title,
        "url": landing_page(info) or info.homepage,
        "identifier": landing_page(info),
        "version": info.version,
        "dateModified": modified,
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "license": licence(info)["path"],
        "keywords": keywords(info, tags),
        "creator": [agent(p["title"], email=p.get("email"), url=p.get("path")) for p in authors],
        "publisher": publisher | {"@type": "Organization"},
        "contactPoint": contact_point(info),
        "isBasedOn": {"@type": "CreativeWork", "name": guide_title, "publisher": info.institution},
        "distribution": [data_download(name, data, info) for name, data in downloads.items()],
    }
    dataset = {key: value for key, value in dataset.items() if value is not None}
    return (json.dumps(dataset, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
