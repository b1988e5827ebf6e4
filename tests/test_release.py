"""Releases: a reader of the output folder sees the previous set or the new one, whole, whatever happens.

A publisher is run in a child process that is killed, interrupted or made to fail at each step of the
swap in turn (every file system call it makes is a step), over a sequence of releases; after each,
the live set must be one whole release and the next successful run must leave nothing behind.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from pipeline.errors import EXIT_BUSY
from pipeline.locking import exclusive
from pipeline.publish import publish, releases_dir

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"

# The child publishes one generation of a file set; STEP_AT names the step at which it dies.
CHILD = textwrap.dedent(
    """
    import errno, hashlib, json, os, shutil, signal, sys
    sys.path.insert(0, {repo!r})
    import pipeline.publish as publish

    out, generation, mode, step_at = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    steps = 0

    def stepping(function):
        def step(*args, **kwargs):
            global steps
            steps += 1
            if steps == step_at:
                if mode == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if mode == "interrupt":
                    raise KeyboardInterrupt
                raise OSError(errno.ENOSPC, "No space left on device")
            return function(*args, **kwargs)
        return step

    for name in ("fsync", "rename", "replace", "symlink", "link", "mkdir", "chmod"):
        setattr(os, name, stepping(getattr(os, name)))
    shutil.rmtree = stepping(shutil.rmtree)
    files = {{
        "resources.csv": f"id,title\\r\\nr{{generation}},Generation {{generation}}\\r\\n".encode() * (generation + 1),
        "handbook.pdf": bytes([generation % 256]) * 5000,
        "site/index.html": f"<p>generation {{generation}}</p>".encode(),
    }}
    manifest = {{name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
    files["manifest.json"] = json.dumps({{"generation": generation, "files": manifest}}).encode()
    try:
        publish.publish(files, publish.Path(out), keep=lambda name: name.startswith("link-report."))
    except KeyboardInterrupt:
        sys.exit(130)
    except publish.PublishError as error:
        print(error.message, file=sys.stderr)
        sys.exit(3)
    print(steps)
    """
).format(repo=str(REPO))


def run_child(script: Path, out: Path, generation: int, mode: str = "none", step_at: int = 0):
    return subprocess.run(
        [sys.executable, script, out, str(generation), mode, str(step_at)], capture_output=True, text=True, timeout=60
    )


def live_generation(out: Path) -> int:
    """The generation the output folder shows, after checking that the set is whole and unmixed."""
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, f"{name} is from another release"
    listed = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == {*manifest["files"], "manifest.json", "link-report.md"}, listed
    assert (out / "link-report.md").read_text() == "kept across releases\n"
    return manifest["generation"]


def leftovers(out: Path) -> list[str]:
    releases = sorted(p.name for p in releases_dir(out).iterdir())
    links = sorted(p.name for p in out.parent.glob(f".{out.name}.next-*"))
    return [name for name in releases if not name.startswith("release-")] + links


@pytest.fixture
def child(tmp_path) -> Path:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return script


@pytest.fixture
def first_release(tmp_path, child) -> Path:
    out = tmp_path / "output"
    assert run_child(child, out, 0).returncode == 0
    publish({"link-report.md": b"kept across releases\n"}, out)  # what check-links adds; a build keeps it
    assert live_generation(out) == 0
    return out


@pytest.mark.parametrize("mode", ["kill", "interrupt", "fail"])
def test_a_publish_stopped_at_any_step_leaves_one_whole_release(mode, first_release, child):
    out = first_release
    total = int(run_child(child, out, 1).stdout)  # a clean run counts the steps of one publish
    assert total >= 10
    expected = 1
    for step in range(1, total + 1):
        generation = 100 + step
        stopped = run_child(child, out, generation, mode, step)
        shown = live_generation(out)
        assert shown in (expected, generation), f"step {step}: generation {shown}"
        if mode == "kill":
            assert stopped.returncode == -signal.SIGKILL
        else:  # interrupted or failed: the run cleans up after itself, and says so with its status
            assert stopped.returncode == (130 if mode == "interrupt" else 3) or shown == generation
            assert leftovers(out) == [], f"step {step} left {leftovers(out)}"
            if mode == "fail" and shown != generation:
                assert (
                    "No space left on device" in stopped.stderr and "previous outputs are untouched" in stopped.stderr
                )
        expected = shown
        assert run_child(child, out, generation + 1000).returncode == 0  # the next night's run
        assert live_generation(out) == generation + 1000
        assert leftovers(out) == []
        assert len(list(releases_dir(out).iterdir())) <= 2  # the live release and the one before it
        expected = generation + 1000


def test_a_reader_never_sees_a_mixed_set_while_releases_switch(first_release, child):
    out = first_release
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:  # a careful reader resolves the folder once, then reads the files of that one release
                seen.append(live_generation(out.resolve()))
            except FileNotFoundError:  # the release it resolved was removed two releases later: reread
                continue

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for generation in range(1, 16):
            assert run_child(child, out, generation).returncode == 0
    finally:
        stop.set()
        reader.join()
    assert seen and seen == sorted(seen)  # generations only move forward, each read whole


def test_earlier_plain_output_folder_is_adopted_and_strangers_are_refused(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / ".gitkeep").write_bytes(b"")
    (out / "resources.csv").write_bytes(b"old\r\n")
    publish({"resources.csv": b"new\r\n"}, out)
    assert out.is_symlink() and (out / "resources.csv").read_bytes() == b"new\r\n"

    home = tmp_path / "someone-else"
    home.mkdir()
    (home / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(Exception, match="did not write"):
        publish({"resources.csv": b"x"}, home)
    assert not home.is_symlink() and (home / "thesis.docx").read_bytes() == b"precious"


def test_a_build_waits_for_another_then_stops_with_busy(tmp_path, run_cli):
    out = tmp_path / "out"
    with exclusive(out, "a test"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "build",
                "--out",
                str(out),
                "--processed",
                str(tmp_path / "p"),
                "--releases",
                str(tmp_path / "releases"),
                "--wait",
                "0.5",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    assert result.returncode == EXIT_BUSY
    assert f"error: {out}: another run is using {out} (process {os.getpid()})" in result.stderr
    assert "hint: wait for it to end" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_two_builds_at_once_publish_one_after_the_other(tmp_path):
    """Two builds that find the folder in use both wait; once it is free they publish in turn, each whole.

    The test holds the folder until both have said they wait, so the two really overlap however busy
    the machine is; the small fixed guide keeps each build short.
    """
    out = tmp_path / "out"
    command = [
        *(sys.executable, "-m", "pipeline", "build", "-q", "--out", out, "--releases", tmp_path / "r"),
        *("--raw", FIXTURES / "handbook-guide.txt", "--curation", FIXTURES / "handbook-curation.toml"),
    ]
    logs = [tmp_path / f"build-{n}.err" for n in range(2)]
    with exclusive(out, "a test"):
        builds = []
        for n, log in enumerate(logs):
            with log.open("w") as stderr:
                builds.append(
                    subprocess.Popen(
                        [*map(str, command), "--processed", str(tmp_path / f"p{n}")], cwd=REPO, stderr=stderr
                    )
                )
        give_up = time.monotonic() + 120
        while not all("waiting for process" in log.read_text() for log in logs):
            assert time.monotonic() < give_up and all(build.poll() is None for build in builds), [
                log.read_text() for log in logs
            ]
            time.sleep(0.05)
    statuses = [build.wait(timeout=120) for build in builds]
    assert statuses == [0, 0], [log.read_text() for log in logs]
    package = json.loads((out / "datapackage.json").read_text())
    for resource in package["resources"]:
        if "hash" not in resource:  # link health: rewritten nightly, no part of the version
            continue
        assert resource["hash"] == "sha256:" + hashlib.sha256((out / resource["path"]).read_bytes()).hexdigest()
    assert leftovers(out) == [] and len(list(releases_dir(out).iterdir())) == 2


def test_a_build_killed_midway_leaves_the_previous_release_then_cleans_up(tmp_path, run_cli):
    """Builds are killed at three moments as whole processes; the builds around them run in this process."""
    out = tmp_path / "out"
    options = ["build", "-q", "--out", str(out), "--processed", str(tmp_path / "p"), "--releases", str(tmp_path / "r")]
    command = [sys.executable, "-m", "pipeline", *options]
    assert run_cli(*options).status == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for delay in (0.5, 1.5, 2.5):
        build = subprocess.Popen(command, cwd=REPO)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait()
        now = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        assert now == before or set(now) == set(before)  # a kill after the switch published the same content
    assert run_cli(*options).status == 0
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # same inputs, same bytes (the handbook's own layout: tests/test_handbook.py)
    assert leftovers(out) == []


def test_a_blocked_output_path_never_publishes_a_mixed_set(tmp_path, run_cli):
    """The reported case: `handbook.pdf` replaced by a folder. The next build publishes a whole new release
    beside it, or nothing: never new data files beside an old handbook."""
    out = tmp_path / "out"
    common = ("--out", out, "--processed", tmp_path / "p", "--releases", tmp_path / "r")
    assert run_cli("build", "-q", *common).status == 0
    (out / "handbook.pdf").unlink()
    (out / "handbook.pdf").mkdir()
    (out / "handbook.pdf" / "stray.txt").write_text("in the way")
    assert run_cli("build", "-q", *common).status == 0
    assert (out / "handbook.pdf").is_file() and (out / "handbook.pdf").read_bytes().startswith(b"%PDF")
    package = json.loads((out / "datapackage.json").read_text())
    for resource in package["resources"]:
        if "hash" not in resource:  # link health: rewritten nightly, no part of the version
            continue
        assert resource["hash"] == "sha256:" + hashlib.sha256((out / resource["path"]).read_bytes()).hexdigest()
    assert leftovers(out) == []
