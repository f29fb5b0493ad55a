"""Multi-head aspect classifier fine-tuned from any local BERT-style Hugging Face checkpoint.

One shared encoder, one 4-way head per aspect (AIC codes −2/−1/0/1). Saved in the standard
`save_pretrained` layout (config.json with the aspect names, weights, tokenizer files), so
`from_pretrained(path)` loads it back. Nothing is downloaded: `base_model` must be a local folder
(e.g. bert-base-chinese on disk, or one made by `voc pretrain`).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from spacy.tokens import Doc
from torch import nn
from transformers import AutoConfig, AutoTokenizer, BertModel, BertPreTrainedModel

from pipeline.contracts import LABEL_VALUES
from pipeline.normalise import normalise_text


class BertForAspectSentiment(BertPreTrainedModel):
    """BERT encoder + a linear layer giving 4 logits for each of `config.aspect_names`."""

    def __init__(self, config):
        super().__init__(config)
        self.num_aspects = len(config.aspect_names)
        self.bert = BertModel(config, add_pooling_layer=False)  # heads read the [CLS] state
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.heads = nn.Linear(config.hidden_size, self.num_aspects * len(LABEL_VALUES))
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        cls = self.dropout(hidden.last_hidden_state[:, 0])
        logits = self.heads(cls).view(-1, self.num_aspects, len(LABEL_VALUES))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(LABEL_VALUES)), labels.reshape(-1))
        return {"loss": loss, "logits": logits}


def _text(x: str | Doc) -> str:
    return x.text if isinstance(x, Doc) else normalise_text(x)


class TransformerAspectClassifier(BaseEstimator):
    """scikit-learn face over BertForAspectSentiment: fit(X, Y) / predict / predict_proba."""

    role = "aspects"

    def __init__(self, base_model: str = "", max_length: int = 256, epochs: int = 3, batch_size: int = 16,
                 learning_rate: float = 5e-5, warmup_ratio: float = 0.1, seed: int = 0):
        self.base_model = base_model
        self.max_length = max_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warmup_ratio = warmup_ratio
        self.seed = seed

    @staticmethod
    def _device() -> torch.device:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _encode(self, texts: list[str]) -> dict[str, torch.Tensor]:
        batch = self.tokenizer_(texts, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")
        return {k: v.to(self.model_.device) for k, v in batch.items()}

    def fit(self, X: Sequence[str | Doc], Y: pd.DataFrame) -> "TransformerAspectClassifier":
        if not self.base_model or not Path(self.base_model).is_dir():
            raise ValueError(f"base model {self.base_model!r} is not a local folder (no hub downloads here)")
        torch.manual_seed(self.seed)
        random.seed(self.seed)
        self.classes_ = np.array(list(Y.columns))
        self.tokenizer_ = AutoTokenizer.from_pretrained(self.base_model)
        config = AutoConfig.from_pretrained(self.base_model)
        config.aspect_names = list(map(str, self.classes_))
        self.model_ = BertForAspectSentiment.from_pretrained(self.base_model, config=config).to(self._device())
        texts = [_text(x) for x in X]
        targets = torch.tensor(np.vectorize(LABEL_VALUES.index)(Y.to_numpy()), dtype=torch.long)
        optimizer = torch.optim.AdamW(self.model_.parameters(), lr=self.learning_rate)
        steps = self.epochs * math.ceil(len(texts) / self.batch_size)
        warmup = max(1, int(steps * self.warmup_ratio))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
        self.model_.train()
        order = list(range(len(texts)))
        self.losses_ = []
        for _ in range(self.epochs):
            random.shuffle(order)
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                out = self.model_(**self._encode([texts[i] for i in idx]), labels=targets[idx].to(self.model_.device))
                out["loss"].backward()
                torch.nn.utils.clip_grad_norm_(self.model_.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                self.losses_.append(float(out["loss"].detach()))
        self.model_.eval()
        return self

    @torch.no_grad()
    def predict_proba(self, X: Sequence[str | Doc]) -> np.ndarray:
        """(n, aspects, 4) softmax over LABEL_VALUES (−2, −1, 0, 1)."""
        texts = [_text(x) for x in X]
        out = [torch.softmax(self.model_(**self._encode(texts[s:s + 32]))["logits"], dim=-1).cpu().numpy()
               for s in range(0, len(texts), 32)]
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_), len(LABEL_VALUES)))

    def predict(self, X: Sequence[str | Doc]) -> np.ndarray:
        return np.array(LABEL_VALUES)[self.predict_proba(X).argmax(axis=2)]

    # -- persistence: the save_pretrained layout ------------------------------------------------
    def save(self, path: Path) -> None:
        path = Path(path)
        self.model_.save_pretrained(path)
        self.tokenizer_.save_pretrained(path)
        (path / "voc_params.json").write_text(json.dumps(self.get_params()), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "TransformerAspectClassifier":
        path = Path(path)
        params = json.loads((path / "voc_params.json").read_text(encoding="utf-8"))
        self = cls(**params)
        self.tokenizer_ = AutoTokenizer.from_pretrained(path)
        self.model_ = BertForAspectSentiment.from_pretrained(path).to(cls._device()).eval()
        self.classes_ = np.array(self.model_.config.aspect_names)
        return self
