from pipeline.coder import code_pending
from pipeline.ingest.runner import ingest_reviews_file
from tests.conftest import write


def test_code_pending_codes_once_reports_progress_and_recodes(store, tmp_path, coder):
    ingest_reviews_file(store, write(tmp_path / "r.csv", "id,content\n1,服务员态度很差\n2,菜很好吃\n3,菜很好吃\n"))
    seen = []
    assert code_pending(store, coder, progress=lambda n, total: seen.append((n, total))) == 2  # item 3 duplicates 2
    assert seen == [(2, 2)]
    assert store.scalar("SELECT count(*) FROM taxonomy_nodes") == len(coder.taxonomy.sub_dimensions)
    assert code_pending(store, coder) == 0
    assert code_pending(store, coder, recode=True) == 2
    assert store.scalar("SELECT count(*) FROM item_scores") == 2  # same model version: replaced, not added
