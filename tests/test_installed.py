"""Installed as a user installs it (non-editable, from a clean clone, in a fresh virtual environment), the
README's scheduled-CI steps run as written: `build`, then `check-links` against a server on 127.0.0.1."""

import re
import shutil
import subprocess
import sys
import sysconfig
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

REPO = Path(__file__).resolve().parent.parent


class Ok(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def loopback_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600)


def copy_tracked_files(repo: Path, clean: Path) -> None:
    """The files git tracks, as they are in the work tree: a clean checkout of the code under test."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = repo / name
        if source.is_file():
            (clean / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clean / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the project installed from a wheel of a clean checkout; its bin folder."""
    root = tmp_path_factory.mktemp("installed")
    clone, wheels, venv = root / "clone", root / "wheels", root / "venv"
    copy_tracked_files(REPO, clone)
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            wheels,
            clone,
        ],
        root,
    )
    assert built.returncode == 0, built.stderr
    assert run([sys.executable, "-m", "venv", venv], root).returncode == 0
    # The dependencies come from this environment (no download); the project itself only from the wheel.
    site = Path(
        run(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("mentor_guide-*.whl"))
    installing = run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], root)
    assert installing.returncode == 0, installing.stderr
    located = run([venv / "bin" / "python", "-c", "import pipeline; print(pipeline.__file__)"], root).stdout
    assert located.startswith(str(site)), located
    return venv / "bin"


def test_installed_validates_the_guide_of_the_current_directory(installed, tmp_path):
    project = tmp_path / "project"
    (project / "data" / "raw").mkdir(parents=True)
    for name in ("mentoring-resources.txt", "curation.toml"):
        (project / "data" / "raw" / name).write_bytes((REPO / "data" / "raw" / name).read_bytes())
    result = run([installed / "mentor-guide", "validate"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("valid")


def test_installed_runs_the_scheduled_ci_steps(installed, tmp_path, loopback_server):
    project = tmp_path / "project"
    raw = project / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "mentoring-resources.txt").write_bytes((FIXTURES / "handbook-guide.txt").read_bytes())
    curation = (FIXTURES / "handbook-curation.toml").read_text(encoding="utf-8")
    numbered = iter(range(1000))
    curation = re.sub(r'url = "[^"]+"', lambda _: f'url = "{loopback_server}/page/{next(numbered)}"', curation)
    (raw / "curation.toml").write_text(curation, encoding="utf-8")

    build = run([installed / "mentor-guide", "build", "-q"], project)
    assert build.returncode == 0, build.stderr
    assert (project / "output" / "resources.csv").is_file() and (project / "output" / "handbook.pdf").is_file()

    check = run([installed / "mentor-guide", "check-links", "-q"], project)
    assert check.returncode == 0, check.stderr
    assert (project / "output" / "link-report.json").is_file()
    assert (project / "output" / "resources.csv").is_file()  # the reports joined the release, the data stayed
    assert (project / "data" / "state" / "link-status.json").is_file()
    assert "Traceback" not in build.stderr + check.stderr
