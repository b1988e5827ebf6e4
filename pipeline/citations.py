"""Citation files for reference managers: CSL-JSON, RIS and BibTeX (biblatex), made from the validated table."""

import json
import re
from dataclasses import dataclass

from pandera.typing import DataFrame

from pipeline.config import BIBTEX_NAME, CSL_NAME, RIS_NAME
from pipeline.export import records
from pipeline.presentation import same_body
from schemas.resource import Resource


@dataclass(frozen=True)
class CitationType:
    """How one kind of resource is cited in each format."""

    csl: str
    ris: str
    bibtex: str
    contained: bool  # the `publisher` column names the journal, magazine or blog the item appeared in


CITATION_TYPES = {
    "article": CitationType("article-magazine", "MGZN", "article", contained=True),
    "journal-article": CitationType("article-journal", "JOUR", "article", contained=True),
    "blog-post": CitationType("post-weblog", "BLOG", "online", contained=True),
    "blog": CitationType("webpage", "BLOG", "online", contained=False),
    "book": CitationType("book", "BOOK", "book", contained=False),
    "journal": CitationType("periodical", "JFULL", "periodical", contained=False),
    "video": CitationType("motion_picture", "VIDEO", "video", contained=False),
    "webinar": CitationType("motion_picture", "VIDEO", "video", contained=False),
    "podcast": CitationType("broadcast", "SOUND", "audio", contained=False),
    "website": CitationType("webpage", "ELEC", "online", contained=False),
    "collection": CitationType("collection", "ELEC", "online", contained=False),
    "campus-resource": CitationType("webpage", "ELEC", "online", contained=False),
}

