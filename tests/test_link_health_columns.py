"""The dataset's link health (issues 11 and 20): status, since and checked from the status file, by the one
rule of "confirmed broken", in the link-health table of its own (never in the versioned resources files)."""

import csv
import io
import json

import pytest

from pipeline import config
from pipeline.build import Paths, build_date, dataset_files, prepare
from pipeline.link_health import LinkHealth, health_json
from pipeline.link_health import LinkState as States
from pipeline.linkcheck.status import LinkStatus
from schemas.resource import Resource
from schemas.vocabulary import LINK_STATES


@pytest.fixture(scope="module")
def real_urls(tmp_path_factory):
    prepared = prepare(Paths(processed=tmp_path_factory.mktemp("processed")))
    return [url for url in prepared.resources["url"] if isinstance(url, str)]


def write_status(path, entries: list[LinkHealth]):
    text = health_json({entry.url: entry for entry in entries}, checked_at="2026-03-02T03:00:00Z", confirm_after=2)
    path.write_text(text, encoding="utf-8")
    return path


def test_link_health_is_its_own_table_by_the_confirmed_rule(tmp_path, real_urls):
    broken, failing, fine = real_urls[0], real_urls[1], real_urls[2]
    status = write_status(
        tmp_path / "link-status.json",
        [
            LinkHealth(broken, LinkStatus.BROKEN, "2026-03-02T03:00:01Z", 2, True, "2026-03-01T03:00:00Z"),
            LinkHealth(failing, LinkStatus.BROKEN, "2026-03-02T03:00:02Z", 1, False, "2026-03-02T03:00:02Z"),
            LinkHealth(fine, LinkStatus.OK, "2026-03-02T03:00:03Z", 0, False),
        ],
    )
    prepared = prepare(Paths(processed=tmp_path, link_status=status))
    files = dataset_files(prepared, build_date(prepared.curation))
    header = files[config.CSV_NAME].decode("utf-8-sig").splitlines()[0]
    assert "link_" not in header and "line" not in header.split(",")
    assert header.split(",") == list(Resource.to_schema().columns)
    rows = list(csv.DictReader(io.StringIO(files[config.LINK_HEALTH_CSV].decode("utf-8-sig"))))
    assert list(rows[0]) == ["id", "url", "status", "since", "checked"]
    by_url = {row["url"]: (row["status"], row["since"], row["checked"]) for row in rows}
    assert by_url[broken] == ("broken", "2026-03-01", "2026-03-02")
    assert by_url[failing] == ("failing", "2026-03-02", "2026-03-02")  # one failing night: not broken
    assert by_url[fine] == ("ok", "", "2026-03-02")
    assert {by_url[url] for url in real_urls[3:]} == {("unchecked", "", "")}
    assert len(rows) == len(real_urls)  # a resource without an address has no row
    assert json.loads(files[config.LINK_HEALTH_JSON])[3]["checked"] is None
    fields = {r["name"]: r for r in json.loads(files[config.PACKAGE_NAME])["resources"]}["link-health"]["schema"]
    assert {f["name"]: f for f in fields["fields"]}["status"]["constraints"]["enum"] == list(LINK_STATES)


def test_the_tables_vocabulary_is_the_link_checks():
    assert tuple(str(state) for state in States) == LINK_STATES


def test_without_a_status_file_every_link_is_unchecked(tmp_path):
    prepared = prepare(Paths(processed=tmp_path, link_status=tmp_path / "none.json"))
    files = dataset_files(prepared, build_date(prepared.curation))
    assert {row["status"] for row in json.loads(files[config.LINK_HEALTH_JSON])} == {"unchecked"}


def test_a_hand_edited_status_file_stops_the_build_with_exit_3(tmp_path, run_cli, real_urls):
    status = write_status(
        tmp_path / "link-status.json", [LinkHealth(real_urls[0], LinkStatus.OK, "2026-03-02T03:00:01Z", 0, False)]
    )
    document = json.loads(status.read_text(encoding="utf-8"))
    document["urls"][real_urls[0]]["checked_at"] = 1772420401  # a number where a time belongs
    status.write_text(json.dumps(document, indent=2), encoding="utf-8")
    run = run_cli("build", "-q", "--processed", tmp_path, "--out", tmp_path / "out", "--link-status", status)
    assert run.status == 3 and "Traceback" not in run.err
    assert f"{status}:" in run.err and "`checked_at` is 1772420401" in run.err and "hint:" in run.err
    assert not (tmp_path / "out").exists()
