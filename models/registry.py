"""The model registry: a folder per `name/version` holding the artifact and a model card.

    voc-models/                   (VOC_MODELS or --models to choose)
      promoted.json               {"aspects": "restaurant-aspects@2", "sentiment": "overall@1"}
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
ROLES = {"sklearn": "aspects", "transformer": "aspects", "sentiment": "sentiment"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Ref:
    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


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
        if kind == "transformer":
            model.save(folder / "model")
        else:
            joblib.dump(model, folder / "model.joblib", compress=3)
        card = {"name": name, "version": ref.version, "ref": str(ref), "kind": kind, "role": ROLES[kind],
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **card}
        (folder / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return ref

    def promote(self, ref: str) -> tuple[str, Ref]:
        resolved = self.resolve(ref)
        role = self.card(str(resolved))["role"]
        promoted = self._promoted()
        promoted[role] = str(resolved)
        (self.root / "promoted.json").write_text(json.dumps(promoted, indent=2), encoding="utf-8")
        return role, resolved

    # -- reading ------------------------------------------------------------------------------
    def _promoted(self) -> dict[str, str]:
        path = self.root / "promoted.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def promoted(self, role: str) -> str | None:
        return self._promoted().get(role)

    def card(self, ref: str) -> dict[str, Any]:
        return json.loads((self.path(self.resolve(ref)) / "card.json").read_text(encoding="utf-8"))

    def load(self, ref: str) -> Any:
        resolved = self.resolve(ref)
        folder = self.path(resolved)
        if (folder / "model").is_dir():
            from models.transformer import TransformerAspectClassifier

            return TransformerAspectClassifier.load(folder / "model")
        return joblib.load(folder / "model.joblib")

    def list(self) -> list[dict[str, Any]]:
        promoted = set(self._promoted().values())
        rows = []
        if not self.root.exists():
            return rows
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for version in self.versions(folder.name):
                card = self.card(f"{folder.name}@{version}")
                metrics = card.get("metrics", {})
                rows.append({"model": card["ref"], "kind": card["kind"], "role": card["role"],
                             "rows": card.get("rows"), "metric": metrics.get("macro_f1", metrics.get("accuracy")),
                             "created_at": card["created_at"], "promoted": card["ref"] in promoted})
        return rows
