"""Serve the daily flow on a schedule from this process (no Prefect Cloud, no separate server needed
to start it; runs show in whichever Prefect API the environment points at).

    python -m flows.deploy --landing landing/ --db voc.duckdb --cron "0 6 * * *"
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import serve

from pipeline.config import absolute, resolve

from flows.daily import daily


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", nargs="+", required=True, help="landing folders, files or globs")
    parser.add_argument("--db", default=None, help="DuckDB file or postgresql:// URL (else VOC_DB, voc.toml)")
    parser.add_argument("--models", default=None, help="model registry (else VOC_MODELS, voc.toml)")
    parser.add_argument("--lexicon", action="store_true", help="code with the lexicon, on purpose")
    parser.add_argument("--cron", default="0 6 * * *", help="schedule (default: every day at 06:00)")
    args = parser.parse_args()
    config = resolve(args.db, args.models)  # settled now, as absolute paths: runs do not depend on their cwd
    print(config.describe())
    deployment = daily.to_deployment(
        name="voc-daily", cron=args.cron,
        parameters={"sources": [str(Path(p).resolve()) for p in args.landing], "db": absolute(config.db, Path.cwd()),
                    "models": absolute(config.models, Path.cwd()), "lexicon": args.lexicon},
        tags=["voc"], description="Ingest the landing folders, code new items, raise alerts.")
    serve(deployment)


if __name__ == "__main__":
    main()
