"""Prefect 3 flows: thin orchestration over `pipeline/` and `models/` (no business logic here).

Runs offline: no Prefect Cloud, no separately started server (a temporary local one is used when no
PREFECT_API_URL is set), analytics off.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
