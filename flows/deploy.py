"""Serve the daily flow on a schedule from this process (no Prefect Cloud, no separate server needed
to start it; runs show in whichever Prefect API the environment points at).

    python -m flows.deploy --landing landing/ --db voc.duckdb --cron "0 6 * * *"
"""

from __future__ import annotations

import argparse

from prefect import serve

from flows.daily import daily


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", nargs="+", required=True, help="landing folders, files or globs")
    parser.add_argument("--db", default="voc.duckdb", help="DuckDB file or postgresql:// URL")
    parser.add_argument("--models", default="voc-models")
    parser.add_argument("--cron", default="0 6 * * *", help="schedule (default: every day at 06:00)")
    args = parser.parse_args()
    deployment = daily.to_deployment(
        name="voc-daily", cron=args.cron,
        parameters={"sources": args.landing, "db": args.db, "models": args.models},
        tags=["voc"], description="Ingest the landing folders, code new items, raise alerts.")
    serve(deployment)


if __name__ == "__main__":
    main()
