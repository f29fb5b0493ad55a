import pandas as pd

from pipeline.dedup import flag_near_duplicates
from pipeline.ingest.runner import ingest_reviews_file
from pipeline.store import coding as coding_repo
from tests.conftest import write


def test_exact_duplicates_link_to_the_first_copy_across_files_and_are_not_coded(store, tmp_path, coder):
    a = ingest_reviews_file(store, write(tmp_path / "a.csv", "id,content\n1,服务员态度很差\n2,菜很好吃\n3,菜很好吃\n"))
    b = ingest_reviews_file(store, write(tmp_path / "b.csv", "id,content\n9,服务員態度很差\n"))  # same after normalising
    assert (a.items_new, a.duplicates) == (3, 1) and (b.items_new, b.duplicates) == (1, 1)
    rows = store.query("SELECT external_id, source, duplicate_of FROM items ORDER BY source, external_id")
    originals = dict(zip(rows.external_id + "@" + rows.source, rows.duplicate_of))
    first = store.scalar("SELECT item_id FROM items WHERE external_id = '1'")
    assert originals["9@b.csv"] == first and originals["3@a.csv"] is not None and pd.isna(originals["1@a.csv"])
    assert len(coding_repo.items_to_code(store, coder.model_version)) == 2


def test_near_duplicates_are_flagged_not_hidden(store, tmp_path):
    text = "我在沙坪坝店点的烤鱼味道太咸了，价格还贵，非常失望，以后不会再来了"
    ingest_reviews_file(store, write(tmp_path / "n.csv", f"id,content\n1,{text}\n2,客服您好：{text}\n3,菜很好吃环境也不错\n"))
    assert flag_near_duplicates(store) == 1
    assert flag_near_duplicates(store) == 0  # already flagged
    flagged = store.query("SELECT external_id, near_duplicate_of FROM items WHERE near_duplicate_of IS NOT NULL")
    assert flagged.external_id.tolist() == ["2"]
    assert flagged.near_duplicate_of[0] == store.scalar("SELECT item_id FROM items WHERE external_id = '1'")


def test_the_same_short_text_at_two_touchpoints_is_two_items_and_counts_at_both(store, tmp_path, coder):
    report = ingest_reviews_file(store, write(tmp_path / "s.csv", "content,store\n很好吃,南坪店\n很好吃,解放碑店\n很好吃,南坪店\n"))
    assert (report.items_new, report.items_existing, report.duplicates) == (2, 1, 0)
    with_ids = ingest_reviews_file(store, write(tmp_path / "i.csv", "id,content,store\n1,服务很好,南坪店\n2,服务很好,解放碑店\n"
                                                                  "3,服务很好,南坪店\n"))
    assert (with_ids.items_new, with_ids.duplicates) == (3, 1)  # only the copy at the same store is a duplicate
    coded = store.query("SELECT touchpoint, count(*) AS n FROM items WHERE duplicate_of IS NULL GROUP BY 1 ORDER BY 1")
    assert coded.n.tolist() == [2, 2]
    assert len(coding_repo.items_to_code(store, coder.model_version)) == 4


def _reference(rows):
    """Brute force leader clustering: each item → the earliest earlier original (an item not flagged
    itself) with exact character-3-gram Jaccard ≥ 0.7; otherwise it is an original."""
    from pipeline.dedup import shingles

    out, originals = {}, []
    for item_id, text in rows:
        mine = shingles(text)
        match = next((other for other, theirs in originals if len(mine & theirs) / len(mine | theirs) >= 0.7), None)
        if match:
            out[item_id] = match
        else:
            originals.append((item_id, mine))
    return out


def test_incremental_flags_match_a_brute_force_reference(store, tmp_path):
    import csv

    from tests.conftest import REVIEW_SAMPLE

    with open(REVIEW_SAMPLE, encoding="utf-8") as f:
        texts = [r["content"].replace("\n", " ") for r in csv.DictReader(f)][:300]
    planted = [f"客服您好：{t}" for t in texts[:20]] + [t[: int(len(t) * 0.9)] + "。" for t in texts[20:40]]
    cluster = [f"第{i}次说：{texts[50]}" for i in range(15)]  # a heavy cluster of near-copies

    def export(name, rows):
        with open(tmp_path / name, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "content"])
            writer.writerows([(f"{name}-{i}", t) for i, t in enumerate(rows)])
        return tmp_path / name

    ingest_reviews_file(store, export("a.csv", texts))
    first = flag_near_duplicates(store)
    ingest_reviews_file(store, export("b.csv", planted + cluster))  # a later day: only the new items are hashed
    second = flag_near_duplicates(store, batch_size=7)              # small batches: matches across batches
    rows = store.fetchall("SELECT item_id, text, near_duplicate_of FROM items WHERE duplicate_of IS NULL ORDER BY ingest_seq")
    flags = {item_id: original for item_id, _, original in rows if original is not None}
    assert flags == _reference([(item_id, text) for item_id, text, _ in rows])
    assert first + second == len(flags) and second >= 20 + 20 + 14
    assert store.scalar("SELECT count(DISTINCT item_id) FROM minhash_bands") == len(rows) - len(flags)  # originals only
    assert flag_near_duplicates(store) == 0
