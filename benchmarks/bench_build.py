"""Time and memory of the dataset build (everything but the handbook, which bench_handbook.py times).

Measured on the real guide and on synthetic guides of growing size.

Run: python benchmarks/bench_build.py   (writes its section of benchmarks/RESULTS.md)

Each size runs in a fresh subprocess so peak memory (max RSS) is its own. Linear growth shows as a
steady time per entry and memory per entry from 1,000 to 3,000 entries (near the 2 MB limit).
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine_line, write_section
from synthetic import synthetic_guide

ROOT = Path(__file__).resolve().parent.parent


def child(raw: Path, curation: Path, work: Path) -> None:
    """In a fresh process: import, then build and publish the dataset files; print the figures as JSON."""
    import resource
    import time

    started = time.perf_counter()
    from pipeline.build import Paths, build_date, dataset_files, prepare
    from pipeline.publish import publish

    imported = time.perf_counter()
    paths = Paths(
        raw=raw,
        curation=curation,
        out=work / "out",
        processed=work / "processed",
        releases=work / "releases",
        link_status=work / "no-link-status.json",
    )
    prepared = prepare(paths)
    publish(dataset_files(prepared, build_date(prepared.curation)), paths.out)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "build_s": done - imported,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def measure(raw: Path, curation: Path, work: Path) -> dict:
    shutil.rmtree(work / "releases", ignore_errors=True)  # each guide is a first release of its own
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(raw), str(curation), str(work)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        real = measure(ROOT / "data/raw/mentoring-resources.txt", ROOT / "data/raw/curation.toml", work)
        rows.append(("real guide", 45, real))
        for entries in (1000, 2000, 3000):  # 3,000 synthetic entries come near the 2 MB limit of a guide
            guide, curation = synthetic_guide(entries, curated_every=2)
            (work / "guide.txt").write_text(guide, encoding="utf-8")
            (work / "curation.toml").write_text(curation, encoding="utf-8")
            rows.append((f"synthetic {entries}", entries, measure(work / "guide.txt", work / "curation.toml", work)))
    base = rows[1][2]
    table = [
        "| guide | entries | build (s) | ms per entry | import (s) | peak RSS (MB) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, entries, m in rows:
        table.append(
            f"| {name} | {entries} | {m['build_s']:.2f} | {1000 * m['build_s'] / entries:.2f} | "
            f"{m['import_s']:.2f} | {m['max_rss_mb']:.0f} |"
        )
    largest = rows[-1][2]
    ratio_time = (largest["build_s"] / 3000) / (base["build_s"] / 1000)
    extra_mb_per_1000 = (largest["max_rss_mb"] - base["max_rss_mb"]) / 2
    summary = (
        f"Time per entry at 3,000 entries is {ratio_time:.2f}× that at 1,000 (1.0 = linear); "
        f"memory grows by {extra_mb_per_1000:.1f} MB per 1,000 entries above the interpreter's base."
    )
    body = "\n".join(
        [
            machine_line(),
            "",
            *table,
            "",
            summary,
            "",
            "Build = ingest, normalise (curation matched through a word-trigram index), validate, "
            "export and publish of the datasets; the handbook is timed in its own section, and the "
            "whole `build` of the real guide there too.",
        ]
    )
    print(body)
    write_section("Dataset build (bench_build.py)", body)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.path.insert(0, str(ROOT))
        child(*map(Path, sys.argv[2:5]))
    else:
        main()
