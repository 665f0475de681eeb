"""RPC benchmark: what the remote path costs per call, and what the server sustains.

0. Pages on the wire: the bytes of one page of 50 (QueryIncidents and
   QueryIncidentPreviews), plain and gzipped, as the server sends them.
   Goal: <= 25 KB gzipped.
1. Per-call overhead (read cache off, so every call is a real query): RpcBackend ->
   ``incident-tui serve`` (a subprocess, over loopback) -> SqliteBackend, versus
   calling SqliteBackend directly, for GetIncident, QueryIncidents and
   QueryIncidentPreviews. Direct and RPC calls are interleaved pair by pair with the
   same request (varied: random incidents, the varied page mix of part 4), so both
   sides meet the same machine load. Median (min-max), the difference of the medians
   and the median of the per-pair differences. Target: <= 3 ms median added per page.
2. Throughput of one repeated request: N concurrent clients (default 16) on
   QueryIncidents (the same first page) and on AddActivity: requests/s, p50/p99
   latency, errors. "load" is a load generator (``wrk`` when installed, else
   Python clients in separate processes; which one is printed) and measures the
   server; "rpc" clients are RpcBackends that also parse every reply, so on 2 cores
   they compete with the server for CPU. Targets: >= 300 reads/s, p99 <= 100 ms, no errors.
3. Abuse (once, cache on): GetRoles latency while 300 connections each hold half a
   request line (from five other loopback addresses), then a flood of 600 requests, 300
   at a time from one address: how many 200/429/503, and whether any answer was not JSON.
4. Varied QueryIncidents (issue 17): 16 clients from the load generator cycling through
   a few hundred different requests (query-language terms and filter fields, five sort
   orders, pages of 20/50/100, first pages and cursors 1-2 pages in and deep), on
   stores of 300 and 100 000 incidents (1 000 000 timeline items; made by
   ``benchmarks/store.py``'s generator and cached, by default under /tmp), read cache
   off and on; ``--rounds`` runs each, printed as median (min-max).
   Goal at 100 000: >= 300 req/s, p99 <= 100 ms, no errors. Sorting by duration (reads
   every incident by design) is left out of the mix; the first keystrokes of a live
   text filter (one-letter prefixes, words in most timelines) are a separate line.
Parts 0-3 run twice: with the server's read cache off, then on (the default); they use
a demo store of ``--incidents`` incidents.

Run: ``.venv/bin/python benchmarks/rpc.py`` (add ``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from incident_tui import models as m  # noqa: E402
from incident_tui.backends.base import Backend  # noqa: E402
from incident_tui.backends.rpc import RpcBackend, Timeouts  # noqa: E402
from incident_tui.errors import BackendError  # noqa: E402

PAGE = 50
#: The checkout whose server is measured (``--server-repo``: compare with another).
SERVER_REPO = REPO


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
try:  # the event loop ``serve`` runs on (an older checkout: asyncio's)
    from incident_tui.server.app import run_server
except ImportError:
    run_server = asyncio.run
db, tokens, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "cache"
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
sys.exit(run_server(serve_store(db, TokenStore.load(tokens), bind_socket("127.0.0.1", 0),
                                tokens, cache=cache)))
"""


def start_server(
    db: Path, tokens: Path, log: Path, *, cache: bool = True, repo: Path | None = None
) -> tuple[subprocess.Popen[str], str]:
    """``incident-tui serve`` in its own process (what ``serve`` runs, with the cache knob),
    from ``repo`` (default: ``--server-repo``, this checkout)."""
    env = dict(
        os.environ,
        PYTHONPATH=str(repo or SERVER_REPO),
        INCIDENT_TUI_CONFIG=str(db.parent / "none.toml"),
    )
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


