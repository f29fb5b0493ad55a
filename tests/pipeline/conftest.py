"""A small constructed store with ratings, coded by the lexicon models: hand-computable numbers."""

import pytest

from pipeline.ingest.runner import ingest_reviews_file
from pipeline.store import coding as coding_repo
from tests.conftest import write

ROWS = """id,content,store,rating,created_at
1,服务员态度很好,A,5,2026-05-01
2,服务员态度很差,A,1,2026-05-02
3,服务员态度很差，价格很贵,A,3,2026-06-10
4,价格便宜,B,4,2026-06-11
5,服务员态度一般,B,,2026-06-12
"""


@pytest.fixture()
def coded(store, tmp_path, coder):
    ingest_reviews_file(store, write(tmp_path / "r.csv", ROWS))
    coding_repo.write_taxonomy(store, coder.taxonomy)
    coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
    return store


@pytest.fixture()
def cased(store, tmp_path, coder):
    """The authored reviews and calls (tests/pipeline/cases_data.py) ingested and coded, with their case
    rules and touchpoint owners: (store, rules, owners)."""
    from pipeline.cases import CaseRules
    from pipeline.ingest.runner import ingest_file
    from pipeline.touchpoints import TouchpointMap
    from tests.pipeline.cases_data import CALLS, OWNERS, REVIEWS, RULES

    ingest_file(store, write(tmp_path / "reviews.csv", REVIEWS), "review")
    ingest_file(store, write(tmp_path / "calls.jsonl", CALLS), "call")
    coding_repo.write_taxonomy(store, coder.taxonomy)
    coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
    rules = CaseRules.load(write(tmp_path / "cases.yaml", RULES))
    owners = TouchpointMap.load(write(tmp_path / "touchpoints.yaml", OWNERS))
    return store, rules, owners
