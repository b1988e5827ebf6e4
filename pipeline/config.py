"""Default paths of the project, relative to the current directory (never to where the package is installed).

Build products (`output/`, `data/processed/`) are rebuilt at will; state (`data/state/`: the link
history and the latest link status) lasts between runs, and nothing that cleans build products touches it.
"""

from pathlib import Path

RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
STATE_DIR = Path("data/state")
OUTPUT_DIR = Path("output")

# The names of the files in the output folder (and of the validation report in the processed folder), defined once.
CSV_NAME = "resources.csv"
JSON_NAME = "resources.json"
PACKAGE_NAME = "datapackage.json"
CSL_NAME, RIS_NAME, BIBTEX_NAME = "resources.csl.json", "resources.ris", "resources.bib"
JSONLD_NAME = "dataset.jsonld"
MARC_NAME, MARCXML_NAME = "resources.mrc", "resources.marcxml"
CHANGELOG_NAME, CHANGES_NAME = "CHANGELOG.md", "changes.json"
QUALITY_NAME = "data-quality.json"
LINK_HEALTH_CSV, LINK_HEALTH_JSON = "link-health.csv", "link-health.json"  # rewritten by every build, never versioned
PROVENANCE_NAME = "entry-lines.json"  # in the processed folder: where each resource's entry sat in the capture
PDF_NAME = "handbook.pdf"
LINK_REPORT_PREFIX = "link-report."  # check-links' files in the output folder; a build carries them over
LINK_REPORT_TXT, LINK_REPORT_MD, LINK_REPORT_JSON, LINK_REPORT_HTML = (
    LINK_REPORT_PREFIX + ext for ext in ("txt", "md", "json", "html")
)
VALIDATION_REPORT = "validation-report.json"

RAW_GUIDE = RAW_DIR / "mentoring-resources.txt"
CURATION = RAW_DIR / "curation.toml"
LINK_HISTORY = STATE_DIR / "link-history.sqlite"
LINK_STATUS = STATE_DIR / "link-status.json"
RELEASES_DIR = Path("data/releases")  # snapshots of published versions: kept in the repository, never cleaned
DATASET_CSV = OUTPUT_DIR / CSV_NAME
REVIEW_FILE = Path("data/review/candidates.toml")  # find's review of candidates, for a librarian to judge
FIND_CACHE = Path("data/cache/find.sqlite")  # find's answers from the services, kept a week
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Defaults of the commands' options that are not paths, defined once: the library's signatures and the CLI use them.
PAPER_SIZES = {"letter": "letter", "a4": "A4"}  # the handbook's paper sizes, each with its CSS page size
PAPER = "letter"
CONFIRM_AFTER = 2  # check-links: failing runs in a row before a URL is confirmed broken
FAIL_ON_CHOICES = ("never", "new", "any")  # check-links exits 1 when a URL is newly broken, failing at all, or never
FAIL_ON = "new"
KEEP_DAYS = 400  # check-links keeps each check, and the state of a URL it no longer checks, for so many days
ARCHIVE_URL = "https://archive.org"  # where check-links looks for archived copies of failing links
# The services `find` asks, each at its API's address (`--NAME-url` changes one).
FIND_BASES = {
    "crossref": "https://api.crossref.org",
    "openlibrary": "https://openlibrary.org",
    "pubmed": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
    "archive": ARCHIVE_URL,
}


def is_link_report(name: str) -> bool:
    return name.startswith(LINK_REPORT_PREFIX)
