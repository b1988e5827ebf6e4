"""Time the printed handbook: our share (data loading, templating, QR codes) against WeasyPrint's (layout, drawing).

Run: python benchmarks/bench_handbook.py   (writes its section of benchmarks/RESULTS.md)

Measured for the real guide and for a synthetic guide of 1,000 entries (every one curated, with an
address, hence a QR code, and three topic tags, hence a long index). Each guide is measured in a
fresh subprocess, after one warm-up render of a tiny page so WeasyPrint's one-off start-up (fonts,
stylesheets) is not charged to either side, and likewise pandera's one-off backend registration.
Targets: our share ≤ 10 % of the handbook's time; the real guide's whole `mentor-guide build`
(a fresh process: imports, every output, publish) < 3 s; the real guide's handbook at least 15 % fewer
pages than before the paper-saving layout of issue 12 (Letter 27, A4 26).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine_line, write_section
from synthetic import synthetic_guide

ROOT = Path(__file__).resolve().parent.parent
# The real guide's handbook before the paper-saving layout (every section on a new page), and its build time.
PAGES_BEFORE = {"letter": 27, "a4": 26}
BUILD_BEFORE_S = 2.8


def child(raw: Path, curation: Path, work: Path, paper: str) -> None:
    """In a fresh process: warm up, then time each step of the handbook; print the figures as JSON."""
    import pandas as pd
    import pandera.pandas as pa
    import weasyprint

    from pipeline import handbook
    from pipeline.build import Paths, build_date, prepare

    weasyprint.HTML(string="<p>warm-up</p>").write_pdf()  # one-off start-up, charged to neither side
    # Likewise pandera's one-off backend registration, which imports hypothesis when that is installed.
    pa.DataFrameSchema({"a": pa.Column(int)}).validate(pd.DataFrame({"a": [1]}))
    t0 = time.perf_counter()
    paths = Paths(
        raw=raw,
        curation=curation,
        processed=work / "processed",
        releases=work / "releases",
        link_status=work / "no-link-status.json",
    )
    prepared = prepare(paths)
    t1 = time.perf_counter()
    for url in prepared.resources["url"].dropna():
        handbook.printed_link(url)
    t2 = time.perf_counter()
    info, title, created = prepared.curation.dataset, prepared.guide.title, build_date(prepared.curation)
    html = handbook.render_html(prepared.resources, info, title, created, paper=paper)
    t3 = time.perf_counter()
    fetcher = handbook.template_fetcher_class()()
    document = weasyprint.HTML(string=html, base_url=handbook.templates_base_url(), url_fetcher=fetcher).render()
    t4 = time.perf_counter()
    pdf = document.write_pdf(pdf_variant=handbook.PDF_VARIANT)
    t5 = time.perf_counter()
    figures = {"entries": len(prepared.resources), "pages": len(document.pages), "bytes": len(pdf)}
    figures |= {"load": t1 - t0, "qr": t2 - t1, "html": t3 - t2, "layout": t4 - t3, "draw": t5 - t4}
    print(json.dumps(figures))


def measure_handbook(raw: Path, curation: Path, work: Path, paper: str = "letter") -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(raw), str(curation), str(work), paper],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_whole_build(work: Path, runs: int = 5) -> list[float]:
    """Wall-clock seconds of `python -m pipeline build` on the real guide, each a fresh process."""
    times = []
    for run in range(runs):
        out = work / f"build-{run}"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "build",
                "-q",
                "--out",
                str(out),
                "--processed",
                str(work / f"processed-{run}"),
                "--releases",
                str(work / "releases"),
                "--link-status",
                str(work / "no-link-status.json"),
            ],
            cwd=ROOT,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return times


def row(name: str, m: dict) -> str:
    ours = m["load"] + m["html"]  # render_html makes the QR codes, so m["html"] includes m["qr"]
    theirs = m["layout"] + m["draw"]
    total = ours + theirs
    return (
        f"| {name} | {m['entries']} | {m['pages']} | {m['load']:.2f} | {m['html']:.2f} | {m['qr']:.2f} | "
        f"{m['layout']:.2f} | {m['draw']:.2f} | {total:.2f} | {100 * ours / total:.1f} % | "
        f"{100 * m['html'] / total:.1f} % |"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        real = measure_handbook(ROOT / "data/raw/mentoring-resources.txt", ROOT / "data/raw/curation.toml", work)
        real_a4 = measure_handbook(
            ROOT / "data/raw/mentoring-resources.txt", ROOT / "data/raw/curation.toml", work, "a4"
        )
        guide, curation = synthetic_guide(1000)
        (work / "guide.txt").write_text(guide, encoding="utf-8")
        (work / "curation.toml").write_text(curation, encoding="utf-8")
        synthetic = measure_handbook(work / "guide.txt", work / "curation.toml", work)
        builds = time_whole_build(work)
        load = os.getloadavg()[0]  # the machine is shared: wall-clock figures grow with its load
    table = [
        "| guide | entries | pages | data loading (s) | templating incl. QR (s) | of which QR codes (s) "
        "| WeasyPrint layout (s) | WeasyPrint drawing + PDF (s) | total (s) | our share | handbook code's share |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        row("real guide", real),
        row("synthetic", synthetic),
    ]
    median = statistics.median(builds)
    paper_rows = ["| paper | pages before | pages now | change |", "| --- | ---: | ---: | ---: |"]
    for name, paper, measured in (("Letter", "letter", real), ("A4", "a4", real_a4)):
        before, now = PAGES_BEFORE[paper], measured["pages"]
        paper_rows.append(f"| {name} | {before} | {now} | {100 * (now / before - 1):+.0f} % |")
    body = "\n".join(
        [
            machine_line(),
            "",
            *table,
            "",
            "Data loading = ingest, normalise, validate (`prepare`, shared with the dataset outputs). Templating = "
            "`render_html`, QR codes included (zxing-cpp, timed on their own in the next column). WeasyPrint layout = "
            "`HTML(...).render()`; drawing + PDF = `Document.write_pdf()` (PDF/UA-1, tagged). Our share = (data "
            "loading + templating) / total, target ≤ 10 %; the handbook code's share leaves data loading out. "
            "One-off start-ups (WeasyPrint's fonts and stylesheets, pandera's backend registration) are warmed "
            "before timing and charged to neither side; the whole-build figure below includes them.",
            "",
            f"Whole `mentor-guide build` on the real guide, fresh process each (imports, CSV, JSON, data package, "
            f"handbook, publish), {len(builds)} runs: median {median:.2f} s, best {min(builds):.2f} s, "
            f"worst {max(builds):.2f} s (target < 3 s; {BUILD_BEFORE_S} s before the paper-saving layout); load "
            f"average {load:.1f} on {os.cpu_count()} cores at the end of the run.",
            "",
            "Pages of the real guide's handbook (target: at least 15 % fewer; a resource split only after its heading, "
            "byline and first lines, each QR code beside its address, each section heading with its first resource; "
            "sections run on instead of starting a page, "
            "the contents shares the how-to page, the topic index has two columns):",
            "",
            *paper_rows,
        ]
    )
    print(body)
    write_section("Printed handbook (bench_handbook.py)", body)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.path.insert(0, str(ROOT))
        child(*map(Path, sys.argv[2:5]), sys.argv[5])
    else:
        main()