# A creator written "Family, Given" is a person, unless a word shows it is a body ("Wellness Committee, Larner
# College of Medicine"); anything else is an organisation, cited by its name as it is.
ORGANISATION_WORDS = re.compile(
    r"\b(?:academy|association|board|cent(?:er|re)|coalition|colleges?|committee|council|department|division|"
    r"foundation|group|inc|institute|library|llc|network|office|press|programme|program|school|services|society|"
    r"team|university)\b",
    re.I,
)
BIBTEX_ESCAPES = {char: "\\" + char for char in "&%$#_{}"}
BIBTEX_ESCAPES |= {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
BIBTEX_SPECIALS = re.compile("[" + re.escape("".join(BIBTEX_ESCAPES)) + "]")


def is_organisation(name: str) -> bool:
    return bool(ORGANISATION_WORDS.search(name) or re.search(r"[\d()]", name))


def person_name(creator: str) -> tuple[str, str] | None:
    """(family, given) for a person written 'Family, Given'; None for an organisation."""
    parts = [part.strip() for part in creator.split(",")]
    if len(parts) != 2 or not all(parts) or is_organisation(creator):
        return None
    return parts[0], parts[1]


def one_line(text: str) -> str:
    return " ".join(text.split())


def cited_title(resource: dict) -> str:
    """The title as the table holds it: a title that is not known is already a devised one in square brackets,
    as APA marks a description."""
    return resource["title"]


def cited_publisher(resource: dict) -> str | None:
    """The publisher, unless it is one of the creators: a body that is both is named once, as in every edition."""
    publisher = resource["publisher"]
    if not publisher or any(same_body(publisher, creator) for creator in resource["creators"]):
        return None
    return publisher


def csl_item(resource: dict) -> dict:
    kind = CITATION_TYPES[resource["type"]]
    item = {"id": resource["id"], "type": kind.csl, "title": cited_title(resource)}
    names = [person_name(creator) for creator in resource["creators"]]
    if resource["creators"]:
        item["author"] = [
            {"family": name[0], "given": name[1]} if name else {"literal": creator}
            for creator, name in zip(resource["creators"], names, strict=True)
        ]
    if resource["year"] is not None:
        item["issued"] = {"date-parts": [[resource["year"]]]}
    if publisher := cited_publisher(resource):
        item["container-title" if kind.contained else "publisher"] = publisher
    if resource["doi"]:
        item["DOI"] = resource["doi"]
    if resource["isbn"]:
        item["ISBN"] = " ".join(resource["isbn"])
    if resource["url"]:
        item["URL"] = resource["url"]
    item["abstract"] = one_line(resource["description"])
    if resource["tags"]:
        item["keyword"] = ", ".join(resource["tags"])
    return item  # bibliographic data only: the reader's note stays in the dataset and the web edition


def to_csl_json(resources: DataFrame[Resource]) -> bytes:
    """CSL-JSON (the input format of citeproc processors, Zotero and Mendeley), one item per resource."""
    items = [csl_item(resource) for resource in records(resources)]
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def ris_record(resource: dict) -> list[str]:
    kind = CITATION_TYPES[resource["type"]]
    lines = [("TY", kind.ris), ("ID", resource["id"]), ("TI", cited_title(resource))]
    lines += [("AU", creator) for creator in resource["creators"]]
    if resource["year"] is not None:
        lines.append(("PY", str(resource["year"])))
    if publisher := cited_publisher(resource):
        lines.append(("T2" if kind.contained else "PB", publisher))
    if resource["doi"]:
        lines.append(("DO", resource["doi"]))
    if resource["isbn"]:
        lines.append(("SN", " ".join(resource["isbn"])))
    if resource["url"]:
        lines.append(("UR", resource["url"]))
    lines.append(("AB", one_line(resource["description"])))
    lines += [("KW", tag) for tag in resource["tags"]]
    lines.append(("ER", ""))
    return [f"{tag}  - {one_line(value)}".rstrip() + (" " if tag == "ER" else "") for tag, value in lines]


def to_ris(resources: DataFrame[Resource]) -> bytes:
    """RIS (EndNote, Zotero, Mendeley), one record per resource, records separated by a blank line."""
    text = "\n\n".join("\n".join(ris_record(resource)) for resource in records(resources))
    return (text + "\n").encode("utf-8")


def bibtex_text(text: str) -> str:
    """A value with LaTeX's special characters escaped (URL and DOI fields are verbatim and left as they are)."""
    return BIBTEX_SPECIALS.sub(lambda match: BIBTEX_ESCAPES[match.group()], one_line(text))


def bibtex_name(creator: str) -> str:
    name = person_name(creator)
    return f"{bibtex_text(name[0])}, {bibtex_text(name[1])}" if name else "{" + bibtex_text(creator) + "}"


def bibtex_publisher_field(kind: CitationType) -> str:
    """Where biblatex puts the `publisher` column: the journal of an article, the site of an online item."""
    if kind.bibtex == "article":
        return "journal"
    return "organization" if kind.bibtex == "online" else "publisher"


def bibtex_entry(resource: dict) -> str:
    kind = CITATION_TYPES[resource["type"]]
    fields = [("title", bibtex_text(cited_title(resource)))]
    if resource["creators"]:
        fields.append(("author", " and ".join(bibtex_name(creator) for creator in resource["creators"])))
    if resource["year"] is not None:
        fields.append(("year", str(resource["year"])))
    if publisher := cited_publisher(resource):
        fields.append((bibtex_publisher_field(kind), bibtex_text(publisher)))
    if resource["doi"]:
        fields.append(("doi", resource["doi"]))
    if resource["isbn"]:
        fields.append(("isbn", " ".join(resource["isbn"])))
    if resource["url"]:
        fields.append(("url", resource["url"]))
    if resource["tags"]:
        fields.append(("keywords", ", ".join(resource["tags"])))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind.bibtex}{{{resource['id']},\n{body}\n}}\n"


def to_bibtex(resources: DataFrame[Resource]) -> bytes:
    """BibTeX in biblatex's entry types (@online, @audio, @video, @periodical), UTF-8, keyed by resource id."""
    return "\n".join(bibtex_entry(resource) for resource in records(resources)).encode("utf-8")


def citation_files(resources: DataFrame[Resource]) -> dict[str, bytes]:
    return {CSL_NAME: to_csl_json(resources), RIS_NAME: to_ris(resources), BIBTEX_NAME: to_bibtex(resources)}
