"""Option types and the progress line that more than one command uses."""

import argparse
import math
import sys
import time


def wait_seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, not {text}")
    return value


def positive(kind):
    def parse(text: str):
        value = kind(text)
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be a finite number more than 0, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


def stage_printer(args: argparse.Namespace):
    """On a terminal, one line per stage with the time so far; silent in cron, CI and pipes."""
    from pipeline.build import quiet

    if args.quiet or not sys.stderr.isatty():
        return quiet
    started = time.monotonic()

    def show(stage: str) -> None:
        print(f"{args.command}: {stage}… ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)

    return show
