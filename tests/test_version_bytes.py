"""A version is the same bytes (issue 20): link health and capture lines are no part of a version's files."""

import json

import pytest

from pipeline import config
from pipeline.curation import read_curation
from tests.conftest import REAL_CURATION, REAL_GUIDE

# The files a version fixes: byte for byte the same whatever the nightly check found or the capture's layout.
VERSIONED = (
    config.CSV_NAME,
    config.JSON_NAME,
    config.PACKAGE_NAME,
    config.CSL_NAME,
    config.RIS_NAME,
    config.BIBTEX_NAME,
    config.MARC_NAME,
    config.MARCXML_NAME,
    config.JSONLD_NAME,
    config.CHANGELOG_NAME,
    config.CHANGES_NAME,
)
NIGHTLY = (config.LINK_HEALTH_CSV, config.LINK_HEALTH_JSON)
ASRA_URL = 'url = "https://doi.org/10.52211/asra080123.008"'
NEJM_URL = 'url = "https://resources.nejmcareercenter.org/article/physician-mentorship-why-its-important-and-how-to-find-and-sustain-relationships"'


def every_file(folder) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def build(run_cli, tmp_path, out, *more):
    run = run_cli("build", "-q", "--out", out, "--processed", tmp_path / "processed", *more)
    assert run.status == 0, run.err
    return every_file(out)


def test_build_check_links_build_leaves_every_versioned_file_byte_identical(tmp_path, run_cli, server, place):
    text = REAL_CURATION.read_text(encoding="utf-8")
    text = text.replace(NEJM_URL, f'url = "{server.url("/ok")}"').replace(ASRA_URL, f'url = "{server.url("/missing")}"')
    curation = tmp_path / "curation.toml"
    curation.write_text(text, encoding="utf-8")
    common = ("--curation", curation, "--link-status", place.status)
    first = build(run_cli, tmp_path, tmp_path / "out", *common)
    assert b"link_status" not in first[config.CSV_NAME] and b"link_checked" not in first[config.JSON_NAME]

    place.dataset = tmp_path / "out" / config.CSV_NAME
    checked = run_cli(*place.args())
    assert checked.status in (0, 1), checked.err
    assert place.status.exists()

    second = build(run_cli, tmp_path, tmp_path / "out", *common)
    assert {name: second[name] for name in VERSIONED} == {name: first[name] for name in VERSIONED}
    assert {name: second[f"site/downloads/{name}"] for name in VERSIONED} == {n: first[n] for n in VERSIONED}
    # The link health did change, in its own files, which the data package declares without a hash.
    assert second[config.LINK_HEALTH_CSV] != first[config.LINK_HEALTH_CSV]
    rows = {row["id"]: row for row in json.loads(second[config.LINK_HEALTH_JSON])}
    assert rows["physician-mentorship-nejm-careercenter"]["status"] == "ok"
    assert rows["physician-mentorship-nejm-careercenter"]["checked"] is not None
    assert rows["mentorship-medical-training-asra"]["status"] == "failing"
    assert rows["mentorship-medical-training-asra"]["since"] == rows["mentorship-medical-training-asra"]["checked"]
    package = json.loads(second[config.PACKAGE_NAME])
    nightly = {resource["name"]: resource for resource in package["resources"]}["link-health"]
    assert nightly["path"] == config.LINK_HEALTH_CSV and "hash" not in nightly and "bytes" not in nightly
    assert nightly["schema"]["foreignKeys"] == [
        {"fields": "id", "reference": {"resource": "resources", "fields": "id"}}
    ]
    assert [field["name"] for field in nightly["schema"]["fields"]] == ["id", "url", "status", "since", "checked"]
    landing = second["site/dataset.html"].decode("utf-8")
    apart = landing[landing.index('id="link-health-title"') :]
    assert "changes nightly" in apart and "as of the check of" in apart and "link-health.csv" in apart


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: b"\n" + data, id="blank-line-at-the-top"),
        pytest.param(lambda data: data.replace(b"\n\nArticles\n", b"\n\n\nArticles\n"), id="blank-line-inside"),
        pytest.param(lambda data: data.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r"), id="bom-and-cr"),
    ],
)
def test_the_captures_layout_changes_no_published_byte(change, tmp_path, run_cli):
    before = build(run_cli, tmp_path, tmp_path / "before")
    guide = tmp_path / "guide.txt"
    guide.write_bytes(change(REAL_GUIDE.read_bytes()))
    after = build(run_cli, tmp_path, tmp_path / "after", "--raw", guide)
    report = config.QUALITY_NAME  # the build's report keeps the lines, and says where each entry now starts
    assert {n: v for n, v in after.items() if not n.endswith(report)} == {
        n: v for n, v in before.items() if not n.endswith(report)
    }
    assert b'"line"' not in after[config.CSV_NAME] + after[config.JSON_NAME]
    lines = json.loads((tmp_path / "processed" / config.PROVENANCE_NAME).read_text(encoding="utf-8"))["lines"]
    assert json.loads(after[report])["lines"] == lines


def test_adding_one_entry_reports_one_added_and_nothing_else(tmp_path, run_cli):
    history = tmp_path / "releases"
    common = ("--releases", history)
    build(run_cli, tmp_path, tmp_path / "first", *common)
    guide = tmp_path / "guide.txt"
    added = "A new collection of mentoring checklists for first-year students and their advisers."
    data = REAL_GUIDE.read_text(encoding="utf-8").replace("\nBooks & E-Books\n", f"\n{added}\n\nBooks & E-Books\n")
    data = data.replace(f"\n{added}\n", f"\n\n{added}\n", 1)
    guide.write_text(data, encoding="utf-8")

    refused = run_cli("build", "-q", "--raw", guide, "--out", tmp_path / "second", *common)
    assert refused.status == 3
    assert "(1 added, 0 removed, 0 changed:" in refused.err and "1 resource added: set `version`" in refused.err
    version = read_curation(REAL_CURATION).dataset.version
    major, minor, _ = version.split(".")
    assert f"to {major}.{int(minor) + 1}.0," in refused.err

    curation = tmp_path / "curation.toml"
    text = REAL_CURATION.read_text(encoding="utf-8")
    curation.write_text(text.replace(f'version = "{version}"', f'version = "{major}.{int(minor) + 1}.0"'), "utf-8")
    second = build(run_cli, tmp_path, tmp_path / "second", *common, "--raw", guide, "--curation", curation)
    latest = json.loads(second[config.CHANGES_NAME])["releases"][0]
    assert len(latest["added"]) == 1
    assert (latest["removed"], latest["changed"], latest["moved"], latest["columns"]) == ([], [], [], {})
