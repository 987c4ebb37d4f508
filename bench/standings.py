"""Figure 5 alone, to compare source trees: the standings route under load, one read API per tree, one run.

The evaluation's views are filled in-process from the same history as the full benchmark (`bench/history.py`:
3,000 units in 10 blocks, 1,000,000 events by default), without NATS: the route reads only the views, so
what is measured is the read API. Each tree's API (`python -m emulation api`, run from that tree) is loaded in
turn, round after round, so every tree sees the same machine:

    python -m bench.standings --data /tmp/standings-1m                    # this tree
    python -m bench.standings --data /tmp/standings-1m --tree /tmp/base   # this tree and another, alternately
    python -m bench.standings --data /tmp/standings-1m --token            # with a tokens file and a council token

The data dir is filled once and reused by later runs. Every request accepts gzip, as real clients' do (the
`/healthz` baseline's too); the JSON route is also loaded asking for identity, and the workspace's standings page
(`/campaigns/…/standings`) beside it. `--events 100000` is enough to compare trees: the body is the same size
(3,000 units), only filling the views is quicker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import history
from bench.httpload import load
from bench.procs import ROOT
from bench.scale import GZIP, IDENTITY, encodings
from emulation import natsd
from shared.infra.settings import Settings

STANDINGS = f"/v1/campaigns/{history.CAMPAIGN}/standings"
PAGE = f"/campaigns/{history.CAMPAIGN}/standings"


def fill(settings: Settings, n: int, units: int, batch: int = 5000) -> None:
    """The evaluation's views as its consumers would leave them after `n` events (stream positions 1..n)."""
    from services.evaluation.factory import build_views
    from shared.infra.consumer import parse_bytes

    views = build_views(settings)
    if all(v.position() >= n for v in views):
        return
    pending: list[tuple[int, Any]] = []
    start = time.perf_counter()
    for seq, (_, body) in enumerate(history.events(n, units), start=1):
        pending.append((seq, parse_bytes(body)))
        if len(pending) == batch:
            for v in views:
                v.apply(pending)
            pending = []
    for v in views:
        v.apply(pending)
    print(f"filled {n} events in {time.perf_counter() - start:.0f} s", file=sys.stderr)


def start_api(tree: Path, settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | settings.to_env() | {"PYTHONPATH": str(tree)}
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "emulation", "api"], env=env, cwd=tree, stdout=out, stderr=out)
    natsd.wait_for_port(settings.api_port, timeout=60)
    return proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="data dir holding the evaluation's views (filled once)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--tree", type=Path, action="append", default=[], help="another source tree to compare")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--token", action="store_true", help="a tokens file, and a council token on every request")
    args = ap.parse_args()

    settings = Settings(data_dir=args.data.resolve(), log_level="WARNING")
    fill(settings, args.events, args.units)
    headers: dict[str, str] = GZIP
    if args.token:
        from services.read_api.access import create_token

        tokens = settings.data_dir / "bench-tokens.json"
        tokens.unlink(missing_ok=True)
        headers = GZIP | {"Authorization": f"Bearer {create_token(tokens, 'council')}"}
        settings = settings.replace(api_tokens_file=str(tokens))
    trees = [ROOT, *(t.resolve() for t in args.tree)]
    apis = {}
    for i, tree in enumerate(trees):
        s = settings.replace(api_port=natsd.free_port())
        apis[tree] = (s.api_port, start_api(tree, s, settings.data_dir / f"api-{i}.log"))
    loads: tuple[tuple[str, dict[str, str]], ...] = (
        ("/healthz", {}),
        (STANDINGS, {}),
        (STANDINGS + " (identity)", IDENTITY),
        (PAGE, {}),
    )
    try:
        for tree, (port, _) in apis.items():
            try:
                print(f"{tree} {STANDINGS}: {encodings(port, also=headers)}", flush=True)
            except AssertionError as e:  # a tree from before gzip, compared
                print(f"{tree} {STANDINGS}: not gzip ({e})", flush=True)
        for r in range(args.rounds):
            for tree, (port, proc) in apis.items():
                for path, also in loads:
                    url = path.split(" ")[0]
                    got = load(port, url, args.seconds, args.clients, headers=headers | also, pid=proc.pid)
                    print(
                        f"round {r + 1} {tree} {path}: {got['per_s']:,.0f} req/s, p50 {got['p50']:.1f} ms, "
                        f"p99 {got['p99']:.1f} ms, API CPU {got['cpu_us']:,.0f} µs/request",
                        flush=True,
                    )
    finally:
        for _, proc in apis.values():
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
