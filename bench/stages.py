"""Where each process's CPU goes, by stage: py-spy samples of every service process during figure 1.

`python -m bench --stages` runs figure 1's commands once more with `py-spy record` attached to each service
process (sampling slows them, so the figures themselves are measured without it). A sample is charged to the
first stage in `STAGES` whose marker is one of its frames: a use case's contract check is "check event against
contract" even though it runs pydantic, and pydantic under FastStream's handler call is "validate command". A
stage's µs per command = its share of the process's samples × the process's CPU per command in that run. Only
the thread holding the interpreter lock is sampled (`sampling`): time a process spends outside it (SQLite's and
the sockets' C code) is spread over the stages in proportion, so a stage's figure is its Python work plus its
share of that.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import commands

STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("check event against contract", ("WireMap.check",)),
    ("store: map events, insert, commit", ("ServiceApplication._insert", "insert_events")),
    ("decide (use case, receipt)", ("ServiceApplication._decide", "_execute_alone", "_settle_failure")),
    ("reply and settle", ("ServiceApplication._settle", "Pending.digest", "accepted", "wrap_future")),
    ("read command body (size, JSON, actor)", ("check_body", "check_actor")),
    ("validate command (FastStream + pydantic)", ("CallModel.asolve", "_PydanticSerializer", "decode_message")),
    ("relay: read store, serialise, chain", ("Relay.envelopes", "Relay.checkpoints", "Relay.rechain")),
    ("relay: publish, await acks", ("Relay.publish", "_handle_async_reply")),
    ("views: parse and check events", ("parse_bytes",)),
    ("views: apply to SQL, commit", ("View.apply", "View.skip")),
    ("views: fetch and ack", ("_fetch_n", "PullSubscription.fetch", "Msg.ack")),
    ("notifier: plan and decide notices", ("decide_due", "plan_reminders", "Dispatcher", "dispatch")),
    ("FastStream message handling", ("_consume_msg", "consume_scope", "process_message")),
    ("writer thread (queue)", ("Writer._run",)),
    ("thread hand-offs", ("to_thread", "ThreadPoolExecutor.submit", "_WorkItem.run", "call_soon_threadsafe")),
    ("NATS client I/O", ("Client._read_loop", "Client._flusher", "_wait_for_msgs", "Parser.parse")),
)
"""(stage, frame markers), in the order a sample is charged: the first stage with a marker among its frames."""
OTHER = "event loop and other"
RATE = 100
"""Samples per second and process: enough for shares of a few percent over a run of thousands of commands."""
_LOCATION = re.compile(r" \(.*\)$")


def py_spy() -> str:
    """The py-spy executable: on the PATH, or beside this interpreter (a virtual environment not activated)."""
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("--stages needs py-spy (`pip install -e '.[dev]'` installs it)")
    return found


@contextmanager
def sampling(pids: dict[str, int], out: Path, rate: int = 100) -> Iterator[dict[str, Path]]:
    """`py-spy record --gil` on every process until the block ends (raw stacks of the thread holding the
    interpreter lock, `rate` times a second); yields the files they write when they are interrupted.

    Only the lock holder is sampled: without `--gil`, idle event loops and thread pools (waiting in C) are
    sampled as if they worked."""
    out.mkdir(parents=True, exist_ok=True)
    files = {key: out / f"{re.sub(r'[^a-z]+', '-', key).strip('-')}.txt" for key in pids}
    spies = [
        subprocess.Popen(
            [py_spy(), "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw", "--nonblocking", "--gil"]
            + ["--output", str(files[key])],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for key, pid in pids.items()
    ]
    try:
        yield files
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            spy.wait(timeout=60)


async def profile_commands(nc: Any, watcher: commands.ViewWatcher, n: int, cluster: Any, out: Path) -> dict[str, Any]:
    """Figure 1's throughput again, sampled: its rate and CPU (lower than unsampled) and the stages per process."""
    pids = {key: p.pid for key, p in cluster.procs.items() if p.poll() is None}
    with sampling(pids, out, RATE) as files:
        await asyncio.sleep(1.0)  # the samplers attach
        tp = await commands.throughput(nc, watcher, n, cluster.cpu, prefix="s")
    return tp | {"stages": per_command(files, tp["cpu_us_per_command"]), "sample_rate": RATE}


def stage_of(frames: list[str]) -> str:
    names = [_LOCATION.sub("", frame) for frame in frames]
    for stage, markers in STAGES:
        if any(marker in name for name in names for marker in markers):
            return stage
    return OTHER


def counts(raw: Path) -> Counter[str]:
    """Stage → samples in one py-spy raw file (`frame;frame;… count` per line)."""
    found: Counter[str] = Counter()
    for line in raw.read_text().splitlines() if raw.exists() else []:
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            found[stage_of(stack.split(";"))] += int(n)
    return found


def per_command(files: dict[str, Path], cpu_us: dict[str, float]) -> dict[str, dict[str, int]]:
    """Process → stage → µs of CPU per command: the process's CPU per command in the sampled run, split by the
    stages' shares of its samples."""
    out: dict[str, dict[str, int]] = {}
    for key, path in files.items():
        found = counts(path)
        total = sum(found.values())
        if total and cpu_us.get(key):
            out[key] = {stage: round(samples / total * cpu_us[key]) for stage, samples in found.most_common()}
    return out


def markdown(stages: dict[str, dict[str, int]], limit: int = 6) -> str:
    """One row per process: its CPU per command and its largest stages."""
    lines = ["| process | µs per command | largest stages (µs per command) |", "|---|---:|---|"]
    for key, split in stages.items():
        top = sorted(split.items(), key=lambda kv: -kv[1])[:limit]
        lines.append(f"| {key} | {sum(split.values()):,} | " + "; ".join(f"{s} {v:,}" for s, v in top) + " |")
    return "\n".join(lines)
