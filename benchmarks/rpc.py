"""RPC benchmark: what the remote path costs per call, and what the server sustains.

0. Pages on the wire: the bytes of one page of 50 (QueryIncidents and
   QueryIncidentPreviews), plain and gzipped, as the server sends them.
   Goal: <= 25 KB gzipped.
1. Per-call overhead: RpcBackend -> ``incident-tui serve`` (a subprocess, over
   loopback) -> SqliteBackend, versus calling SqliteBackend directly, for
   GetIncident and a first page of QueryIncidents. Medians, the difference and
   the ratio, for full incidents and for previews (the list's page). Times are
   median (min-max). Target: <= 3 ms median added per page.
2. Throughput: N concurrent clients (default 16, one connection each) on
   QueryIncidents (first page) and on AddActivity: requests/s, p50/p99 latency,
   errors. "raw" clients are a load generator (httpx posting bytes, checking the
   status) and measure the server; "rpc" clients are RpcBackends that also parse
   every reply, so on 2 cores they compete with the server for CPU.
   Targets: >= 300 reads/s and p99 <= 100 ms, no errors.
3. Abuse (once, cache on): GetRoles latency while 300 connections each hold half a
   request line (from five other loopback addresses), then a flood of 600 requests, 300
   at a time from one address: how many 200/429/503, and whether any answer was not JSON.
Both parts run twice: with the server's read cache off, then on (the default). With
the cache on, a repeated identical read skips the store on the server, so "added" then
compares a cached remote call with a real direct query: read it as what a console
polling an unchanged page pays, not as pure transport cost.

Run: ``.venv/bin/python benchmarks/rpc.py`` (add ``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from incident_tui import models as m  # noqa: E402
from incident_tui.backends.base import Backend  # noqa: E402
from incident_tui.backends.rpc import RpcBackend, Timeouts  # noqa: E402
from incident_tui.errors import BackendError  # noqa: E402

PAGE = 50


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def timed(calls: int, fn: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(min(20, calls)):  # warm up caches and the connection
        await fn()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return samples


def span(samples: list[float]) -> str:
    """``median (min-max)`` in ms."""
    return (
        f"{statistics.median(samples) * 1000:6.2f} ({min(samples) * 1000:.2f}"
        f"-{max(samples) * 1000:.2f}) ms"
    )


FIRST_PAGE = m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=PAGE))
PREVIEW_PAGE = m.QueryIncidentPreviewsRequest(
    query=m.IncidentPreviewsQuery(limit=PAGE), include_membership_preview=True
)


def workload(backend: Backend, ids: list[str]) -> dict[str, Callable[[], Awaitable[object]]]:
    rng = random.Random(1)
    return {
        "GetIncident": lambda: backend.get_incident(
            m.GetIncidentRequest(incident_id=rng.choice(ids))
        ),
        f"QueryIncidents (page of {PAGE})": lambda: backend.query_incidents(FIRST_PAGE),
        f"QueryIncidentPreviews ({PAGE})": lambda: backend.query_incident_previews(PREVIEW_PAGE),
    }


async def wire_sizes(url: str, token: str) -> None:
    """Bytes of one page as sent: plain (Accept-Encoding: identity) and gzipped."""
    import httpx

    print(f"\n0. A page of {PAGE} on the wire (response body bytes, as sent)")
    print(f"   {'method':<32} {'plain':>10} {'gzip':>10} {'ratio':>7}")
    pages = {
        "IncidentsService.QueryIncidents": FIRST_PAGE,
        "IncidentsService.QueryIncidentPreviews": PREVIEW_PAGE,
    }
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        for path, request in pages.items():
            sizes = {}
            for coding in ("identity", "gzip"):
                resp = await http.post(
                    f"/api/plugins/grafana-irm-app/resources/api/v1/{path}",
                    content=request.to_json_bytes(),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                        "Accept-Encoding": coding,
                    },
                )
                assert resp.status_code == 200, resp.text
                sizes[coding] = resp.num_bytes_downloaded
            name = path.split(".")[1]
            print(
                f"   {name:<32} {sizes['identity'] / 1024:7.1f} KB {sizes['gzip'] / 1024:7.1f} KB"
                f" {sizes['identity'] / sizes['gzip']:6.1f}x"
            )


SERVER = """
import asyncio, logging, sys
from pathlib import Path
from incident_tui.server.app import bind_socket, serve_store
from incident_tui.server.tokens import TokenStore
db, tokens, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "cache"
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
sys.exit(asyncio.run(serve_store(db, TokenStore.load(tokens), bind_socket("127.0.0.1", 0),
                                 tokens, cache=cache)))
