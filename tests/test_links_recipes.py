"""The nightly recipes of the README, run as written: check the links, then rebuild with their marks.

Each runs in a copy of the project whose dataset links to a loopback server, on its second night
(the first is run before it), so a link is newly broken: the mail must come out on stdout, the exit
status must be 1, and the handbook must be rebuilt after the check. No network is used.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.links_server import write_dataset

README = (REPO / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def recipe(kind: str) -> str:
    section = README.split("\n### Scheduling it nightly\n", 1)[1]
    if kind == "cron":
        return re.search(r"^30 2 \* \* \* (.+)$", section, re.M).group(1)
    if kind == "systemd":
        return re.search(r"^ExecStart=/bin/sh -c '(.+)'$", section, re.M).group(1)
    return re.search(r"^      - run: (s=0; mentor-guide check-links.+)$", section, re.M).group(1)


@pytest.fixture
def project(tmp_path, server):
    """A copy of the project: the raw guide and curation, a venv's command, a dataset of loopback links."""
    root = tmp_path / "mentor-guide"
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    (root / "data" / "state").mkdir()
    (root / ".venv").mkdir()
    (root / ".venv" / "bin").symlink_to(BIN)
    server.state.toggles["/toggle"] = 404
    (root / "output").mkdir()
    write_dataset(
        root / "output" / "resources.csv",
        [
            ("physician-mentorship-nejm-careercenter", "Articles", "Physician Mentorship", server.url("/toggle")),
            ("other", "Websites", "Fine", server.url("/ok")),
        ],
    )
    first = subprocess.run(
        [BIN / "mentor-guide", "check-links", "-q", "--timeout", "1", "--no-archive"], cwd=root, capture_output=True
    )
    assert first.returncode == 0, first.stderr
    return root


def run_recipe(kind: str, root: Path) -> subprocess.CompletedProcess:
    command = recipe(kind).replace("mentor-guide check-links -q", "mentor-guide check-links -q --no-archive")
    if kind == "cron":  # cron runs the line with /bin/sh, in an empty environment
        command = command.replace("/srv/mentor-guide", str(root))
        return subprocess.run(["env", "-i", "/bin/sh", "-c", command], capture_output=True, text=True, timeout=600)
    if kind == "systemd":  # WorkingDirectory= and ExecStart=
        return subprocess.run(["/bin/sh", "-c", command], cwd=root, env={}, capture_output=True, text=True, timeout=600)
    environment = {"PATH": f"{BIN}:{os.environ['PATH']}"}  # after `pip install .`; Actions runs bash -e
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("kind", ["cron", "systemd", "github"])
def test_each_recipe_checks_then_rebuilds_and_mails_the_newly_broken_link(project, kind):
    # Only the archive lookup is left out (it would ask the internet); the rest runs as written.
    run = run_recipe(kind, project)
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("Link check ") and "\n1. Physician Mentorship\n" in run.stdout
    assert "data/raw/curation.toml, line " in run.stdout
    status = project / "data" / "state" / "link-status.json"
    assert (project / "output" / "handbook.pdf").stat().st_mtime >= status.stat().st_mtime  # rebuilt after
