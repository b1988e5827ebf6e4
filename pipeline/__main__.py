"""`python -m pipeline`: the same command as `mentor-guide`."""

from pipeline.cli import console

console()