async def overhead(
    db: Path, url: str, token: str, ids: list[str], bodies: list[bytes], calls: int, label: str
) -> None:
    """Direct and RPC calls interleaved pair by pair, each pair with the same request."""
    from incident_tui.backends.sqlite import SqliteBackend

    direct = await SqliteBackend.open(db, m.UserPreview(user_id="bench", name="Bench"))
    remote = RpcBackend(url, token)
    pages = [
        request
        for request in (m.QueryIncidentsRequest.model_validate_json(b) for b in bodies)
        if request.query.limit == PAGE
    ] or [FIRST_PAGE]
    rng = random.Random(1)
    kinds: dict[str, Callable[[Backend, m.Request], Awaitable[object]]] = {
        "GetIncident": lambda b, r: b.get_incident(r),  # type: ignore[arg-type]
        f"QueryIncidents (page of {PAGE})": lambda b, r: b.query_incidents(r),  # type: ignore[arg-type]
        f"QueryIncidentPreviews ({PAGE})": lambda b, r: b.query_incident_previews(r),  # type: ignore[arg-type]
    }

    def request_for(name: str) -> m.Request:
        if name == "GetIncident":
            return m.GetIncidentRequest(incident_id=rng.choice(ids))
        page = rng.choice(pages)
        if name.startswith("QueryIncidents "):
            return page
        asked = page.query
        return m.QueryIncidentPreviewsRequest(
            query=m.IncidentPreviewsQuery(
                limit=asked.limit,
                order_direction=asked.order_direction,
                order_field=asked.order_field,
                query_string=asked.query_string,
            ),
            include_membership_preview=True,
        )

    print(f"\n1. Per-call overhead ({label}; {calls} pairs each, direct and RPC interleaved)")
    print(
        f"   {'method':<30} {'direct, median (min-max)':>26} {'via RPC (gzip)':>26}"
        f" {'added':>10} {'pairwise':>10}"
    )
    try:
        for name, fn in kinds.items():
            ds: list[float] = []
            rs: list[float] = []
            for n in range(calls + 20):  # the first 20 pairs warm caches and the connection
                request = request_for(name)
                order = [(direct, ds), (remote, rs)]
                if n % 2:
                    order.reverse()  # neither side always goes first
                for backend, samples in order:
                    began = time.perf_counter()
                    await fn(backend, request)
                    if n >= 20:
                        samples.append(time.perf_counter() - began)
            d, r = statistics.median(ds), statistics.median(rs)
            pairwise = statistics.median(b - a for a, b in zip(ds, rs, strict=True))
            print(f"   {name:<30} {span(ds):>26} {span(rs):>26} {ms(r - d):>10} {ms(pairwise):>10}")
    finally:
        await direct.close()
        await remote.close()


# --- the load generator ---------------------------------------------------------------

