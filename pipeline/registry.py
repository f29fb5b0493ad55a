"""The model registry: a folder per `name/version` holding the artifact and a model card — the contract
between `models/`, which trains and registers, and `pipeline/`, which loads and codes (see contracts.py).

    voc-models/                   (VOC_MODELS or --models to choose)
      promoted.json               {"aspects": {"restaurant": "restaurant-aspects@2"},
                                   "sentiment": {"*": "overall@1"}}
      restaurant-aspects/2/
        card.json                 kind, role, data hash, rows, taxonomy version, parameters, metrics, timings
        model.joblib              (scikit-learn kinds)  |  model/  (transformer: save_pretrained layout)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib

DEFAULT_ROOT = os.environ.get("VOC_MODELS", "voc-models")
ROLES = {"sklearn": "aspects", "transformer": "aspects", "sentiment": "sentiment", "polarity": "polarity"}
#: The promotion scope of a model that serves every taxonomy (sentiment and polarity models by default).
ANY_TAXONOMY = "*"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Ref:
    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


#: The class that reads a `model/` folder of cards written before they named their loader.
TRANSFORMER_LOADER = "models.transformer:TransformerAspectClassifier"


class Registry:
    def __init__(self, root: str | Path = DEFAULT_ROOT):
        self.root = Path(root)

    # -- naming -------------------------------------------------------------------------------
    def versions(self, name: str) -> list[int]:
        folder = self.root / name
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit()) if folder.exists() else []

    def resolve(self, ref: str) -> Ref:
        """`name@3`, or `name` for its latest version."""
        name, _, version = ref.partition("@")
        known = self.versions(name)
        if not known:
            raise KeyError(f"no model named {name!r} in {self.root} (see `voc models list`)")
        if not version:
            return Ref(name, known[-1])
        if not version.isdigit() or int(version) not in known:
            raise KeyError(f"{name} has no version {version!r} (versions: {', '.join(map(str, known))})")
        return Ref(name, int(version))

    def path(self, ref: Ref) -> Path:
        return self.root / ref.name / str(ref.version)

    # -- writing ------------------------------------------------------------------------------
    def register(self, name: str, kind: str, model: Any, card: dict[str, Any]) -> Ref:
        """Save a fitted model as the next version of `name`, with its card."""
        if not _NAME.match(name):
            raise ValueError(f"model name {name!r}: use letters, digits, '.', '_' and '-'")
        if kind not in ROLES:
            raise ValueError(f"unknown model kind {kind!r} (known: {', '.join(ROLES)})")
        ref = Ref(name, (self.versions(name) or [0])[-1] + 1)
        folder = self.path(ref)
        folder.mkdir(parents=True)
        loader = None
        if kind == "transformer":  # a save_pretrained folder, read back by the class that wrote it
            model.save(folder / "model")
            loader = f"{type(model).__module__}:{type(model).__qualname__}"
        else:
            joblib.dump(model, folder / "model.joblib", compress=3)
        card = {"name": name, "version": ref.version, "ref": str(ref), "kind": kind, "role": ROLES[kind],
                **({"loader": loader} if loader else {}),
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **card}
        (folder / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return ref

    def promote(self, ref: str, taxonomy: str | None = None) -> tuple[str, str, Ref]:
        """Make `ref` the model its role codes with, for one taxonomy: an aspect model for the taxonomy
        it was trained for (its card says which), a sentiment or polarity model for every taxonomy
        unless `taxonomy` scopes it. Returns (role, scope, ref)."""
        resolved = self.resolve(ref)
        card = self.card(str(resolved))
        role = card["role"]
        if role == "aspects":
            trained_for = card.get("taxonomy")
            if taxonomy and trained_for and taxonomy != trained_for:
                raise ValueError(f"{resolved} codes taxonomy {trained_for}, not {taxonomy}")
            scope = taxonomy or trained_for
            if not scope:
                raise ValueError(f"{resolved}: its card names no taxonomy; promote it with --taxonomy NAME")
        else:
            scope = taxonomy or ANY_TAXONOMY
        promoted = self._promoted()
        promoted.setdefault(role, {})[scope] = str(resolved)
        (self.root / "promoted.json").write_text(json.dumps(promoted, indent=2), encoding="utf-8")
        return role, scope, resolved

    # -- reading ------------------------------------------------------------------------------
    def _promoted(self) -> dict[str, dict[str, str]]:
        """role → scope (taxonomy name or `*`) → ref. A registry written before promotion was per
        taxonomy (role → ref) reads as that ref promoted for its card's taxonomy (aspects) or all."""
        path = self.root / "promoted.json"
        raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        out: dict[str, dict[str, str]] = {}
        for role, entry in raw.items():
            if isinstance(entry, str):
                scope = ANY_TAXONOMY
                if role == "aspects":
                    try:
                        scope = self.card(entry).get("taxonomy") or "restaurant"
                    except (KeyError, OSError):
                        scope = "restaurant"
                entry = {scope: entry}
            out[role] = dict(entry)
        return out

    def promoted(self, role: str, taxonomy: str | None = None) -> str | None:
        """The model `role` codes `taxonomy` with: the one promoted for it, else (not for aspects —
        an aspect model only codes the taxonomy it was trained for) the one promoted for all.
        Without a taxonomy: the model promoted for all, or the only one promoted."""
        entries = self._promoted().get(role, {})
        if taxonomy is None:
            return entries.get(ANY_TAXONOMY) or (next(iter(entries.values())) if len(entries) == 1 else None)
        if taxonomy in entries:
            return entries[taxonomy]
        return None if role == "aspects" else entries.get(ANY_TAXONOMY)

    def any_promoted(self) -> bool:
        return any(self._promoted().values())

    def card(self, ref: str) -> dict[str, Any]:
        return json.loads((self.path(self.resolve(ref)) / "card.json").read_text(encoding="utf-8"))

    def load(self, ref: str) -> Any:
        resolved = self.resolve(ref)
        folder = self.path(resolved)
        if (folder / "model").is_dir():
            import importlib

            module, _, name = self.card(str(resolved)).get("loader", TRANSFORMER_LOADER).partition(":")
            return getattr(importlib.import_module(module), name).load(folder / "model")
        return joblib.load(folder / "model.joblib")

    def list(self) -> list[dict[str, Any]]:
        scopes: dict[str, list[str]] = {}
        for entries in self._promoted().values():
            for scope, ref in entries.items():
                scopes.setdefault(ref, []).append(scope)
        rows = []
        if not self.root.exists():
            return rows
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for version in self.versions(folder.name):
                card = self.card(f"{folder.name}@{version}")
                metric, value = headline_metric(card)
                rows.append({"model": card["ref"], "kind": card["kind"], "role": card["role"],
                             "taxonomy": card.get("taxonomy", ANY_TAXONOMY), "rows": card.get("rows"),
                             "metric": metric, "value": value, "created_at": card["created_at"],
                             "promoted_for": ",".join(sorted(scopes.get(card["ref"], [])))})
        return rows


def headline_metric(card: dict[str, Any]) -> tuple[str, float | None]:
    """The card's headline number and what it is (metric, and on which data)."""
    metrics = card.get("metrics", {})
    held_out = card.get("held_out_metrics") or {}
    for source, name in ((held_out, "macro_f1"), (held_out, "accuracy"), (metrics, "macro_f1"), (metrics, "accuracy")):
        if name in source:
            where = held_out.get("evaluation") if source is held_out else metrics.get("evaluation")
            where = where or (f"{metrics.get('folds')}-fold CV" if "folds" in metrics else "training card")
            label = "AIC macro-F1" if name == "macro_f1" else "accuracy"
            return f"{label} ({where})", round(float(source[name]), 4)
    return "", None
