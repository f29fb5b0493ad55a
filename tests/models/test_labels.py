import pandas as pd
import pytest

from models.labels import file_kind, load_aspect_data, load_binary_data, to_long


def test_wide_aic_file_maps_columns_to_sub_dimensions(aic):
    assert len(aic) == 3474 and aic.labels.shape == (3474, 20)
    assert "staff_attitude" in aic.labels.columns and "service_waiters_attitude" not in aic.labels.columns
    assert set(aic.labels.stack().unique()) == {-2, -1, 0, 1}


def test_partial_wide_file_keeps_only_its_aspects(aic_small):
    data = load_aspect_data(aic_small)
    assert list(data.labels.columns) == ["staff_attitude", "price_level", "taste", "cleanliness"]


def test_long_format_round_trip(aic_small, tmp_path):
    data = load_aspect_data(aic_small)
    path = tmp_path / "long.csv"
    to_long(data).to_csv(path, index=False)
    assert file_kind(path) == "long"
    back = load_aspect_data(path)
    mentioned = [c for c in data.labels.columns if c in back.labels.columns]
    original = data.labels.set_index(pd.Index(data.texts))[mentioned]
    restored = back.labels.set_index(pd.Index(back.texts))[mentioned]
    assert original.loc[restored.index].equals(restored)


def test_bad_label_names_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,content,dish_taste\n1,好吃,1\n2,难吃,5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="row 2, column dish_taste: label 5"):
        load_aspect_data(path)


def test_binary_file_drops_empty_reviews_and_boms(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("cat,label,review\n书籍,1,\ufeff很好\n书籍,0,\n书籍,0,太差\n", encoding="utf-8")
    data = load_binary_data([path])
    assert data.texts == ["很好", "太差"] and list(data.labels) == [1, 0]
    assert file_kind(path) == "binary"
