"""Every value checked where it enters (issue 20): version, addresses, e-mail, QR-code bytes, UTF-16 input."""

import pytest

from pipeline.curation import read_curation
from tests.conftest import REAL_CURATION, REAL_GUIDE

VERSION = f'version = "{read_curation(REAL_CURATION).dataset.version}"'

NEJM_URL = (
    "https://resources.nejmcareercenter.org/article/"
    "physician-mentorship-why-its-important-and-how-to-find-and-sustain-relationships"
)


def curation_with(tmp_path, old: str, new: str):
    text = REAL_CURATION.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "curation.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    last = new.splitlines()[-1]  # the line of the value that is wrong
    return path, next(n for n, line in enumerate(text.replace(old, new).splitlines(), 1) if last in line)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (VERSION, 'version = "../../ESCAPED"', "version '../../ESCAPED' is not a version number"),
        (VERSION, 'version = "2.1.0/x"', "version '2.1.0/x' is not a version number"),
        ('license = "CC-BY-4.0"', 'license = "CC-BY-4.0"\nhomepage = "javascript:alert(1)"', "homepage"),
        ('license = "CC-BY-4.0"', 'license = "CC-BY-4.0"\ncontact_url = "javascript:alert(1)"', "contact_url"),
        ('license = "CC-BY-4.0"', 'license = "CC-BY-4.0"\nsite_url = "ftp://example.org/"', "site_url"),
        (
            'license = "CC-BY-4.0"',
            'license = "CC-BY-4.0"\ncontact_email = "library@example.edu?cc=all@example.edu"',
            "is not a plain e-mail address",
        ),
    ],
)
def test_a_bad_dataset_value_is_refused_by_validate_at_its_line(old, new, words, tmp_path, run_cli):
    curation, line = curation_with(tmp_path, old, new)
    releases = tmp_path / "releases"
    run = run_cli("validate", "--curation", curation, "--processed", tmp_path / "p", "--releases", releases)
    assert run.status == 3 and "Traceback" not in run.err
    assert f"{curation}:{line}:" in run.err and words in run.err
    if "version" in words:
        assert "not a version number like 2.1.0" in run.err
    build = run_cli("build", "-q", "--curation", curation, "--out", tmp_path / "out", "--releases", releases)
    assert build.status == 3 and not (tmp_path / "out").exists() and not (tmp_path / "ESCAPED.json").exists()
    assert not releases.exists() or not any(releases.iterdir())


def test_a_contributors_address_and_e_mail_are_checked_too(tmp_path, run_cli):
    curation, _ = curation_with(tmp_path, 'role = "publisher" }', 'role = "publisher", email = "a@b.org,c@d.org" }')
    run = run_cli("validate", "--curation", curation, "--processed", tmp_path / "p")
    assert run.status == 3
    assert "[[dataset.contributors]]: email 'a@b.org,c@d.org' is not a plain e-mail address" in run.err


def test_an_address_is_limited_by_the_bytes_its_qr_code_holds(tmp_path, run_cli):
    long_url = "https://example.org/" + "€" * 783  # 803 characters but 2,369 bytes: more than a QR code holds
    assert len(long_url) == 803 and len(long_url.encode("utf-8")) > 2331
    curation, line = curation_with(tmp_path, f'url = "{NEJM_URL}"', f'url = "{long_url}"')
    run = run_cli("validate", "--curation", curation, "--processed", tmp_path / "p")
    assert run.status == 3, run.err
    assert f"{curation}:{line}:" in run.err and "takes 2,369 bytes in UTF-8" in run.err


@pytest.mark.parametrize("which", ["guide", "curation"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_input_is_named_as_such_with_the_fix(which, encoding, tmp_path, run_cli):
    source = REAL_GUIDE if which == "guide" else REAL_CURATION
    path = tmp_path / source.name
    path.write_bytes(source.read_text(encoding="utf-8").encode(encoding))
    option = "--raw" if which == "guide" else "--curation"
    run = run_cli("validate", option, path, "--processed", tmp_path / "p")
    assert run.status == 3 and "Traceback" not in run.err
    assert f"{path}:1: the file is UTF-16 text, not UTF-8" in run.err and "binary" not in run.err
    assert "iconv -f UTF-16 -t UTF-8" in run.err
