"""Real training steps on a tiny BERT built here (no hub): MLM pretraining, then fine-tuning."""

import json

import numpy as np
import pytest
from transformers import AutoTokenizer, BertForMaskedLM

from models.labels import load_aspect_data
from pipeline.contracts import LABEL_VALUES
from models.pretrain import pretrain
from models.transformer import TransformerAspectClassifier


@pytest.fixture(scope="module")
def base_model(tmp_path_factory, aic_small):
    data = load_aspect_data(aic_small)
    out = tmp_path_factory.mktemp("tiny-bert")
    report = pretrain(data.texts, out, hidden_size=32, layers=1, heads=2, max_length=64, steps=6, batch_size=8,
                      log=lambda _: None)
    assert report["steps"] == 6 and np.isfinite(report["final_loss"])
    return out


def test_pretrained_checkpoint_loads_with_standard_code(base_model):
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    model = BertForMaskedLM.from_pretrained(base_model)
    ids = tokenizer("服务员态度很好", return_tensors="pt")["input_ids"]
    assert tokenizer.unk_token_id not in ids[0, 1:-1].tolist()  # characters of the corpus are in the vocab
    assert model(input_ids=ids).logits.shape[-1] == tokenizer.vocab_size


@pytest.fixture(scope="module")
def fitted(base_model, aic_small):
    data = load_aspect_data(aic_small)
    model = TransformerAspectClassifier(base_model=str(base_model), max_length=64, epochs=2, batch_size=8,
                                        learning_rate=1e-3)
    return model.fit(data.texts[:48], data.labels.iloc[:48]), data


def test_fine_tuning_takes_real_steps_and_lowers_the_loss(fitted):
    model, _ = fitted
    assert len(model.losses_) == 12  # 2 epochs × 48 / 8
    assert np.mean(model.losses_[-3:]) < np.mean(model.losses_[:3])


def test_predictions_have_the_aspect_model_face(fitted):
    model, data = fitted
    proba = model.predict_proba(data.texts[48:58])
    assert proba.shape == (10, 4, 4)
    assert not np.allclose(proba[0], proba[1])  # the input reaches the heads: two texts, two distributions
    assert set(np.unique(model.predict(data.texts[48:58]))) <= set(LABEL_VALUES)
    assert list(model.classes_) == ["staff_attitude", "price_level", "taste", "cleanliness"]


def test_save_pretrained_layout_round_trip(fitted, tmp_path):
    model, data = fitted
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["aspect_names"] == list(model.classes_)
    assert (tmp_path / "m" / "model.safetensors").exists() and (tmp_path / "m" / "tokenizer.json").exists()
    loaded = TransformerAspectClassifier.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_proba(data.texts[50:53]), model.predict_proba(data.texts[50:53]), atol=1e-5)


def test_base_model_must_be_a_local_folder():
    import pandas as pd

    with pytest.raises(ValueError, match="not a local folder"):
        TransformerAspectClassifier(base_model="bert-base-chinese").fit(["好"], pd.DataFrame({"taste": [1]}))
