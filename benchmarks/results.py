"""Shared by the benchmark scripts: the machine line, and writing one section of RESULTS.md in place."""

import datetime as dt
import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TITLE = (
    "# Benchmark results\n\n"
    "Each section is rewritten by the script it names; figures are from one run on the machine given.\n"
)


def machine_line() -> str:
    """Which machine and when: benchmark figures mean nothing without it."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    system = f"{platform.system()} {platform.release()}"
    return (
        f"Machine: {platform.node()} — {system}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; run {now}."
    )


def write_section(heading: str, body: str) -> None:
    """Replace (or add) the `## heading` section of RESULTS.md, leaving the others as they are."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else TITLE
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n", encoding="utf-8")
