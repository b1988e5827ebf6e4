"""Default paths of the project, relative to the current directory (never to where the package is installed).

Build products (`output/`, `data/processed/`) are rebuilt at will; state (`data/state/`: the link
history and the latest link status) lasts between runs, and nothing that cleans build products touches it.
"""

from pathlib import Path

RAW_DIR = Path("data/raw")
PROCESSED_DIR = Path("data/processed")
STATE_DIR = Path("data/state")
OUTPUT_DIR = Path("output")

RAW_GUIDE = RAW_DIR / "mentoring-resources.txt"
CURATION = RAW_DIR / "curation.toml"
LINK_HISTORY = STATE_DIR / "link-history.sqlite"
LINK_STATUS = STATE_DIR / "link-status.json"
RELEASES_DIR = Path("data/releases")  # snapshots of published versions: kept in the repository, never cleaned
DATASET_CSV = OUTPUT_DIR / "resources.csv"
LINK_REPORT_PREFIX = "link-report."  # check-links' files in the output folder; a build carries them over
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def is_link_report(name: str) -> bool:
    return name.startswith(LINK_REPORT_PREFIX)
