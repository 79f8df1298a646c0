"""Sampling profiles of the benchmarked processes, taken with py-spy when `BENCH_PROFILE=1`
(`make bench PROFILE=1`): no code change in the services. py-spy reads the processes' memory
from outside (`--nonblocking`), but ten profilers at once cost CPU of their own: take the
figures from a run without them.

Each profile is written to docs/profiles/ twice: `<name>.svg`, a flame graph to open in a
browser (kept in the repository), and `<name>.txt`, the collapsed stacks (one line per
distinct stack with its sample count; not kept) that `where_time_goes` sums up per library for
the benchmark's figures. A thread seen waiting is left out, so the shares are of the CPU the
process used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
PROFILES = Path(__file__).resolve().parent.parent / "docs" / "profiles"
RATE = 100  # samples per second
WAITING = ("Condition.wait (threading.py", "EpollSelector.select (selectors.py")
FRAME = re.compile(r"\((?P<file>[^():]+)(?::\d+)?\)$")


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed (it is in the dev dependencies: make test)")
    return found


def _record(target: list[str], output: Path, fmt: str, seconds: float | None) -> list[str]:
    command = [py_spy(), "record", "--rate", str(RATE), "--nonblocking", "--format", fmt]
    command += ["--output", str(output)]
    if seconds is not None:
        command += ["--duration", str(max(1, round(seconds)))]
    return command + target


@contextmanager
def profiled(name: str, pid: int, seconds: float | None = None) -> Iterator[None]:
    """Profile the running process `pid` from entry for `seconds` (or until it exits), in both
    formats; waits for the profiler at exit. Does nothing unless BENCH_PROFILE is set."""
    if not PROFILE:
        yield
        return
    PROFILES.mkdir(parents=True, exist_ok=True)
    spies = [
        subprocess.Popen(
            _record(["--pid", str(pid)], PROFILES / f"{name}.{ext}", fmt, seconds),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fmt, ext in (("flamegraph", "svg"), ("raw", "txt"))
    ]
    try:
        yield
    finally:
        for spy in spies:
            spy.wait(None if seconds is None else seconds + 30)
        graph = PROFILES / f"{name}.svg"
        if graph.is_file():  # its title is the command line: paths relative to the checkout
            text = graph.read_text(encoding="utf-8", errors="replace")
            graph.write_text(text.replace(f"{PROFILES.parent.parent}/", ""), encoding="utf-8")


def where_time_goes(name: str, top: int = 6) -> str:
    """The profile `name` summed up: each library's share of the samples, by the file of the
    innermost frame (`asyncpg 21%, sqlalchemy 18%, …`); empty when there is no profile."""
    path = PROFILES / f"{name}.txt"
    if not PROFILE or not path.is_file():
        return ""
    shares = library_shares(path.read_text(encoding="utf-8", errors="replace"))
    total = sum(shares.values()) or 1
    listed = ", ".join(f"{lib} {100 * n / total:.0f}%" for lib, n in shares.most_common(top))
    return f"{listed} ({total:,} samples; docs/profiles/{name}.svg)"


def library_shares(collapsed: str) -> Counter[str]:
    """Samples per library of the innermost frame of each stack in py-spy's raw format."""
    shares: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        if not leaf.startswith(WAITING):  # a thread waiting, seen as busy by the sampler
            shares[library_of(leaf)] += int(count)
    return shares


def library_of(frame: str) -> str:
    """`"execute (sqlalchemy/engine/base.py:1415)"` → `"sqlalchemy"`: the top-level package of
    the frame's file (py-spy writes paths relative to the entry of `sys.path` they are under;
    absolute ones are reduced to what follows `site-packages` or a `src` folder); the standard
    library as `stdlib (module)`."""
    match = FRAME.search(frame)
    if match is None:
        return "other"
    parts = Path(match.group("file")).parts
    for anchor in ("site-packages", "src", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
    top = parts[0].removesuffix(".py") if parts else "other"
    return f"stdlib ({top})" if top in sys.stdlib_module_names else top


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """CPU seconds (user + system) the process has used; with its children's, living (each
    process whose parent it is: PostgreSQL's backends) and reaped, when `with_children`."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = _stat(pid)
    used = sum(int(f) for f in fields[11:13])  # utime, stime
    if with_children:
        used += sum(int(f) for f in fields[13:15])  # cutime, cstime: reaped children
        for child in Path("/proc").iterdir():
            if child.name.isdigit() and int(child.name) != pid:
                child_fields = _stat(int(child.name))
                if child_fields and child_fields[1] == str(pid):
                    used += sum(int(f) for f in child_fields[11:13])
    return used / ticks


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command name (index 0 = state, 1 = parent pid)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text.rpartition(")")[2].split()


def postgres_pid(data_dir: Path) -> int:
    """The postmaster's pid (the first line of its pid file)."""
    return int((data_dir / "postmaster.pid").read_text().split()[0])
