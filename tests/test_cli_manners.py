"""CLI manners: --version, option placeholders that say what is expected, a quiet install that ships the templates."""

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from pipeline.cli import command as cli
from tests.conftest import REPO

PLACEHOLDERS = {
    ("build", "--raw"): "FILE",
    ("build", "--curation"): "FILE",
    ("build", "--processed"): "DIR",
    ("build", "--out"): "DIR",
    ("build", "--link-status"): "FILE",
    ("validate", "--raw"): "FILE",
    ("validate", "--curation"): "FILE",
    ("validate", "--processed"): "DIR",
    ("check-links", "--dataset"): "FILE",
    ("check-links", "--out"): "DIR",
    ("check-links", "--history"): "FILE",
    ("check-links", "--status"): "FILE",
    ("check-links", "--concurrency"): "N",
    ("check-links", "--per-host"): "N",
    ("check-links", "--timeout"): "SECONDS",
    ("check-links", "--deadline"): "SECONDS",
    ("check-links", "--retries"): "N",
}


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.make_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_version_comes_from_the_installed_package(run_cli):
    result = run_cli("--version")
    assert result.status == 0
    assert result.out == f"mentor-guide {importlib.metadata.version('mentor-guide')}\n"


def test_version_of_a_checkout_that_is_not_installed(run_cli, monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = run_cli("--version")
    assert (result.status, result.out) == (0, f"mentor-guide {declared} (not installed)\n")
    monkeypatch.setattr(cli, "PYPROJECT", REPO / "no-such-file.toml")
    result = run_cli("--version")
    assert (result.status, result.out) == (0, "mentor-guide (version unknown: not installed)\n")


@pytest.mark.parametrize(("command", "option"), PLACEHOLDERS)
def test_options_say_what_they_expect(command, option, run_cli):
    result = run_cli(command, "--help")
    assert f"{option} {PLACEHOLDERS[command, option]}" in result.out


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_option_with_a_value_names_its_placeholder_or_choices(name):
    for action in subcommands()[name]._actions:
        if action.option_strings and action.nargs != 0:
            assert action.metavar or action.choices, f"{name} {action.option_strings[0]} shows its bare name"


def test_wheel_builds_without_packaging_warnings_and_holds_the_templates(tmp_path):
    """The same build backend as `pip install .`, without the network: the source is copied so no build
    files land in the checkout."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("pipeline", "schemas"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    wheel_options = ["--no-deps", "--no-build-isolation", "--no-index", "-v", "-w", str(tmp_path / "dist")]
    command = [sys.executable, "-m", "pip", "wheel", *wheel_options, str(source)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    for warning in ("would be ignored", "BuildBackendWarning", "SetuptoolsDeprecationWarning"):
        assert warning not in output, output
    (wheel,) = (tmp_path / "dist").glob("mentor_guide-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {path.relative_to(REPO).as_posix() for path in (REPO / "pipeline" / "templates").iterdir()}
    assert templates and templates <= names
    assert {"pipeline/cli/command.py", "pipeline/curation.py", "schemas/resource.py"} <= names
    assert not any(name.startswith(("tests/", "data/")) for name in names)
