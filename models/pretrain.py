"""Masked-language-model pretraining of a small Chinese BERT from scratch, on CPU.

No pretrained Chinese checkpoint can be downloaded here, so `voc pretrain` builds one from the
project's own text (unlabelled reviews, sentiment corpora): a character vocabulary (Chinese BERT
models are character-level too), a small BertConfig, and MLM steps. The output folder is a normal
`save_pretrained` checkpoint for `voc train --kind transformer --base-model DIR`.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import torch
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast, DataCollatorForLanguageModeling

from models.labels import read_labelled_csv
from pipeline.normalise import normalise_text

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TEXT_COLUMNS = ("content", "review", "text")


def read_corpus(paths: Sequence[Path]) -> list[str]:
    """Texts from CSV files with a content/review/text column, or plain text files (one per line)."""
    texts: list[str] = []
    for path in paths:
        path = Path(path)
        if path.suffix.lower() == ".csv":
            frame = read_labelled_csv(path)
            column = next((c for c in TEXT_COLUMNS if c in frame.columns), None)
            if column is None:
                raise ValueError(f"{path}: no {'/'.join(TEXT_COLUMNS)} column")
            texts += frame[column].tolist()
        else:
            texts += path.read_text(encoding="utf-8").splitlines()
    return [t for t in (normalise_text(x) for x in texts) if t]


def build_tokenizer(texts: Sequence[str], out: Path, min_freq: int = 2, max_chars: int = 8000) -> BertTokenizerFast:
    """A character vocabulary from the corpus (lower-cased Latin, digits and punctuation included)."""
    counts = Counter(ch for t in texts for ch in t.lower() if not ch.isspace())
    chars = [ch for ch, n in counts.most_common(max_chars) if n >= min_freq]
    out.mkdir(parents=True, exist_ok=True)
    vocab = {token: i for i, token in enumerate(SPECIAL + chars)}
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True, tokenize_chinese_chars=True)
    tokenizer.save_pretrained(out)
    return tokenizer


def pretrain(texts: Sequence[str], out: Path, hidden_size: int = 256, layers: int = 4, heads: int = 4,
             max_length: int = 128, steps: int = 2000, batch_size: int = 32, learning_rate: float = 5e-4,
             seed: int = 0, log: Callable[[str], None] = print) -> dict:
    """Train BertForMaskedLM from scratch for `steps` and save it (model + tokenizer) to `out`."""
    torch.manual_seed(seed)
    random.seed(seed)
    out = Path(out)
    tokenizer = build_tokenizer(texts, out)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden_size, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=hidden_size * 4,
                        max_position_embeddings=max(512, max_length))
    model = BertForMaskedLM(config)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).train()
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup + 1))))
    start, losses = time.perf_counter(), []
    for step in range(steps):
        batch_texts = random.sample(list(texts), min(batch_size, len(texts)))
        encoded = tokenizer(batch_texts, truncation=True, max_length=max_length)
        batch = collator([{"input_ids": ids} for ids in encoded["input_ids"]])
        loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if (step + 1) % max(1, steps // 10) == 0:
            log(f"step {step + 1}/{steps}: MLM loss {sum(losses[-50:]) / len(losses[-50:]):.3f}")
    model.save_pretrained(out)
    report = {"texts": len(texts), "steps": steps, "vocab_size": tokenizer.vocab_size, "hidden_size": hidden_size,
              "layers": layers, "final_loss": sum(losses[-50:]) / len(losses[-50:]), "first_loss": losses[0],
              "seconds": round(time.perf_counter() - start, 1)}
    (out / "pretrain_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report
