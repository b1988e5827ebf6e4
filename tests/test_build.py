"""The build end to end on the real guide, through the CLI: outputs, reproducibility, bad input, exit statuses."""

import csv
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib

import pandas as pd
import pytest

from tests.conftest import REAL_CURATION, REAL_GUIDE, SECTION_COUNTS

DATASETS = ("resources.csv", "resources.json", "datapackage.json", "data-quality.json")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of the real guide into a temporary folder."""
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("out")
    assert main(["build", "-q", "--out", str(out), "--processed", str(out.parent / "processed")]) == 0
    return out


def snapshot(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def test_real_guide_end_to_end(built):
    frame = pd.read_csv(built / "resources.csv", keep_default_na=False)
    assert len(frame) == 45
    assert frame.groupby("section", sort=False).size().to_dict() == SECTION_COUNTS
    assert frame["id"].is_unique
    records = json.loads((built / "resources.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == frame["id"].tolist()
    assert isinstance(records[0]["tags"], list)
    for name in ("resources.csv", "resources.json", "datapackage.json"):
        text = (built / name).read_text(encoding="utf-8")
        assert "\u033d" not in text and "\u00a0" not in text
        assert "key topic of the ." not in text and "Handbook ()" not in text
    assert not any(d.endswith("available at") for d in frame["description"])
    quality = json.loads((built / "data-quality.json").read_text(encoding="utf-8"))
    repaired = {f["entry"] for f in quality["findings"] if f["slug"].startswith("dangling-fragment")}
    assert repaired == {"dare-to-lead-podcast", "mededportal-anti-racism-collection", "larner-salt-student-guidebook"}


def test_csv_opens_cleanly_and_matches_json(built):
    raw = (built / "resources.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    rows = list(csv.DictReader((built / "resources.csv").open(encoding="utf-8-sig", newline="")))
    records = json.loads((built / "resources.json").read_text(encoding="utf-8"))
    for row, record in zip(rows, records, strict=True):
        assert row["title"] == record["title"]
        assert row["tags"] == "\n".join(record["tags"])
        assert row["url"] == (record["url"] or "")
        assert row["year"] == ("" if record["year"] is None else str(record["year"]))


def test_frictionless_validates_the_package(built):
    result = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", str(built / "datapackage.json")],
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report, indent=1)[:3000]
    assert result.returncode == 0


def test_package_describes_each_file_and_the_schema_comes_from_the_model(built):
    from schemas.resource import Resource

    package = json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] and package["licenses"] and package["sources"]
    for resource in package["resources"]:
        data = (built / resource["path"]).read_bytes()
        if resource["name"].startswith("link-health"):  # rewritten nightly: no part of the version, no hash
            assert "bytes" not in resource and "hash" not in resource
            continue
        assert resource["bytes"] == len(data)
        import hashlib

        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    fields = package["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields] == list(Resource.to_schema().columns)
    by_name = {f["name"]: f for f in fields}
    assert by_name["id"]["constraints"] == {"required": True, "unique": True, "pattern": "[a-z0-9]+(?:-[a-z0-9]+)*"}
    assert by_name["year"]["type"] == "integer"
    assert "Articles" in by_name["section"]["constraints"]["enum"]


def test_same_inputs_give_identical_bytes(built, tmp_path, run_cli):
    assert run_cli("build", "-q", "--out", tmp_path / "out", "--processed", tmp_path / "p").status == 0
    first, second = snapshot(built), snapshot(tmp_path / "out")
    assert {name: first[name] for name in DATASETS} == {name: second[name] for name in DATASETS}


def test_created_date_comes_from_the_data_or_source_date_epoch(built, tmp_path, run_cli, monkeypatch):
    package = json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    updated = tomllib.loads(REAL_CURATION.read_text(encoding="utf-8"))["dataset"]["updated"]
    assert package["created"] == f"{updated:%Y-%m-%d}T00:00:00Z"  # the curation file's `updated`
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run_cli("build", "-q", "--out", tmp_path / "out", "--processed", tmp_path / "p").status == 0
    assert json.loads((tmp_path / "out" / "datapackage.json").read_text())["created"] == "2023-11-14T22:13:20Z"


def test_bom_and_crlf_guide_gives_identical_output(built, tmp_path, run_cli):
    guide = tmp_path / "guide.txt"
    guide.write_bytes(b"\xef\xbb\xbf" + REAL_GUIDE.read_bytes().replace(b"\n", b"\r\n"))
    out = tmp_path / "out"
    assert run_cli("build", "-q", "--raw", guide, "--out", out, "--processed", tmp_path / "p").status == 0
    assert {n: snapshot(out)[n] for n in DATASETS} == {n: snapshot(built)[n] for n in DATASETS}


def test_formula_cells_are_neutralised(tmp_path, run_cli):
    guide = tmp_path / "guide.txt"
    guide.write_text(
        REAL_GUIDE.read_text(encoding="utf-8").replace("Most physicians who", '=HYPERLINK("x") Most physicians who'),
        encoding="utf-8",
    )
    curation = tmp_path / "curation.toml"
    curation.write_text(
        REAL_CURATION.read_text(encoding="utf-8").replace(
            'title = "Physician Mentorship', 'title = "@Physician Mentorship'
        ),
        encoding="utf-8",
    )
    assert (
        run_cli(
            "build",
            "-q",
            "--raw",
            guide,
            "--curation",
            curation,
            "--out",
            tmp_path / "o",
            "--processed",
            tmp_path / "p",
        ).status
        == 0
    )
    row = next(csv.DictReader((tmp_path / "o" / "resources.csv").open(encoding="utf-8-sig", newline="")))
    assert row["description"].startswith("'=HYPERLINK")
    assert row["title"].startswith("'@Physician")
    record = json.loads((tmp_path / "o" / "resources.json").read_text())[0]
    assert record["title"].startswith("@Physician")  # JSON keeps the value as it is


BAD_GUIDES = {
    "empty": (b"", "the guide is empty"),
    "binary": (b"\x00\x01\x02PK\x03\x04", "binary"),
    "cp1252": ("Articles\n\nBody\n\ncaf\u00e9\n".encode("cp1252"), "not UTF-8"),
    "no-sections": (b"Some notes\n\nwithout headings\n", "no section headings"),
    "unknown-section": (
        b"A\n\nArticles\n\nBody\n\nOne.\n\n\nRecipes\n\nBody\n\nTwo.\n",
        "unknown section heading 'Recipes'",
    ),
    "duplicate": (b"A\n\nArticles\n\nBody\n\nOne entry.\n\n\nOne entry.\n", "duplicate entry"),
}


@pytest.fixture
def previous_output(tmp_path, run_cli):
    out = tmp_path / "out"
    assert run_cli("build", "-q", "--out", out, "--processed", tmp_path / "p").status == 0
    return out, snapshot(out)


@pytest.mark.parametrize("case", sorted(BAD_GUIDES))
def test_bad_guide_exits_3_and_leaves_output_untouched(case, previous_output, tmp_path, run_cli):
    out, before = previous_output
    data, words = BAD_GUIDES[case]
    guide = tmp_path / f"{case}.txt"
    guide.write_bytes(data)
    result = run_cli("build", "--raw", guide, "--out", out, "--processed", tmp_path / "p")
    assert result.status == 3
    assert words in result.err
    assert result.err.startswith(f"error: {guide}")
    assert "Traceback" not in result.err and "hint:" in result.err
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            ('publisher = "NEJM CareerCenter"', 'publsher = "NEJM CareerCenter"'),
            "unknown key 'publsher'; did you mean 'publisher'?",
        ),
        (
            ('match = "an important mentor, or possibly more than one key mentor"', 'match = "in medical education"'),
            "make it longer",
        ),
        (('url = "https://narath.io/"', 'url = "narath.io"'), "is not an http(s) address"),
    ],
)
def test_broken_curation_exits_3_and_leaves_output_untouched(change, words, previous_output, tmp_path, run_cli):
    out, before = previous_output
    curation = tmp_path / "curation.toml"
    text = REAL_CURATION.read_text(encoding="utf-8")
    assert change[0] in text
    curation.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    result = run_cli("build", "--curation", curation, "--out", out, "--processed", tmp_path / "p")
    assert result.status == 3
    assert words in result.err and f"{curation}:" in result.err
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('[dataset]\nname = "caf\u00e9"\n'.encode("cp1252"), "not UTF-8"),
        (b"[dataset]\x00", "binary"),
    ],
)
def test_unreadable_curation_exits_3_with_its_line(data, words, tmp_path, run_cli):
    curation = tmp_path / "curation.toml"
    curation.write_bytes(data)
    result = run_cli("validate", "--curation", curation, "--processed", tmp_path)
    assert result.status == 3
    assert result.err.startswith(f"error: {curation}:") and words in result.err


def test_schema_failure_reports_every_problem_as_a_table(tmp_path, run_cli, monkeypatch):
    """Break two rows after normalising, so the schema (not the curation parser) catches them."""
    import pipeline.build as build_module

    real_normalise = build_module.normalise

    def corrupt(*args, **kwargs):
        frame, findings = real_normalise(*args, **kwargs)
        frame.loc[0, "title"] = "Handbook ()"
        frame.loc[1, "year"] = 1066
        return frame, findings

    monkeypatch.setattr(build_module, "normalise", corrupt)
    result = run_cli("validate", "--processed", tmp_path)
    assert result.status == 3
    assert "2 schema problems" in result.err
    assert "physician-mentorship-nejm-careercenter  title" in result.err
    assert "no_capture_debris" in result.err and "greater_than_or_equal_to" in result.err
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert not report["valid"]
    assert {(e["entry"], e["column"], e["check"]) for e in report["errors"]} == {
        ("physician-mentorship-nejm-careercenter", "title", "no_capture_debris"),
        ("mentorship-medical-training-asra", "year", "greater_than_or_equal_to"),
    }


def test_validate_prints_the_quality_summary(run_cli, tmp_path):
    result = run_cli("validate", "--processed", tmp_path)
    assert result.status == 0
    assert result.out.startswith("45 resources: 45 curated")
    assert result.out.rstrip().endswith("valid")


def test_strict_fails_when_an_entry_has_no_record(run_cli, tmp_path, empty_curation):
    result = run_cli("validate", "--strict", "--curation", empty_curation, "--processed", tmp_path)
    assert result.status == 3
    assert "45 entries have no curation record (--strict)" in result.err


def test_usage_errors_exit_2(run_cli):
    assert run_cli("frobnicate").status == 2
    assert run_cli("build", "--paper", "tabloid").status == 2
    assert run_cli().status == 2


def test_unwritable_output_is_a_clear_error(tmp_path, run_cli):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("build", "--out", blocker / "out", "--processed", tmp_path / "p")
    assert result.status == 3
    assert result.err.startswith(f"error: {blocker / 'out'}: cannot write") and "Traceback" not in result.err


def test_python_dash_m_runs_the_same_cli(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", "-q", "--processed", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# SHA-256 of the guide exactly as the school handed it over (21,151 bytes), taken with `sha256sum` from
# the original file when it was first committed (3235c9c); raw data is immutable, so this never changes.
RAW_GUIDE_SHA256 = "1e96d1835ee0c290b01b31760d0da349a17960bd6235cd2650cc109e85a6cf3d"


def test_raw_guide_is_committed_byte_for_byte():
    data = REAL_GUIDE.read_bytes()
    assert len(data) == 21_151
    assert hashlib.sha256(data).hexdigest() == RAW_GUIDE_SHA256


def test_previous_output_survives_a_failure_midway(previous_output, tmp_path, run_cli, monkeypatch):
    """A crash while moving files into place must not leave a mix: the staging step fails before any move."""
    out, before = previous_output
    import pipeline.publish as publish

    real_write = publish.write_release

    def fill_the_disk(folder, files):
        real_write(folder, dict(list(files.items())[:2]))  # two files land, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "write_release", fill_the_disk)
    result = run_cli("build", "--out", out, "--processed", tmp_path / "p")
    assert result.status == 3 and "No space left on device" in result.err
    assert snapshot(out) == before
    assert [p.name for p in publish.releases_dir(out).iterdir()] == [out.resolve().name]
    shutil.rmtree(tmp_path / "p", ignore_errors=True)


def test_progress_is_shown_on_a_terminal_and_nowhere_else(tmp_path):
    import os
    import pty

    from tests.conftest import FIXTURES

    command = [
        sys.executable,
        "-m",
        "pipeline",
        "build",
        "--raw",
        str(FIXTURES / "handbook-guide.txt"),
        "--curation",
        str(FIXTURES / "handbook-curation.toml"),
        "--processed",
        str(tmp_path / "p"),
        "--releases",
        str(tmp_path / "releases"),
    ]
    piped = subprocess.run([*command, "--out", str(tmp_path / "piped")], capture_output=True, text=True)
    assert piped.returncode == 0 and "build: " not in piped.stderr
    primary, secondary = pty.openpty()
    build = subprocess.Popen([*command, "--out", str(tmp_path / "tty")], stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    assert build.wait() == 0
    stages = [line.split("…")[0] for line in shown.decode().splitlines() if line.startswith("build: ")]
    assert stages == [
        "build: reading the guide and the curation file",
        "build: normalising 5 entries",
        "build: validating 5 resources",
        "build: writing the dataset files",
        "build: laying out the handbook of 5 resources",
        "build: writing the web edition",
        f"build: publishing {len(list((tmp_path / 'tty').rglob('*.*')))} files to {tmp_path / 'tty'}",
    ]


def test_a_guide_larger_than_the_tool_is_made_for_is_refused_at_once(tmp_path, run_cli):
    from pipeline.ingest import MAX_GUIDE_BYTES

    guide = tmp_path / "huge.txt"
    guide.write_text(REAL_GUIDE.read_text(encoding="utf-8") * (MAX_GUIDE_BYTES // REAL_GUIDE.stat().st_size + 1))
    result = run_cli("build", "--raw", guide, "--out", tmp_path / "out", "--processed", tmp_path / "p")
    assert result.status == 3
    assert result.err.startswith(f"error: {guide}: the guide is ") and "MB; this tool is made for guides" in result.err
    assert not (tmp_path / "out").exists()


def test_an_internal_error_has_its_own_status_never_1(tmp_path, run_cli, monkeypatch):
    import pipeline.build as build_module
    from pipeline.errors import EXIT_INTERNAL

    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(build_module, "quality_report", bug)
    result = run_cli("build", "--out", tmp_path / "out", "--processed", tmp_path / "p")
    assert result.status == EXIT_INTERNAL != 1
    assert result.err.startswith("internal error: ZeroDivisionError: division by zero")
    assert "please report it" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_a_bad_wait_is_a_usage_error(value, run_cli):
    result = run_cli("build", "--wait", value)
    assert result.status == 2 and "--wait" in result.err
