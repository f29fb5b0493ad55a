"""Labelled data: AIC 2018 "wide" files, long files, and binary sentiment files.

Aspect labels use the AIC coding everywhere: 1 positive, 0 neutral, -1 negative, -2 not mentioned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline.contracts import LABEL_VALUES, NOT_MENTIONED, SENTIMENT_CODES
from pipeline.ingest.records import decode_bytes
from pipeline.items import stable_hash
from pipeline.paths import DATA_DIR

AIC_MAPPING = DATA_DIR / "mappings" / "aic2018.yaml"


@dataclass
class AspectData:
    """Texts with a label matrix whose columns are taxonomy sub-dimensions."""

    texts: list[str]
    labels: pd.DataFrame  # columns: sub-dimension ids, values in LABEL_VALUES
    data_hash: str
    ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class BinaryData:
    texts: list[str]
    labels: np.ndarray  # 1 positive, 0 negative
    data_hash: str


def read_labelled_csv(path: Path) -> pd.DataFrame:
    """A CSV of any of the labelled formats, every cell a string (UTF-8 or GB18030)."""
    from io import StringIO

    return pd.read_csv(StringIO(decode_bytes(Path(path).read_bytes())), dtype=str, keep_default_na=False)


def load_mapping(path: Path = AIC_MAPPING) -> dict[str, str]:
    """AIC column → sub-dimension id."""
    return dict(yaml.safe_load(Path(path).read_text(encoding="utf-8"))["columns"])


def file_kind(path: Path) -> str:
    """`wide`, `long` or `binary`, from the header."""
    columns = set(read_labelled_csv(path).columns)
    if {"label", "review"} <= columns:
        return "binary"
    if {"text", "sub_dimension", "sentiment"} <= columns:
        return "long"
    if "content" in columns:
        return "wide"
    if {"text", "label"} <= columns:
        return "clauses"
    raise ValueError(f"{path}: not a labelled file (need content + aspect columns, text/sub_dimension/sentiment, "
                     "label/review, or text/label with negative/neutral/positive)")


def load_aspect_data(path: Path, mapping: dict[str, str] | None = None) -> AspectData:
    """Read a wide (AIC) or long labelled file into texts × sub-dimension labels."""
    path = Path(path)
    frame = read_labelled_csv(path)
    data_hash = stable_hash(Path(path).read_bytes().decode("latin-1"), length=16)
    if {"text", "sub_dimension", "sentiment"} <= set(frame.columns):
        return _from_long(frame, path, data_hash)
    mapping = mapping if mapping is not None else load_mapping()
    columns = [c for c in frame.columns if c in mapping]
    if "content" not in frame.columns or not columns:
        raise ValueError(f"{path}: needs a content column and at least one aspect column from the mapping")
    labels = pd.DataFrame({mapping[c]: pd.to_numeric(frame[c], errors="raise").astype(int) for c in columns})
    bad = ~labels.isin(LABEL_VALUES)
    if bad.any().any():
        row, col = np.argwhere(bad.values)[0]
        raise ValueError(f"{path}: row {row + 1}, column {columns[col]}: label {labels.iat[row, col]} not in {LABEL_VALUES}")
    ids = frame["id"].tolist() if "id" in frame.columns else None
    return AspectData(frame["content"].tolist(), labels, data_hash, ids)


def _from_long(frame: pd.DataFrame, path: Path, data_hash: str) -> AspectData:
    unknown = set(frame["sentiment"]) - set(SENTIMENT_CODES)
    if unknown:
        raise ValueError(f"{path}: unknown sentiment values {sorted(unknown)} (use positive/neutral/negative)")
    texts = list(dict.fromkeys(frame["text"]))
    subs = sorted(set(frame["sub_dimension"]))
    labels = pd.DataFrame(NOT_MENTIONED, index=range(len(texts)), columns=subs)
    row_of = {t: i for i, t in enumerate(texts)}
    for text, sub, sentiment in frame[["text", "sub_dimension", "sentiment"]].itertuples(index=False):
        labels.at[row_of[text], sub] = SENTIMENT_CODES[sentiment]
    return AspectData(texts, labels, data_hash)


def to_long(data: AspectData) -> pd.DataFrame:
    """The long format: one row per text × mentioned sub-dimension."""
    names = {v: k for k, v in SENTIMENT_CODES.items()}
    rows = [{"text": text, "sub_dimension": sub, "sentiment": names[int(value)]}
            for text, (_, row) in zip(data.texts, data.labels.iterrows())
            for sub, value in row.items() if value != NOT_MENTIONED]
    return pd.DataFrame(rows, columns=["text", "sub_dimension", "sentiment"])


#: The AIC 2018 column of the review's overall verdict (1 positive, 0 neutral, -1 negative, -2 none).
AIC_OVERALL = "others_overall_experience"


def _polar_rows(frame: pd.DataFrame, text: str, label: str, positive: str, negative: str) -> pd.DataFrame:
    """The rows labelled `positive` or `negative` in column `label`, as `review,label` (1/0)."""
    frame = frame[frame[label].isin([positive, negative])]
    return pd.DataFrame({"review": frame[text], "label": (frame[label] == positive).astype(int).astype(str)})


def load_binary_data(paths: list[Path]) -> BinaryData:
    """`label,review` files (label 1/0; also with a leading `cat` column), clause files (`text,label`
    with positive/negative/neutral: the positive and negative rows) and AIC 2018 aspect files (the
    reviews whose overall experience is labelled positive or negative); empty reviews are dropped."""
    texts: list[str] = []
    labels: list[int] = []
    hashes = []
    for path in paths:
        frame = read_labelled_csv(Path(path))
        hashes.append(stable_hash(Path(path).read_bytes().decode("latin-1")))
        if "review" not in frame.columns and {"text", "label"} <= set(frame.columns):
            frame = _polar_rows(frame, "text", "label", "positive", "negative")
        elif "review" not in frame.columns and {"content", AIC_OVERALL} <= set(frame.columns):
            frame = _polar_rows(frame, "content", AIC_OVERALL, "1", "-1")
        frame["review"] = frame["review"].str.replace("\ufeff", "", regex=False).str.strip()
        frame = frame[frame["review"] != ""]
        texts += frame["review"].tolist()
        labels += frame["label"].astype(int).tolist()
    return BinaryData(texts, np.array(labels), stable_hash(*hashes))


def text_fingerprints(texts: list[str]) -> list[str]:
    """Short hashes of normalised texts, kept on a model card: which rows a model was trained on."""
    from pipeline.normalise import normalise_text

    return sorted({stable_hash(normalise_text(str(t)), length=10) for t in texts})


def file_texts(path: Path) -> list[str]:
    """The texts of a labelled file of any format."""
    frame = read_labelled_csv(Path(path))
    for column in ("content", "review", "text"):
        if column in frame.columns:
            return frame[column].tolist()
    raise ValueError(f"{path}: no text column (content, review or text)")


def training_overlap(card: dict, path: Path) -> float | None:
    """Share of a labelled file's texts that the card's model was trained on (None: the card does not say)."""
    trained = card.get("text_fingerprints")
    if not trained:
        return None
    texts = text_fingerprints(file_texts(path))
    return len(set(texts) & set(trained)) / len(texts) if texts else 0.0
