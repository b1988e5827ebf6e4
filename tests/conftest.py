"""Shared fixtures: the real raw guide and curation, running the CLI in-process, stand-in DNS, link-check places."""

import hashlib
import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config, handbook
from pipeline.cli import main
from pipeline.curation import read_curation
from pipeline.ingest import read_guide
from pipeline.normalise import normalise
from tests.links_server import FAST, LinksServer

REPO = Path(__file__).resolve().parent.parent
REAL_GUIDE = REPO / config.RAW_GUIDE
REAL_CURATION = REPO / config.CURATION
FIXTURES = Path(__file__).parent / "fixtures"
SECTION_COUNTS = {  # entries per section of the real raw guide, in its order
    "Articles": 2,
    "Blog Posts": 3,
    "Books & E-Books": 5,
    "Medical Journals & Journal Articles": 15,
    "Videos": 2,
    "Podcasts": 7,
    "Websites": 4,
    "UVM and Larner Resources": 7,
}
DATASET_ONLY = """\
[dataset]
name = "test-guide"
title = "Test guide"
version = "0.1.0"
updated = 2026-01-02
license = "CC-BY-4.0"
institution = "Test College"
corrections = "the test suite"
"""


class LayoutMemo:
    """WeasyPrint lays out each distinct handbook HTML once per test session.

    Laying out the real guide takes 2-3 s, and dozens of tests build it from the same inputs only to read
    the dataset, the site or the exit status. `render_pdf` depends on nothing but its HTML and the template
    files, so a later call with the same HTML gets the first call's bytes. Tests of the layout itself
    (identical bytes on a second run, WeasyPrint's log) render inside `fresh()`.
    """

    def __init__(self, render: Callable[[str], bytes]):
        self.render = render
        self.pdfs: dict[bytes, bytes] = {}
        self.fresh_blocks = 0  # inside how many `fresh()` blocks the caller is

    def __call__(self, html: str) -> bytes:
        if self.fresh_blocks:
            return self.render(html)
        key = hashlib.sha256(html.encode("utf-8")).digest()
        if key not in self.pdfs:
            self.pdfs[key] = self.render(html)
        return self.pdfs[key]

    @contextmanager
    def fresh(self) -> Iterator[None]:
        self.fresh_blocks += 1
        try:
            yield
        finally:
            self.fresh_blocks -= 1


@pytest.fixture(scope="session", autouse=True)
def layout_memo() -> Iterator[LayoutMemo]:
    memo = LayoutMemo(handbook.render_pdf)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(handbook, "render_pdf", memo)
        yield memo


@pytest.fixture(scope="session", autouse=True)
def session_release_history(tmp_path_factory):
    """Builds in tests record releases in a folder of their own, never in the repository's data/releases/."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "RELEASES_DIR", tmp_path_factory.mktemp("releases"))
        yield


@pytest.fixture(autouse=True)
def release_history(tmp_path_factory, monkeypatch):
    """Each test starts with an empty release history (shared, module-wide builds use the session's)."""
    monkeypatch.setattr(config, "RELEASES_DIR", tmp_path_factory.mktemp("releases"))


@dataclass
class Run:
    status: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    """Run `mentor-guide ARGS` in this process; returns exit status, stdout and stderr."""

    def run(*args: str) -> Run:
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


@pytest.fixture
def empty_curation(tmp_path) -> Path:
    """A curation file with the dataset facts and no records."""
    path = tmp_path / "curation.toml"
    path.write_text(DATASET_ONLY, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> Path:
    """One build of the real guide and curation, shared by the tests that only read its outputs."""
    out = tmp_path_factory.mktemp("real-build")
    work = tmp_path_factory.mktemp("real-build-work")
    args = ["build", "-q", "--out", out, "--processed", work / "processed", "--link-status", work / "no-status.json"]
    assert main([str(arg) for arg in args]) == 0
    return out


@pytest.fixture(scope="session")
def fixture_frame() -> pd.DataFrame:
    """The small fixture guide and curation, normalised: the table `validate` sees (with its `line` provenance)."""
    guide = read_guide(FIXTURES / "handbook-guide.txt")
    frame, _ = normalise(guide.entries, read_curation(FIXTURES / "handbook-curation.toml"))
    return frame


class FakeDNS:
    """Stands in for DNS in every test: names in `answers` resolve to their addresses, IP addresses and
    `localhost` resolve as usual (no lookup is made for them), and any other name does not resolve."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def __call__(self, host, port, family=0, kind=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name == "localhost" or is_address(name):
            return self.real(host, port, family, kind, proto, flags)
        self.asked.append(name)
        if name in self.answers:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                for a in self.answers[name]
            ]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> FakeDNS:
    """No test looks a name up in the real DNS (nor reaches the internet through one)."""
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def server():
    """A scripted link-check server on loopback (tests/links_server.py)."""
    with LinksServer() as running:
        yield running


@pytest.fixture
def place(tmp_path):
    """Paths for one check-links run: a dataset's reports, history and status, and the args that point at them."""

    class Place:
        out = tmp_path / "out"
        history = tmp_path / "state" / "history.sqlite"
        status = tmp_path / "state" / "link-status.json"
        dataset = tmp_path / "resources.csv"

        def args(self, *more):
            return (
                "check-links",
                "--dataset",
                self.dataset,
                "--out",
                self.out,
                "--history",
                self.history,
                "--status",
                self.status,
                *FAST,
                *more,
            )

    (tmp_path / "state").mkdir()
    return Place()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (the web edition's and the proofreader's)."""
    from tests.test_site import CHROMIUM, CHROMIUM_ARGS, require_browser_tools

    with require_browser_tools()() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