"""


def start_server(
    db: Path, tokens: Path, log: Path, *, cache: bool = True
) -> tuple[subprocess.Popen[str], str]:
    """``incident-tui serve`` in its own process (what ``serve`` runs, with the cache knob)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), INCIDENT_TUI_CONFIG=str(db.parent / "none.toml"))
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(db), str(tokens), "cache" if cache else "nocache"],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"server did not start; see {log}")
    return proc, url


async def overhead(db: Path, url: str, token: str, ids: list[str], calls: int, label: str) -> None:
    from incident_tui.backends.sqlite import SqliteBackend

    direct = await SqliteBackend.open(db, m.UserPreview(user_id="bench", name="Bench"))
    remote = RpcBackend(url, token)
    print(f"\n1. Per-call overhead ({label}; {calls} sequential calls each)")
    print(
        f"   {'method':<30} {'direct, median (min-max)':>26} {'via RPC (gzip)':>26}"
        f" {'added':>10} {'ratio':>6}"
    )
    try:
        direct_load = workload(direct, ids)
        remote_load = workload(remote, ids)
        for name in direct_load:
            ds = await timed(calls, direct_load[name])
            rs = await timed(calls, remote_load[name])
            d, r = statistics.median(ds), statistics.median(rs)
            print(f"   {name:<30} {span(ds):>26} {span(rs):>26} {ms(r - d):>10} {r / d:5.1f}x")
    finally:
        await direct.close()
        await remote.close()


async def throughput(
    url: str, token: str, ids: list[str], clients: int, seconds: float, name: str, via: str
) -> None:
    """``clients`` concurrent loops for ``seconds``; ``via`` "rpc" (RpcBackend, parses every
    reply) or "raw" (a load generator: httpx posting the same bytes, checking the status)."""
    import httpx

    first_page = m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=PAGE))
    latencies: list[float] = []
    errors: list[str] = []
    path = (
        "IncidentsService.QueryIncidents"
        if name == "QueryIncidents"
        else "ActivityService.AddActivity"
    )

    def request_for(rng: random.Random) -> m.Request:
        if name == "QueryIncidents":
            return first_page
        return m.AddActivityRequest(
            incident_id=rng.choice(ids), activity_kind="userNote", body="bench note"
        )

    async def rpc_client(seed: int) -> None:
        rng = random.Random(seed)
        backend = RpcBackend(url, token, timeouts=Timeouts(read=30, deadline=60))
        await backend.get_roles()  # open the connection before the clock starts
        await start.wait()
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                request = request_for(rng)
                if name == "QueryIncidents":
                    await backend.query_incidents(request)
                else:
                    await backend.add_activity(request)
            except BackendError as exc:
                errors.append(str(exc))
            latencies.append(time.perf_counter() - began)
        await backend.close()

    async def raw_client(seed: int) -> None:
        rng = random.Random(seed)
        endpoint = f"{url}/api/plugins/grafana-irm-app/resources/api/v1/{path}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=30) as http:
            await http.post(endpoint, content=first_page.to_json(), headers=headers)
            await start.wait()
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                resp = await http.post(
                    endpoint, content=request_for(rng).to_json(), headers=headers
                )
                if resp.status_code != 200 or not resp.content.startswith(b"{"):
                    errors.append(f"HTTP {resp.status_code}")
                latencies.append(time.perf_counter() - began)

    start = asyncio.Event()
    stop_at = float("inf")
    loop_fn = rpc_client if via == "rpc" else raw_client
    tasks = [asyncio.create_task(loop_fn(i)) for i in range(clients)]
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    stop_at = began + seconds
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    label = f"{name} ({via})"
    print(
        f"   {label:<26} {len(latencies) / elapsed:6.0f} req/s   p50 {ms(percentile(latencies, 0.5))}"
        f"   p99 {ms(percentile(latencies, 0.99))}   errors {len(errors)}"
    )
    if errors:
        print(f"      first error: {errors[0]}")


