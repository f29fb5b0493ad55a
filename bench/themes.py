"""Closing the loop on the sample: cases opened by the default rules, and whether `voc themes` finds a
planted theme (36 authored complaints about 扫码点餐, tests/data/planted_theme) among the 2,000 real
reviews — its rank, and how pure and complete its cluster is — with the time each step takes.

    python bench/themes.py [--models voc-models]      # the promoted models code (make models)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.cases import CaseRules, open_cases  # noqa: E402
from pipeline.coder import Coder, code_pending  # noqa: E402
from pipeline.ingest.runner import discover, ingest_file  # noqa: E402
from pipeline.nlp import cached_lexicon, cached_taxonomy  # noqa: E402
from pipeline.paths import DATA_DIR, SAMPLES_DIR  # noqa: E402
from pipeline.store import open_store  # noqa: E402
from pipeline.themes import find_themes, uncovered_clauses  # noqa: E402
from pipeline.touchpoints import TouchpointMap  # noqa: E402

PLANTED = Path(__file__).resolve().parents[1] / "tests" / "data" / "planted_theme" / "scan_to_order.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="voc-models", help="registry whose promoted models code")
    args = parser.parse_args()
    coder = Coder("restaurant", registry=args.models)
    print(f"coding with {coder.model_version}")
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "voc.duckdb") as store:
        for found in [*discover([str(SAMPLES_DIR)]), *discover([str(PLANTED)])]:
            ingest_file(store, found.path, None, source=found.source, problem=found.problem)
        start = time.perf_counter()
        coded = code_pending(store, coder, n_process=2)
        print(f"coded {coded} items in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        opened = open_cases(store, CaseRules.load(DATA_DIR / "cases.yaml"), TouchpointMap.load(DATA_DIR / "touchpoints.yaml"))
        print(f"cases: {len(opened.cases)} opened in {time.perf_counter() - start:.2f} s")
        print(store.query("""SELECT channel, severity, count(*) AS cases, sum(CASE WHEN escalated THEN 1 ELSE 0 END) AS escalated
                             FROM cases GROUP BY 1, 2 ORDER BY 1, 2""").to_string(index=False))
        unresolved = store.scalar("SELECT count(*) FROM call_signals WHERE resolved = false")
        with_case = store.scalar("""SELECT count(*) FROM call_signals c JOIN cases k USING (item_id) WHERE c.resolved = false""")
        print(f"unresolved calls with a case: {with_case} of {unresolved}")

        planted = set(store.query("""SELECT g.segment_id FROM segments g JOIN items i USING (item_id)
                                     WHERE i.source LIKE '%scan_to_order.csv'""").segment_id)
        start = time.perf_counter()
        clauses = uncovered_clauses(store)
        themes = find_themes(clauses, cached_taxonomy("restaurant"), cached_lexicon())
        took = time.perf_counter() - start
    in_pool = planted & set(clauses.segment_id)
    print(f"themes: {len(clauses)} uncovered opinionated clauses ({len(in_pool)} of the {len(planted)} planted clauses "
          f"among them) → {len(themes)} themes in {took:.1f} s")
    for rank, theme in enumerate(themes, start=1):
        hits = planted & set(theme.segment_ids)
        if len(hits) >= 3:
            print(f"  #{rank} {theme.name}: {theme.size} clauses, {len(hits)} planted (purity {len(hits) / theme.size:.2f}, "
                  f"{len(hits) / len(in_pool):.2f} of the planted clauses in the pool), {theme.polarity}"
                  + (", rising" if theme.rising else "") + f"; terms {' '.join(theme.terms[:6])}")


if __name__ == "__main__":
    main()