WRK_SCRIPT = r"""
local bodies = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  path, token = args[1], args[2]
  for line in io.lines(args[3]) do bodies[#bodies + 1] = line end
  math.randomseed(id * 7919 + os.time())
  i = math.random(#bodies)
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
             ["Accept-Encoding"] = "gzip"}
end
function request()
  i = i % #bodies + 1
  return wrk.format("POST", path, headers, bodies[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.3f %.3f\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


def loader(choice: str = "auto") -> str:
    """``wrk`` when installed (or asked for), else Python clients in their own processes."""
    if choice == "python" or (choice == "auto" and shutil.which("wrk") is None):
        return "python"
    if shutil.which("wrk") is None:
        raise SystemExit("--loader wrk: wrk is not installed (apt-get install wrk)")
    return "wrk"


@dataclass
class Load:
    rate: float  # requests/s
    p50: float  # seconds
    p99: float
    errors: int


def run_load(
    kind: str, url: str, token: str, path: str, bodies: list[bytes], clients: int, seconds: float
) -> Load:
    """``clients`` connections posting ``bodies`` in turn (each from its own place in the
    list) for ``seconds``; every reply must be 200."""
    endpoint = f"/api/plugins/grafana-irm-app/resources/api/v1/{path}"
    with tempfile.TemporaryDirectory(prefix="itui-load-") as tmp:
        listing = Path(tmp) / "bodies.txt"
        listing.write_bytes(b"\n".join(bodies) + b"\n")
        if kind == "wrk":
            script = Path(tmp) / "varied.lua"
            script.write_text(WRK_SCRIPT)
            threads = min(2, clients)
            out = subprocess.run(
                ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "10s",
                 "-s", str(script), url, "--", endpoint, token, str(listing)],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            requests, micros, errors, p50, p99 = line.split()[1:]
            return Load(
                int(requests) / (int(micros) / 1e6),
                float(p50) / 1000,
                float(p99) / 1000,
                int(errors),
            )
        # Python clients, in two processes of their own (not this one's event loop).
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--load-child",
                    url + endpoint,
                    token,
                    str(listing),
                    str(share),
                    f"{seconds:g}",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for share in (clients - clients // 2, clients // 2)
            if share
        ]
        latencies: list[float] = []
        errors = 0
        elapsed = 0.0
        for proc in procs:
            out, _ = proc.communicate()
            head, *lines = out.splitlines()
            took, errs = head.split()
            elapsed = max(elapsed, float(took))
            errors += int(errs)
            latencies += [float(x) for x in lines]
        return Load(
            len(latencies) / elapsed,
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
            errors,
        )


async def load_child(endpoint: str, token: str, listing: str, clients: int, seconds: float) -> None:
    """``--load-child``: ``clients`` httpx clients; prints elapsed, errors, latencies."""
    import httpx

    bodies = Path(listing).read_bytes().splitlines()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client(seed: int) -> None:
        nonlocal errors
        at = random.Random(seed).randrange(len(bodies))
        async with httpx.AsyncClient(timeout=10) as http:
            while time.perf_counter() < stop_at:
                at = (at + 1) % len(bodies)
                began = time.perf_counter()
                resp = await http.post(endpoint, content=bodies[at], headers=headers)
                if resp.status_code != 200:
                    errors += 1
                latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(client(os.getpid() * 100 + n) for n in range(clients)))
    print(f"{time.perf_counter() - began:.3f} {errors}")
    print("\n".join(f"{x:.6f}" for x in latencies))


async def throughput(
    url: str,
    token: str,
    ids: list[str],
    clients: int,
    seconds: float,
    name: str,
    via: str,
    kind: str,
) -> None:
    """``clients`` concurrent loops for ``seconds`` on one repeated request (AddActivity:
    random incidents); ``via`` "rpc" (RpcBackend, parses every reply) or "load" (the load
    generator ``kind``)."""
    first_page = m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=PAGE))
    label = f"{name} ({via if via == 'rpc' else kind})"
    if via == "load":
        rng = random.Random(1)
        if name == "QueryIncidents":
            path, bodies = "IncidentsService.QueryIncidents", [first_page.to_json_bytes()]
        else:
            path = "ActivityService.AddActivity"
            bodies = [
                m.AddActivityRequest(
                    incident_id=rng.choice(ids), activity_kind="userNote", body="bench note"
                ).to_json_bytes()
                for _ in range(200)
            ]
        result = await asyncio.to_thread(run_load, kind, url, token, path, bodies, clients, seconds)
        print(
            f"   {label:<26} {result.rate:6.0f} req/s   p50 {ms(result.p50)}"
            f"   p99 {ms(result.p99)}   errors {result.errors}"
        )
        return
    latencies: list[float] = []
    errors: list[str] = []

    async def rpc_client(seed: int) -> None:
        rng = random.Random(seed)
        backend = RpcBackend(url, token, timeouts=Timeouts(read=30, deadline=60))
        await backend.get_roles()  # open the connection before the clock starts
        await start.wait()
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                if name == "QueryIncidents":
                    await backend.query_incidents(first_page)
                else:
                    await backend.add_activity(
                        m.AddActivityRequest(
                            incident_id=rng.choice(ids), activity_kind="userNote", body="bench"
                        )
                    )
            except BackendError as exc:
                errors.append(str(exc))
            latencies.append(time.perf_counter() - began)
        await backend.close()

    start = asyncio.Event()
    stop_at = float("inf")
    tasks = [asyncio.create_task(rpc_client(i)) for i in range(clients)]
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    stop_at = began + seconds
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
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


# --- part 4: varied QueryIncidents ------------------------------------------------------

#: Filters a team of consoles sends: the query language's terms, and the structured fields.
VARIED_FILTERS: list[dict[str, Any]] = [
    {},
    {"include_statuses": ["active"]},
    {"include_statuses": ["resolved"], "severity": "critical"},
    {"incident_labels": ["payments"]},
    {"incident_labels": ["security"]},
    {"only_drills": True},
    {"date_from": "2025-03-01T00:00:00Z", "date_to": "2025-04-01T00:00:00Z"},
    {"query_string": "status:active"},
    {"query_string": "severity:major"},
    {"query_string": "label:db"},
    {"query_string": "-label:db status:resolved"},
    {"query_string": "any(label:cache label:queue)"},
    {"query_string": "title:checkout"},
    {"query_string": "declared:>2025-06-01"},
    {"query_string": "resolved:2025-01-01..2025-02-01"},
    {"query_string": "role:commander:user3"},
    {"query_string": "createdby:user7"},
    {"query_string": "isdrill:true"},
    {"query_string": "replication"},
    {"query_string": "kafka lag"},
    {"query_string": "status:active payments"},
    {"query_string": "title:'disk full' -severity:minor"},
]
VARIED_ORDERS = ["", "statusTime", "title", "severity", "modifiedTime"]
VARIED_SIZES = [20, 50, 50, 100]
#: What a live text filter sends on its first keystrokes: one-letter prefixes, then words
#: that most timelines hold. Reported on a line of its own.
TYPED_PREFIXES = ["r", "re", "rep", "repl", "c", "ch", "rollback", "rolled back", "failover"]


def varied_bodies(db: Path, count: int = 160, seed: int = 17) -> list[bytes]:
    """``count`` random (filter, order, direction, page size) requests, each as a first
    page and the next one or two pages by cursor, plus deep cursors: request bodies."""
    import sqlite3

    from incident_tui.backends.sqlite import SqliteBackend
    from incident_tui.backends.sqlite.queries import ORDER_KEYS, ORDER_VALUE_COLUMNS, encode_cursor

    rng = random.Random(seed)
    bodies: list[bytes] = []

    async def walk() -> None:
        backend = await SqliteBackend.open(db, readonly=True)
        try:
            for _ in range(count):
                query = m.IncidentsQuery(
                    limit=rng.choice(VARIED_SIZES),
                    order_field=rng.choice(VARIED_ORDERS),
                    order_direction="ASC" if rng.random() < 0.2 else "DESC",
                    **rng.choice(VARIED_FILTERS),
                )
                request = m.QueryIncidentsRequest(query=query)
                for _ in range(rng.choice([1, 2, 3])):
                    bodies.append(request.to_json_bytes())
                    page = await backend.query_incidents(request)
                    if not page.cursor.has_more:
                        break
                    request = m.QueryIncidentsRequest(query=query, cursor=page.cursor)
        finally:
            await backend.close()

    asyncio.run(walk())
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        for field in ("createdTime", "statusTime", "title", "modifiedTime"):
            for depth in (total // 4, total // 2, total * 9 // 10):
                key, value_column = ORDER_KEYS[field], ORDER_VALUE_COLUMNS[field]
                value, seq = conn.execute(
                    f"SELECT {value_column}, i.seq FROM incidents i"
                    f" ORDER BY {key} DESC, i.seq DESC LIMIT 1 OFFSET ?",
                    (max(depth - 1, 0),),
                ).fetchone()
                cursor = m.Cursor(
                    next_value=encode_cursor([field, "DESC", value, seq]), has_more=True
                )
                query = m.IncidentsQuery(limit=50, order_field=field)
                bodies.append(m.QueryIncidentsRequest(query=query, cursor=cursor).to_json_bytes())
    finally:
        conn.close()
    return bodies


def prefix_bodies() -> list[bytes]:
    return [
        m.QueryIncidentsRequest(
            query=m.IncidentsQuery(limit=50, query_string=text + (" " if n % 2 else ""))
        ).to_json_bytes()
        for n, text in enumerate(TYPED_PREFIXES)
    ]


def bench_store(path: Path, incidents: int, items: int) -> Path:
    """The store benchmark's generated store (built once, then kept)."""
    from benchmarks import store as store_bench

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {incidents:,} incidents / {items:,} items in {path} ...", flush=True)
        seconds = store_bench.build(path, incidents, items)
        print(f"built in {seconds:.1f} s", flush=True)
    return path


