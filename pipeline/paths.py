"""Where the project's language data and defaults live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("VOC_DATA_DIR", PROJECT_ROOT / "data"))
TAXONOMY_DIR = DATA_DIR / "taxonomy"
LEXICON_DIR = DATA_DIR / "lexicons"
USER_DICT = DATA_DIR / "jieba_userdict.txt"
SAMPLES_DIR = DATA_DIR / "samples"

#: Default DuckDB file, relative to the working directory; `--db` or VOC_DB choose another.
DEFAULT_DB = os.environ.get("VOC_DB", "voc.duckdb")
