"""`find`: candidates for missing facts from open scholarly services, written to a review file."""

import argparse
from pathlib import Path

from pipeline import config
from pipeline.cli.options import positive, stage_printer
from pipeline.errors import EXIT_OK


def add_find_parser(commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "find",
        parents=[common],
        help="ask open scholarly services for candidates for missing facts; write a review file, change nothing",
    )
    add = parser.add_argument
    add("--raw", type=Path, default=config.RAW_GUIDE, metavar="FILE", help="the raw guide (default: %(default)s)")
    add("--curation", type=Path, default=config.CURATION, metavar="FILE", help="curation file (default: %(default)s)")
    add("--review", type=Path, default=config.REVIEW_FILE, metavar="FILE", help="review file (default: %(default)s)")
    add("--cache", type=Path, default=config.FIND_CACHE, metavar="FILE", help="answers, kept a week (%(default)s)")
    add("--no-cache", action="store_true", help="ask the services again; keep no answers")
    add("--link-status", type=Path, default=config.LINK_STATUS, metavar="FILE", help="dead links from (%(default)s)")
    add("--contact", metavar="EMAIL", help="your e-mail address, sent to the services (default: the dataset's)")
    add(
        "--service",
        action="append",
        choices=tuple(config.FIND_BASES),
        metavar="NAME",
        help=f"ask only this service; repeat for more ({', '.join(config.FIND_BASES)}; default: all)",
    )
    for name, base in config.FIND_BASES.items():
        add(f"--{name}-url", default=base, metavar="URL", help=f"{name} API address (default: %(default)s)")
    add("--timeout", type=positive(float), default=10.0, metavar="SECONDS", help="per request (default: %(default)s)")
    add("--deadline", type=positive(float), default=900.0, metavar="SECONDS", help="whole run (default: %(default)s)")
    parser.set_defaults(run=run_find)


def run_find(args: argparse.Namespace) -> int:
    from pipeline.find.run import FindOptions, find
    from pipeline.find.services import SERVICES

    options = FindOptions(
        review=args.review,
        cache=None if args.no_cache else args.cache,
        contact=args.contact,
        services=tuple(args.service or SERVICES),
        bases={name: getattr(args, f"{name}_url") for name in SERVICES},
        timeout=args.timeout,
        deadline=args.deadline,
        link_status=args.link_status,
    )
    result = find(args.raw, args.curation, options, progress=stage_printer(args))
    if not args.quiet:
        counts = [(result.reviewed, "resource"), (result.candidates, "candidate"), (result.proposed, "snippet")]
        said = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts]
        print(f"{said[0]} asked about, {said[1]}, {said[2]} proposed; review them in {args.review}")
        if not result.complete:
            print(f"the deadline ({args.deadline:g} s) came first: run again for the rest (answers are cached)")
    return EXIT_OK
