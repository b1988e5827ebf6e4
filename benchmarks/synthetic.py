"""A synthetic guide of any size, in the raw guide's format, with curation records: input for the benchmarks."""

import json
import random
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline.text import UVM_MARK
from schemas.vocabulary import SECTIONS as VOCABULARY_SECTIONS

# The headings as the capture prints them: the university's short name is the mark the pipeline repairs.
SECTIONS = [section.replace("UVM", UVM_MARK) for section in VOCABULARY_SECTIONS]
TAGS = [
    "mentoring-relationships",
    "mentee-skills",
    "mentor-development",
    "career-planning",
    "wellness",
    "leadership",
    "research",
    "writing",
    "medical-education",
    "peer-mentoring",
]
WORDS = [
    "mentor",
    "mentee",
    "student",
    "resident",
    "faculty",
    "career",
    "research",
    "wellness",
    "leadership",
    "identity",
    "peer",
    "medicine",
    "program",
    "support",
    "guidance",
    "inclusion",
    "diversity",
    "training",
    "academic",
    "clinical",
]
DATASET = textwrap.dedent("""\
    [dataset]
    name = "synthetic"
    title = "Synthetic guide"
    version = "0.0.0"
    updated = 2026-01-01
    license = "CC-BY-4.0"
    institution = "Benchmark College"
    corrections = "nobody"
    """)


def synthetic_guide(entries: int, *, curated_every: int = 1, seed: int = 1) -> tuple[str, str]:
    """(guide text, curation TOML): `entries` unique descriptions over the 8 sections; every
    `curated_every`-th entry has a full record (title, creators, year, publisher, address, three tags)."""
    rng = random.Random(seed)
    lines = ["\u033d\u033d", "", "Mentoring Resources", "", "Synthetic guide", ""]
    records = [DATASET]
    number = 0
    for section in SECTIONS:
        lines += [section, "", "Body", ""]
        for _ in range(entries // len(SECTIONS)):
            number += 1
            text = " ".join(rng.choice(WORDS) for _ in range(70))
            lines += [f"Entry {number} marker{number}x is about {text}.", "", ""]
            if number % curated_every:
                continue
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))).capitalize()
            url = f"https://resources.example.org/{section.split()[0].lower()}/entry-{number}/{'-'.join(title.split()[:6])}"
            records.append(
                f'[[resource]]\nid = "r-{number}"\nmatch = "Entry {number} marker{number}x is"\n'
                f'title = "{title} {number}"\ncreators = ["Doe, Jane", "Roe, Richard"]\nyear = 2020\n'
                f'publisher = "Journal of Examples"\nurl = "{url}"\ntags = {json.dumps(rng.sample(TAGS, 3))}\n'
                f'audience = ["students"]\nsources = ["{url}"]\n'
            )
    return "\n".join(lines) + "\n", "\n".join(records)
