"""Promotion with evidence: a candidate is compared with the model it would replace, on a held-out
file neither was trained on, and a worse candidate is refused unless forced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models.labels import training_overlap
from pipeline.registry import ANY_TAXONOMY, Registry

#: The metric that decides, per role.
DECIDING = {"aspects": "macro_f1", "polarity": "macro_f1", "sentiment": "accuracy"}


@dataclass
class Comparison:
    candidate: str
    incumbent: str | None
    role: str
    scope: str
    metric: str = ""
    heldout: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def compared(self) -> bool:
        return len(self.scores) == 2

    narrower: list[str] = field(default_factory=list)

    @property
    def worse(self) -> bool:
        """Scores below the incumbent on the held-out file, or codes fewer sub-dimensions than it."""
        return bool(self.narrower) or (self.compared and self.scores[self.candidate] < self.scores[self.incumbent])


def heldout_score(registry: Registry, ref: str, role: str, heldout: Path, taxonomy: str) -> float:
    """The deciding metric of a registered model on a held-out file."""
    if role == "polarity":
        from sklearn.metrics import f1_score

        from models.clause_polarity import clause_examples

        test = clause_examples([heldout], taxonomy)
        predicted = registry.load(ref).predict(test[["text", "aspect_score", "clause_score"]])
        return float(f1_score(test.label, predicted, average="macro"))
    from models.train import evaluate

    return float(evaluate(ref, heldout, registry, taxonomy)[DECIDING[role]])


def compare_for_promotion(registry: Registry, ref: str, taxonomy: str | None = None,
                          heldout: Path | None = None) -> Comparison:
    """Candidate `ref` against the model promoted for the same role and taxonomy, on `heldout` (else
    the held-out file named on the candidate's card)."""
    resolved = str(registry.resolve(ref))
    card = registry.card(resolved)
    role = card["role"]
    scope = taxonomy or (card.get("taxonomy") if role == "aspects" else ANY_TAXONOMY)
    incumbent = registry.promoted(role, None if scope == ANY_TAXONOMY else scope)
    result = Comparison(resolved, incumbent, role, scope or "", DECIDING[role])
    if incumbent is None or incumbent == resolved:
        return result
    if role == "aspects":
        lost = set(registry.card(incumbent).get("aspects") or []) - set(card.get("aspects") or [])
        if lost:
            result.narrower = sorted(lost)
            result.warnings.append(f"{resolved} does not code {', '.join(result.narrower)}, which {incumbent} codes")
    path = heldout or (Path(card["heldout"]) if card.get("heldout") else None)
    if path is None or not path.exists():
        result.warnings.append(f"no held-out file to compare {resolved} with {incumbent} (pass --heldout FILE)")
        return result
    result.heldout = str(path)
    eval_taxonomy = card.get("taxonomy") or (scope if scope != ANY_TAXONOMY else "restaurant")
    for model in (resolved, incumbent):
        overlap = training_overlap(registry.card(model), path)
        if overlap:
            result.warnings.append(f"{overlap:.0%} of {path.name} was in {model}'s training data")
        result.scores[model] = heldout_score(registry, model, role, path, eval_taxonomy)
    return result
