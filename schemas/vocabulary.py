"""Controlled vocabularies of the dataset; README.md documents each term."""

SECTIONS = (
    "Articles",
    "Blog Posts",
    "Books & E-Books",
    "Medical Journals & Journal Articles",
    "Videos",
    "Podcasts",
    "Websites",
    "UVM and Larner Resources",
)

SECTION_TYPES = {
    "Articles": "article",
    "Blog Posts": "blog-post",
    "Books & E-Books": "book",
    "Medical Journals & Journal Articles": "journal-article",
    "Videos": "video",
    "Podcasts": "podcast",
    "Websites": "website",
    "UVM and Larner Resources": "campus-resource",
}

TYPES = (
    "article",
    "blog",
    "blog-post",
    "book",
    "journal",
    "journal-article",
    "video",
    "webinar",
    "podcast",
    "website",
    "collection",
    "campus-resource",
)

TAGS = (
    "mentoring-relationships",
    "mentee-skills",
    "mentor-development",
    "career-planning",
    "specialty-choice",
    "diversity-equity-inclusion",
    "anti-racism",
    "underrepresented-in-medicine",
    "women-in-medicine",
    "first-generation",
    "professional-identity",
    "peer-mentoring",
    "wellness",
    "leadership",
    "research",
    "writing",
    "medical-education",
    "community-resources",
)

# What readers are told about a link (the link-health table's `status`), as pipeline.link_health.LinkState
# names them: ok; broken (confirmed); failing (not confirmed); blocked (the site refused the checker); unchecked.
LINK_STATES = ("ok", "broken", "failing", "blocked", "unchecked")

# Whether a resource's year is known: known (the `year` column holds it); unknown (looked for, and no public
# page shows it); not-researched (nobody has looked yet).
YEAR_STATUSES = ("known", "unknown", "not-researched")
ISBN13_PATTERN = r"^97[89]\d{10}$"

AUDIENCES = ("students", "residents", "fellows", "faculty", "mentors", "staff", "educators")

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DOI_PATTERN = r"^10\.\d{4,9}/\S+$"
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
# A plain e-mail address: nothing a mailto: link could carry besides (no ?cc=, no second address, no spaces).
EMAIL_PATTERN = (
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
# Semantic Versioning 2.0.0 (semver.org), and nothing else: a version names a file of data/releases/.
SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

# Limits of what can be published: a QR code (version 40, level M) holds 2,331 bytes, and check-links
# reads the CSV with Python's default field limit of 131,072 characters. An address is limited in the bytes
# of its UTF-8 form, which is what the QR code holds (a non-ASCII character takes two to four).
MAX_URL_LENGTH = 2000
MAX_CELL_LENGTH = 100_000
# Characters that must not be published: controls, bidi overrides and isolates, zero-width and other
# invisible format characters (as character-class ranges; tabs and newlines are white space, and
# single-line fields refuse them too).
INVISIBLE_CHARACTERS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f",  # C0 and C1 controls but the tab and the newline
    "\u00ad\u061c\u180e",  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    "\u200b-\u200f\u202a-\u202e\u2060-\u2069\u206a-\u206f",  # zero-width, marks, bidi embeddings and isolates
    "\ufeff\ufff9-\ufffb",  # zero-width no-break space, interlinear annotation
)

# Sources are the public pages that show a fact: the publisher's, doi.org, PubMed or PubMed Central,
# a library catalogue, an organisation's or the author's own page. These hosts (and every subdomain
# of them) are refused as sources: they are document-sharing, mirror or download sites that
# republish copyrighted books and articles, or copy other sites' pages, without the owner's
# leave. A library catalogue cannot show them. Add a host here when such a site turns up.
DENYLISTED_SOURCE_HOSTS = (
    "1lib.sk",
    "abcdocz.com",
    "annas-archive.org",
    "coek.info",
    "datapdf.com",
    "docksci.com",
    "docplayer.net",
    "docslib.org",
    "doczz.net",
    "dokumen.pub",
    "dokumen.tips",
    "epdf.pub",
    "fdocuments.in",
    "fdocuments.net",
    "fliphtml5.com",
    "libgen.is",
    "libgen.rs",
    "moam.info",
    "paperzz.com",
    "pdfcoffee.com",
    "pdfdrive.com",
    "pdfslide.net",
    "pdfslide.us",
    "readkong.com",
    "sci-hub.se",
    "scribd.com",
    "slidelegend.com",
    "slideshare.net",
    "studocu.com",
    "studylib.net",
    "vdoc.pub",
    "vdocument.in",
    "vdocuments.net",
    "vdocuments.us",
    "z-lib.org",
)
# A source on a bare IP address (http://192.0.2.7/…, http://[2001:db8::1]/…) is refused as well:
# public pages are cited by their site's name, and bare addresses are typically unofficial copies.
