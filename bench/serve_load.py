"""A bounded load test of ``jknrules serve`` over loopback.

    .venv/bin/pip install '.[bench,serve]' && .venv/bin/python bench/serve_load.py \
        [--requests 20000] [--connections 16] [--workers 1,2] [--http h11,httptools]
        [--trace] [--json FILE]

For each HTTP parser (``serve --http``, default h11) and worker count: starts ``jknrules
serve`` on 127.0.0.1 and a free port, sends ``--requests`` ``POST /v1/evaluate`` (seeded
cases from ``bench/generate.py``, 2,000 distinct, cycled) over ``--connections`` keep-
alive connections, stops the server, and prints requests/s, p50/p90/p99/max latency and
the number of errors (any answer other than 200, or a broken connection; the run exits 1
if there is one). The client is a small asyncio HTTP/1.1 client in one process (cheaper
per request than a full HTTP library, so more of the machine is left to the server); on
a 2-core machine it shares the cores with the server's workers, which the figures
include.

The reference, measured in the same run: ``jknrules.evaluate`` of the same cases in
this process, one after another (no HTTP, no JSON text), as cases/s — the HTTP figures
are printed as ratios to it. Nothing here is asserted by the test suite. Every wait is
bounded (``--timeout`` seconds per run); the server is killed whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import as_json_cases, make_cases  # noqa: E402

import jknrules  # noqa: E402


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(port: int, workers: int, http: str, timeout: float) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "jknrules", "serve", "--port", str(port), "--workers",
         str(workers), "--http", http, "--no-access-log", "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        cwd=HERE.parent)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit("the server did not become ready in time")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


async def connection(port: int, bodies: list[bytes], queue: asyncio.Queue[int],
                     path: str, latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: {}\r\n\r\n")
    try:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = bodies[i % len(bodies)]
            t0 = time.perf_counter()
            writer.write(head.format(len(body)).encode("ascii") + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            status = status_line.split(b" ", 2)[1:2]
            if status != [b"200"]:
                errors.append(status_line.decode("latin-1").strip())
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def load(port: int, bodies: list[bytes], requests: int, connections: int,
               path: str) -> tuple[list[float], list[str], float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    latencies: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    await asyncio.gather(*(connection(port, bodies, queue, path, latencies, errors)
                           for _ in range(connections)))
    return latencies, errors, time.perf_counter() - t0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def reference(cases: list[dict[str, Any]], trace: bool, seconds: float = 5.0) -> float:
    policies = jknrules.load_policies()
    for case in cases[:200]:
        jknrules.evaluate(case, policies, trace=trace)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for case in cases:
            jknrules.evaluate(case, policies, trace=trace)
        n += len(cases)
    return n / (time.perf_counter() - t0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--http", default="h11",
                        help="the server's HTTP parsers to measure, e.g. h11,httptools")
    parser.add_argument("--trace", action="store_true", help="ask for the trace too")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    cases = as_json_cases(make_cases(2_000, seed=7))
    bodies = [json.dumps(c, ensure_ascii=False).encode("utf-8") for c in cases]
    path = "/v1/evaluate" + ("" if args.trace else "?trace=false")
    say(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, jknrules {jknrules.__version__}")
    say(f"{args.requests:,} requests of POST {path} over {args.connections} connections, "
        f"2,000 distinct cases ({sum(map(len, bodies)) // len(bodies)} bytes on average)")
    ref = reference(cases, args.trace)
    say(f"reference: jknrules.evaluate in this process, one after another: {ref:,.0f} cases/s "
        f"({1e6 / ref:.0f} µs per case)")
    report: dict[str, Any] = {"reference_cases_per_s": ref, "runs": []}
    failed = False
    runs = [(http, int(w)) for http in args.http.split(",") for w in args.workers.split(",")]
    for http, workers in runs:
        port = free_port()
        process = start(port, workers, http, 120)
        try:
            # warm every worker's memos a little, outside the measurement
            asyncio.run(asyncio.wait_for(load(port, bodies, 2_000, args.connections, path),
                                         args.timeout))
            latencies, errors, wall = asyncio.run(asyncio.wait_for(
                load(port, bodies, args.requests, args.connections, path), args.timeout))
        finally:
            stop(process)
        rate = len(latencies) / wall
        run = {"http": http, "workers": workers, "requests": len(latencies), "errors": len(errors),
               "seconds": wall, "requests_per_s": rate,
               "p50_ms": 1e3 * statistics.median(latencies),
               "p90_ms": 1e3 * percentile(latencies, 90),
               "p99_ms": 1e3 * percentile(latencies, 99), "max_ms": 1e3 * max(latencies),
               "ratio_to_reference": rate / ref}
        report["runs"].append(run)
        say(f"{http}, workers {workers}: {rate:,.0f} requests/s ({wall:.1f} s), latency p50 "
            f"{run['p50_ms']:.2f} ms, p90 {run['p90_ms']:.2f} ms, p99 {run['p99_ms']:.2f} ms, "
            f"max {run['max_ms']:.1f} ms; errors {len(errors)}; "
            f"{rate / ref:.2f}× the in-process rate")
        if errors:
            failed = True
            say(f"  first errors: {errors[:3]}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
