"""The real ``jknrules serve`` in a subprocess on 127.0.0.1 and a free port: it starts,
answers, reloads on SIGHUP (refusing a broken set), and stops on SIGTERM. Every wait is
bounded; the process is killed whatever happens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from .serve_helpers import CASE, KEY, copy_policies, free_port

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="SIGHUP is POSIX only")

START_TIMEOUT = 60.0


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process, self.base = process, f"http://127.0.0.1:{port}"

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.post(self.base + path, timeout=30, **kw)

    def fingerprint(self) -> str:
        value: str = self.get("/ready").json()["fingerprint"]
        return value

    def wait_for(self, condition: Any, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}: "
                                     f"{self.process.stderr.read() if self.process.stderr else ''}")
            try:
                if condition():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")


def workers(server: Server) -> set[int]:
    """The worker processes of a ``--workers N`` server (uvicorn's spawned children; not
    multiprocessing's resource tracker), from /proc."""
    found = set()
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                found.add(int(pid))
    return found


def stopped(server: Server) -> None:
    """SIGTERM: a graceful stop (uvicorn finishes the requests under way, then ends by the
    signal it was sent, as systemd expects)."""
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)


@pytest.fixture()
def start(tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []

    def launch(*argv: str) -> Server:
        port = free_port()
        env = {**os.environ, "JKNRULES_API_KEYS": KEY}
        process = subprocess.Popen(
            [sys.executable, "-m", "jknrules", "serve", "--port", str(port), "--no-access-log",
             *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            cwd=tmp_path, start_new_session=True)
        started.append(process)
        server = Server(process, port)
        server.wait_for(lambda: server.get("/ready").status_code == 200, "/ready")
        return server

    yield launch
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_serve_answers_reloads_and_stops(start: Any, tmp_path: Path) -> None:
    folder = copy_policies(tmp_path)
    log = tmp_path / "decisions.jsonl"
    server = start("--policies", str(folder), "--record", str(log))
    auth = {"Authorization": f"Bearer {KEY}"}
    response = server.post("/v1/evaluate", json=CASE, headers=auth)
    assert response.status_code == 200
    assert response.json()["outcome"] == "incomplete"
    assert response.headers["x-jknrules-decision-id"] in log.read_text(encoding="utf-8")
    assert server.post("/v1/evaluate", json=CASE).status_code == 401  # keys from the env
    before = server.fingerprint()
    # a broken file: SIGHUP is refused, the old set keeps serving
    path = folder / "karangasem.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text("regency: karangasem\nversions: [\n", encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(lambda: 'result="refused"} 1.0' in server.get("/metrics", headers=auth).text,
                    "the refused reload")
    assert server.fingerprint() == before
    assert server.post("/v1/evaluate", json=CASE, headers=auth).status_code == 200
    # a changed, valid file: SIGHUP puts it in force
    path.write_text(good.replace("(MPP) Kabupaten", "(MPP) Kab.", 1), encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    server.wait_for(lambda: server.fingerprint() != before, "the new set")
    office = server.post("/v1/evaluate", json=CASE, headers=auth).json()["route"]["office"]
    assert "(MPP) Kab." in office
    stopped(server)
    stderr = server.process.stderr.read() if server.process.stderr else ""
    assert "reload refused" in stderr and "policies reloaded" in stderr
    assert "Traceback" not in stderr
    assert len([line for line in log.read_text(encoding="utf-8").splitlines()
                if '"result"' in line]) == 3


def test_two_workers_serve_and_a_broken_reload_keeps_them(start: Any, tmp_path: Path) -> None:
    folder = copy_policies(tmp_path)
    log = tmp_path / "decisions.jsonl"
    server = start("--policies", str(folder), "--workers", "2", "--record", str(log))
    auth = {"Authorization": f"Bearer {KEY}"}
    before = server.fingerprint()
    first = workers(server)
    assert len(first) == 2
    with ThreadPoolExecutor(8) as pool:  # both workers append to one log at once
        codes = list(pool.map(lambda _: server.post("/v1/evaluate", json=CASE,
                                                    headers=auth).status_code, range(40)))
    assert codes == [200] * 40
    path = folder / "batang.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text("regency: [batang\n", encoding="utf-8")
    refused = server.post("/v1/admin/reload", headers=auth)
    assert refused.status_code == 409
    path.write_text(good, encoding="utf-8")
    other = folder / "karangasem.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("(MPP) Kabupaten", "(MPP) Kab.", 1),
                     encoding="utf-8")
    done = server.post("/v1/admin/reload", headers=auth)
    assert done.status_code == 200, done.text
    new = done.json()["fingerprint"]
    assert new != before
    # the supervisor replaces every worker: once the old ones have gone, every answer
    # comes from the new set
    server.wait_for(lambda: len(workers(server)) == 2 and not workers(server) & first,
                    "both workers replaced")
    assert all(server.fingerprint() == new for _ in range(20))
    body = json.dumps(CASE)
    assert server.post("/v1/evaluate", content=body, headers=auth).headers[
        "x-jknrules-policy-set"] == new
    stopped(server)
    # one hash chain, whichever worker wrote each record
    done_replay = subprocess.run([sys.executable, "-m", "jknrules", "replay", str(log),
                                  "--policies", str(folder)], capture_output=True, text=True,
                                 timeout=300, cwd=tmp_path)
    assert done_replay.returncode in (0, 1), done_replay.stderr
    assert "JKN-A05" not in done_replay.stdout, done_replay.stdout


def test_a_request_offering_an_http2_upgrade_keeps_its_body(start: Any, tmp_path: Path) -> None:
    """Java's stock HttpClient offers ``Upgrade: h2c`` on every request over http://; the
    server must ignore the offer and read the body (uvicorn's httptools parser drops it,
    uvicorn issue 2722, so ``serve`` uses h11 by default)."""
    import socket

    server = start("--policies", str(copy_policies(tmp_path)))
    body = json.dumps(CASE).encode("utf-8")
    port = int(server.base.rsplit(":", 1)[1])
    head = (f"POST /v1/evaluate?trace=false HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            f"HTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += s.recv(65536)
        headers, _, rest = answer.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in headers.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        while len(rest) < length:
            rest += s.recv(65536)
    assert headers.startswith(b"HTTP/1.1 200"), headers
    assert json.loads(rest)["outcome"] == "incomplete"


def _count(metrics: str, line_start: str) -> float:
    """The value of the one metric line starting with ``line_start`` (0 if none)."""
    found = [float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
             if line.startswith(line_start)]
    assert len(found) <= 1, found
    return found[0] if found else 0.0


def test_two_workers_sum_their_metrics_and_share_sign_ins(start: Any, tmp_path: Path) -> None:
    """``/metrics`` with ``--workers 2`` counts every worker's requests whichever worker
    the scrape reaches (prometheus-client's multiprocess mode, in a folder of the run,
    removed when the server stops); a sign-in made by one worker holds for the other."""
    server = start("--workers", "2", "--policies", str(copy_policies(tmp_path)))
    auth = {"Authorization": f"Bearer {KEY}"}
    assert len(workers(server)) == 2
    with ThreadPoolExecutor(8) as pool:  # each request on a connection of its own
        codes = list(pool.map(lambda _: server.post("/v1/evaluate", json=CASE,
                                                    headers=auth).status_code, range(40)))
    assert codes == [200] * 40
    evaluated = 'jknrules_http_requests_total{method="POST",route="/v1/evaluate",status="200"}'
    decided = 'jknrules_decisions_total{outcome="incomplete",regency="karangasem"}'
    for _ in range(6):  # scrapes reach either worker: each sees the sum
        text = server.get("/metrics", headers=auth).text
        assert _count(text, evaluated) == 40.0, text
        assert _count(text, decided) == 40.0
        assert text.count("jknrules_policy_set_info{") == 1
    # one secret for the workers: the cookie one gave is good for the other
    signed = server.post("/masuk", data={"key": KEY, "next": "/kebijakan"})
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].split(";", 1)[0]
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda _: server.get("/kebijakan", headers={"Cookie": cookie}
                                                   ).status_code, range(20)))
    assert pages == [200] * 20
    environ = Path(f"/proc/{min(workers(server))}/environ").read_bytes().split(b"\0")
    folder = Path(next(v for v in environ if v.startswith(b"PROMETHEUS_MULTIPROC_DIR="))
                  .split(b"=", 1)[1].decode())
    assert folder.name.startswith("jknrules-metrics-") and any(folder.glob("counter_*.db"))
    stopped(server)
    assert not folder.exists()  # the run's metrics folder is removed
