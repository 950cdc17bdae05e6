"""Cold builds of two checkouts of the builder, in alternating pairs: is a change faster?

On a shared 2-core machine the same cold build of 10,000 events moves by 2-4 s from one
minute to the next, more than most changes are worth, so two `bench/run.py` runs an hour
apart say little about a change. Here the two checkouts build the same corpus in turn (A B,
then B A, ...), each time a new process with an empty cache folder and no output folder,
and the medians of their wall-clock and CPU seconds are compared: a slow minute then weighs
on both alike.

    git worktree add /tmp/before HEAD~3
    python bench/compare.py /tmp/before . --pairs 6
    python bench/compare.py /tmp/before . --corpus /tmp/c10    # reuse a generated corpus

It is a script, not a test: it prints figures and asserts nothing but that both builds
succeed and write the same files.
"""

from __future__ import annotations

import argparse
import compileall
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (a script beside this one, not a package)


def cold_build(checkout: Path, project: Path, output: Path, cache: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, all processes) of one cold build."""
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(checkout), XDG_CACHE_HOME=str(cache))
    command = [sys.executable, "-m", "builder", "build", str(project), "-o", str(output), "-q"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"the build of {checkout} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def same_files(one: Path, two: Path) -> bool:
    """Whether two output folders hold the same files with the same bytes."""
    comparison = filecmp.dircmp(one, two)
    stack = [comparison]
    while stack:
        current = stack.pop()
        if current.left_only or current.right_only or current.funny_files:
            return False
        _, mismatch, errors = filecmp.cmpfiles(
            current.left, current.right, current.common_files, shallow=False
        )
        if mismatch or errors:
            return False
        stack.extend(current.subdirs.values())
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="checkout of the builder to compare against")
    parser.add_argument("after", type=Path, help="checkout with the change")
    parser.add_argument("--pairs", type=int, default=5, help="builds of each (default: 5)")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--corpus", type=Path, help="an existing project to build instead")
    arguments = parser.parse_args()
    for checkout in (arguments.before, arguments.after):
        if not (checkout / "builder" / "__init__.py").is_file():
            # Else PYTHONPATH would name nothing and the installed builder would run on
            # both sides: a comparison of the code with itself, reported as a result.
            parser.error(f"{checkout} is not a checkout of the builder (no builder/ in it)")

    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    work = Path(tempfile.mkdtemp(prefix="timeline-compare-", dir=base))
    try:
        project = arguments.corpus
        if project is None:
            project = work / "corpus"
            print(f"generating {arguments.events:,} events and {arguments.articles:,} articles")
            corpus.generate(project, arguments.events, arguments.articles, seed=1)
        checkouts = {"before": arguments.before.resolve(), "after": arguments.after.resolve()}
        for checkout in checkouts.values():  # as installed: see run.compile_builder
            compileall.compile_dir(checkout / "builder", quiet=1)
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
        for pair in range(arguments.pairs):
            order = list(checkouts) if pair % 2 == 0 else list(reversed(checkouts))
            for name in order:
                wall, cpu = cold_build(
                    checkouts[name], project, work / f"site-{name}", work / "cache"
                )
                figures[name].append((wall, cpu))
                print(f"  pair {pair + 1}, {name}: {wall:.2f} s, {cpu:.1f} CPU s", flush=True)
        if not same_files(work / "site-before", work / "site-after"):
            print("note: the two checkouts wrote different files")
        medians = {
            name: (
                statistics.median(w for w, _ in runs),
                statistics.median(c for _, c in runs),
            )
            for name, runs in figures.items()
        }
        for name, (wall, cpu) in medians.items():
            print(f"{name:6} median {wall:6.2f} s wall, {cpu:5.1f} CPU s  ({checkouts[name]})")
        (wall_before, cpu_before), (wall_after, cpu_after) = medians.values()
        print(
            f"after/before: wall {wall_after / wall_before:.3f}, CPU {cpu_after / cpu_before:.3f}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