def store_for(db: Path, repo: Path) -> Path:
    """A copy of ``db`` for the server from checkout ``repo`` (``--compare``), holding only
    the indexes that checkout's schema makes: a server adds the indexes it knows to the
    file it opens, and the other one's queries would use them too."""
    import re
    import sqlite3

    schema = (repo / "incident_tui" / "backends" / "sqlite" / "schema.py").read_text()
    known = set(re.findall(r"CREATE INDEX (?:IF NOT EXISTS )?(\w+)", schema))
    copy = db.with_name(f"{db.stem}-vs{db.suffix}")
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        leftover.unlink(missing_ok=True)
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    try:
        source.backup(target)
        names = [r[0] for r in target.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
        )]  # fmt: skip
        dropped = [name for name in names if name not in known]
        for name in dropped:
            target.execute(f'DROP INDEX "{name}"')
        target.commit()
    finally:
        source.close()
        target.close()
    if dropped:
        print(f"   'vs' store {copy.name}: without the indexes it does not make: {dropped}")
    return copy


def summary(values: list[float], fmt: str) -> str:
    """``median (min-max)`` of several rounds."""
    if len(values) == 1:
        return fmt.format(values[0])
    return (
        f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}"
        f"-{fmt.format(max(values))})"
    )


async def varied(
    stores: list[tuple[str, Path]],
    token_file: Path,
    token: str,
    args: argparse.Namespace,
    kind: str,
) -> None:
    print(
        f"\n4. Varied QueryIncidents: {args.clients} clients ({kind}), {args.seconds:g} s a round,"
        f" {args.rounds} rounds: median (min-max)"
    )
    print(
        f"   {'store, mix (bodies)':<38} {'cache':<5} {'req/s':>16} {'p50 ms':>20} {'p99 ms':>22}"
        f" {'errors':>7}"
    )
    servers = [("", SERVER_REPO)] + ([("vs", args.compare.resolve())] if args.compare else [])
    if args.compare:
        print(f"   A/B: rounds alternate between this server and 'vs' = {args.compare}")
    for label, db in stores:
        mixes = [("varied", await asyncio.to_thread(varied_bodies, db))]
        if args.prefixes and "100" in label:
            mixes.append(("first keystrokes", prefix_bodies()))
        dbs = {tag: db if not tag else store_for(db, repo) for tag, repo in servers}
        for cache in (False, True):
            procs = {
                tag: start_server(
                    dbs[tag],
                    token_file,
                    db.parent / f"server-{tag}{cache}.log",
                    cache=cache,
                    repo=repo,
                )
                for tag, repo in servers
            }
            try:
                for mix, bodies in mixes:
                    runs: dict[str, list[Load]] = {tag: [] for tag in procs}
                    for n in range(args.rounds):
                        order = list(procs) if n % 2 == 0 else list(reversed(procs))
                        for tag in order:
                            runs[tag].append(
                                await asyncio.to_thread(
                                    run_load,
                                    kind,
                                    procs[tag][1],
                                    token,
                                    "IncidentsService.QueryIncidents",
                                    bodies,
                                    args.clients,
                                    args.seconds,
                                )
                            )
                    for tag, got in runs.items():
                        name = f"{label}, {mix} ({len(bodies)})" + (f" {tag}" if tag else "")
                        print(
                            f"   {name:<38} {'on' if cache else 'off':<5}"
                            f" {summary([r.rate for r in got], '{:.0f}'):>16}"
                            f" {summary([r.p50 * 1000 for r in got], '{:.1f}'):>20}"
                            f" {summary([r.p99 * 1000 for r in got], '{:.1f}'):>22}"
                            f" {sum(r.errors for r in got):>7}",
                            flush=True,
                        )
            finally:
                for proc, _ in procs.values():
                    proc.terminate()
                    proc.wait(10)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=300, help="demo incidents, parts 0-3")
    parser.add_argument("--calls", type=int, default=300, help="call pairs per method (part 1)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each part-4 load")
    parser.add_argument(
        "--loader", choices=["auto", "wrk", "python"], default="auto", help="load generator"
    )
    parser.add_argument(
        "--big-db",
        type=Path,
        default=Path(tempfile.gettempdir()) / "itui-bench" / "store-100000-1000000.db",
        help="the 100 000-incident store of part 4 (built there when missing)",
    )
    parser.add_argument(
        "--parts", default="0,1,2,3,4", help="which parts to run, comma-separated (default all)"
    )
    parser.add_argument(
        "--no-prefixes", dest="prefixes", action="store_false", help="part 4: skip keystrokes"
    )
    parser.add_argument(
        "--server-repo", type=Path, default=REPO, help="serve from this checkout (A/B runs)"
    )
    parser.add_argument(
        "--compare", type=Path, help="part 4: also serve from this checkout, rounds alternating"
    )
    args = parser.parse_args()
    global SERVER_REPO
    SERVER_REPO = args.server_repo.resolve()
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    kind = loader(args.loader)

    from incident_tui.demo import fill_demo
    from incident_tui.server.tokens import TokenStore

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]},"
          f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    if kind == "wrk":
        print("load generator: wrk (2 threads)")
    else:
        print(
            "load generator: wrk is not installed; Python clients in 2 processes of their own"
            " (they compete with the server for the cores: figures are a lower bound)"
        )
    with tempfile.TemporaryDirectory(prefix="itui-rpc-bench-") as tmp:
        db = Path(tmp) / "store.db"
        summary_text = await fill_demo(db, count=args.incidents)
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
        print(f"store (parts 0-3): {len(ids)} incidents ({summary_text!r:.80})")

        for cache in (False, True) if parts & {0, 1, 2, 3} else ():
            log = Path(tmp) / f"server-{cache}.log"
            proc, url = start_server(db, Path(tmp) / "tokens.json", log, cache=cache)
            label = "with the server's read cache" if cache else "read cache off"
            try:
                if 0 in parts:
                    await wire_sizes(url, token)
                if 1 in parts and not cache:
                    bodies = await asyncio.to_thread(varied_bodies, db, 60)
                    await overhead(db, url, token, ids, bodies, args.calls, label)
                if 2 in parts:
                    print(f"\n2. Throughput of one repeated request ({label}): {args.clients}"
                          f" concurrent clients, {args.seconds:g} s each, server in its own"
                          " process")  # fmt: skip
                    for name in ("QueryIncidents", "AddActivity"):
                        for via in ("load", "rpc"):
                            await throughput(
                                url, token, ids, args.clients, args.seconds, name, via, kind
                            )
                if cache and 3 in parts:
                    await abuse(url, token)
            finally:
                proc.terminate()
                proc.wait(10)

        if 4 in parts:
            small = bench_store(Path(tmp) / "small" / "store-300-3000.db", 300, 3000)
            big = bench_store(args.big_db, 100_000, 1_000_000)
            await varied(
                [("300 incidents", small), ("100 000 incidents", big)],
                Path(tmp) / "tokens.json",
                token,
                args,
                kind,
            )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load-child":
        endpoint, token, listing, clients, seconds = sys.argv[2:7]
        asyncio.run(load_child(endpoint, token, listing, int(clients), float(seconds)))
    else:
        asyncio.run(main())
