"""Run the daily flow unattended: a Prefect server started by the project, and the flow served to it.

    python -m flows.serve --landing landing/ [--cron "0 6 * * *" | --interval SECONDS] [--db …] [--models …]

Prefect's temporary ("ephemeral") API has no scheduler service, so a schedule served to it never fires.
This starts `prefect server start` (its SQLite database in `.prefect/` beside `voc.toml`, or the team's
PostgreSQL through Prefect's own `PREFECT_SERVER_DATABASE_CONNECTION_URL`) unless `PREFECT_API_URL`
already names a server, then serves the daily deployment to it with a Prefect `Runner`: the server's
scheduler creates the runs, the runner executes them in subprocesses. SIGTERM or Ctrl-C stops the
runner and the server it started, cleanly. `serve` rather than a work pool and worker: the flows run
where the project is installed, so there is no infrastructure to provision per run, which is what
work pools are for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from pipeline.config import absolute, find_config, resolve

SERVER_START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_home() -> Path:
    """Where the local server keeps its database: `.prefect/` beside voc.toml, else in the working directory."""
    config = find_config()
    return (config.parent if config else Path.cwd()) / ".prefect"


def start_server(home: Path, port: int, timeout: float = SERVER_START_TIMEOUT) -> tuple[subprocess.Popen, str]:
    """`prefect server start` on loopback with its database under `home`; returns (process, API URL) once healthy."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true")}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}; see {home / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.5)
    stop_server(process)
    raise RuntimeError(f"prefect server did not answer within {timeout:.0f} s; see {home / 'server.log'}")


def stop_server(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop the server and the services it started (its whole process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def serve_until_stopped(deployment) -> None:
    """Serve one deployment until SIGTERM/SIGINT, then stop the runner and wait for it (no coroutine left
    un-awaited, as Prefect's own signal handler leaves one)."""
    from prefect.runner import Runner

    # one run at a time (a DuckDB store takes one writer); the schedule stays active while we are down
    runner = Runner(pause_on_shutdown=False, limit=1)
    await runner.aadd_deployment(deployment)
    stopped = asyncio.Event()
    running = asyncio.create_task(runner.start())
    await asyncio.sleep(0)  # the runner installs its own SIGTERM handler as it starts: ours replaces it
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    waiter = asyncio.create_task(stopped.wait())
    await asyncio.wait({running, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if not running.done():
        await runner.astop()  # cancels a run in flight: the next run takes its files again
        done, _ = await asyncio.wait({running}, timeout=10)
        if not done:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    waiter.cancel()


def _flush_api_logs() -> None:
    """Ship the runner's last log lines, then stop shipping: the server is about to go."""
    import logging

    from prefect.logging.handlers import APILogHandler, APILogWorker

    try:
        APILogWorker.drain_all(timeout=10)
    except Exception:  # noqa: BLE001 - shutting down: a log line that cannot be shipped is not an error
        pass
    for logger in [logging.getLogger(), *[logging.getLogger(n) for n in logging.root.manager.loggerDict]]:
        for handler in list(getattr(logger, "handlers", [])):
            if isinstance(handler, APILogHandler):
                logger.removeHandler(handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", nargs="+", required=True, help="landing folders, files or globs")
    parser.add_argument("--db", default=None, help="DuckDB file or postgresql:// URL (else VOC_DB, voc.toml)")
    parser.add_argument("--models", default=None, help="model registry (else VOC_MODELS, voc.toml)")
    parser.add_argument("--lexicon", action="store_true", help="code with the lexicon, on purpose")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--cron", default=None, help="schedule (default: every day at 06:00)")
    when.add_argument("--interval", type=float, default=None, help="run every this many seconds instead")
    parser.add_argument("--port", type=int, default=4200, help="port of the local Prefect server (0: any free one)")
    args = parser.parse_args(argv)

    config = resolve(args.db, args.models)  # settled now, as absolute paths: runs do not depend on their cwd
    print(config.describe(), flush=True)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server, url = start_server(server_home(), args.port or free_port())
        os.environ["PREFECT_API_URL"] = url
        print(f"Prefect server at {url.removesuffix('/api')} (database in {server_home()})", flush=True)
    try:
        from flows.daily import daily

        schedule = ({"interval": timedelta(seconds=args.interval)} if args.interval
                    else {"cron": args.cron or "0 6 * * *"})
        deployment = daily.to_deployment(
            name="voc-daily", **schedule, tags=["voc"],
            parameters={"sources": [str(Path(p).absolute()) for p in args.landing],
                        "db": absolute(config.db, Path.cwd()), "models": absolute(config.models, Path.cwd()),
                        "lexicon": args.lexicon},
            description="Ingest the landing folders, code new items, raise alerts.")
        print(f"serving voc-daily ({'every %g s' % args.interval if args.interval else schedule['cron']})", flush=True)
        asyncio.run(serve_until_stopped(deployment))
    finally:
        if server is not None:
            _flush_api_logs()  # before the server goes: the runner's last log lines are shipped to it
            stop_server(server)
        print("stopped", flush=True)


if __name__ == "__main__":
    main()
