"""The `mentor-guide` command line: one module per command, `main` the entry point."""

from pipeline.cli.command import console, main, make_parser

__all__ = ["console", "main", "make_parser"]