async def abuse(url: str, token: str) -> None:
    import json

    import httpx

    host, port = url.removeprefix("http://").split(":")
    path = "/api/plugins/grafana-irm-app/resources/api/v1/RolesService.GetRoles"
    slow = []
    for n in range(300):
        reader, writer = await asyncio.open_connection(
            host, int(port), local_addr=(f"127.0.0.{2 + n % 5}", 0)
        )
        writer.write(f"POST {path} HT".encode())
        slow.append(writer)
    samples = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for _ in range(50):
            began = time.perf_counter()
            resp = await http.post(path, json={}, headers={"Authorization": f"Bearer {token}"})
            samples.append(time.perf_counter() - began)
            assert resp.status_code == 200, resp.text
    for writer in slow:
        writer.close()
    print("\n3. Abuse (read cache on)")
    print(f"   GetRoles with 300 slow connections open: {span(samples)} (50 requests)")

    request = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    ).encode()

    async def one() -> str:
        reader, writer = await asyncio.open_connection(host, int(port), local_addr=("127.0.0.9", 0))
        try:
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            status = head.split(b" ", 2)[1].decode()
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            json.loads(await reader.readexactly(length))
            return status
        except (ValueError, IndexError, asyncio.IncompleteReadError):
            return "not JSON"
        finally:
            writer.close()

    began = time.perf_counter()
    answers: list[str] = []
    for _ in range(2):
        answers += await asyncio.gather(*(one() for _ in range(300)))
    counts = {status: answers.count(status) for status in sorted(set(answers))}
    print(
        f"   flood of 600 (300 at a time, one address) in {time.perf_counter() - began:.1f} s:"
        f" {counts}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=300, help="demo incidents in the store")
    parser.add_argument("--calls", type=int, default=300, help="sequential calls per method")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    args = parser.parse_args()

    from incident_tui.demo import fill_demo
    from incident_tui.server.tokens import TokenStore

    with tempfile.TemporaryDirectory(prefix="itui-rpc-bench-") as tmp:
        db = Path(tmp) / "store.db"
        summary = await fill_demo(db, count=args.incidents)
        tokens = TokenStore.load(Path(tmp) / "tokens.json")
        token = tokens.issue("bench", "edit")
        tokens.save()
        from incident_tui.backends.sqlite import SqliteBackend

        probe = await SqliteBackend.open(db)
        page = await probe.query_incidents(
            m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=500))
        )
        await probe.close()
        ids = [i.incident_id for i in page.incidents]
        print(f"store: {len(ids)} incidents ({summary!r:.80})")
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

        for cache in (False, True):
            log = Path(tmp) / f"server-{cache}.log"
            proc, url = start_server(db, Path(tmp) / "tokens.json", log, cache=cache)
            label = "with the server's read cache" if cache else "read cache off"
            try:
                await wire_sizes(url, token)
                await overhead(db, url, token, ids, args.calls, label)
                print(f"\n2. Throughput ({label}): {args.clients} concurrent clients,"
                      f" {args.seconds:g} s each, server in its own process")  # fmt: skip
                for name in ("QueryIncidents", "AddActivity"):
                    for via in ("raw", "rpc"):
                        await throughput(url, token, ids, args.clients, args.seconds, name, via)
                if cache:
                    await abuse(url, token)
            finally:
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
