"""The README documents every command, every option and every exit status the CLI has."""

import argparse
import re
from pathlib import Path

import pytest

from pipeline import cli, errors

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.make_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_is_in_the_readme_with_help(name):
    assert f"mentor-guide {name}" in README
    parser = subcommands()[name]
    for action in parser._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert f"`{option}" in README, f"{name} {option} is not documented"
                assert action.help, f"{name} {option} has no help text"


def test_every_exit_status_is_documented():
    statuses = [value for name, value in vars(errors).items() if name.startswith("EXIT_")]
    for status in statuses:
        assert re.search(rf"^\| {status} \|", README, re.M), f"exit status {status} missing from README"


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    block = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines() if line.strip()]
    assert commands == ["make build", "make test"]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
