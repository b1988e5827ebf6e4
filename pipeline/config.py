"""Default paths of the project, derived from this file's location (no I/O on import)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
OUTPUT_DIR = PROJECT_ROOT / "output"

RAW_GUIDE = RAW_DIR / "mentoring-resources.txt"
CURATION = RAW_DIR / "curation.toml"
LINK_HISTORY = PROCESSED_DIR / "link-history.sqlite"
LINK_STATUS = PROCESSED_DIR / "link-status.json"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
