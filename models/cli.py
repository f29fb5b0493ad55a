"""`voc train`, `voc evaluate`, `voc pretrain`, `voc models …`, `voc label …`: the models' commands,
mounted on `voc` through the `voc.commands` entry point (pyproject.toml; see pipeline/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from pipeline.cli_common import DbOption, TaxonomyOption, err, fail, open_store, print_frame, settings
from pipeline.registry import Registry
from pipeline.store import coding as coding_repo

app = typer.Typer()
models_app = typer.Typer(help="List, inspect and promote registered models.", no_args_is_help=True)
label_app = typer.Typer(help="Export uncertain items for annotation; import annotations.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(label_app, name="label")
RegistryOption = typer.Option(None, "--models", help="Model registry folder (else VOC_MODELS, voc.toml, voc-models).")


def _registry(models: Optional[str]) -> Registry:
    return Registry(settings(models=models).models)


def _params(values: list[str]) -> dict:
    """`--param C=0.5 --param doc_weight=1` → {"C": 0.5, "doc_weight": 1}."""
    out = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep:
            fail(f"--param {value!r}: use NAME=VALUE")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


@app.command()
def train(data: list[Path] = typer.Option(..., "--data", help="Labelled file(s): AIC wide, long, or label,review."),
          kind: str = typer.Option("sklearn", help="sklearn | transformer (aspects) | sentiment (overall) | polarity (clause)."),
          name: str = typer.Option(..., help="Model name in the registry."),
          base_model: Optional[str] = typer.Option(None, help="Local Hugging Face checkpoint (transformer)."),
          taxonomy: str = TaxonomyOption,
          cv: int = typer.Option(5, help="Cross-validation folds for the card (sklearn; 0 to skip)."),
          param: list[str] = typer.Option([], help="Hyperparameter NAME=VALUE (repeatable)."),
          heldout: Optional[Path] = typer.Option(None, help="Labelled file training never sees, scored on the card (aspects, polarity)."),
          unlabelled: list[Path] = typer.Option([], help="File of unlabelled texts (content, review or text column) from the domain to code: the sentiment model self-trains on them (repeatable)."),
          models: str = RegistryOption) -> None:
    """Train a model and register it as a new version (not promoted)."""
    from models.train import train_aspect_model, train_polarity_model, train_sentiment_model

    for path in [*data, *unlabelled]:
        if not path.exists():
            fail(f"{path}: no such file")
    if unlabelled and kind != "sentiment":
        fail("--unlabelled: only the sentiment model (--kind sentiment) self-trains")
    registry = _registry(models)
    try:
        if kind == "sentiment":
            ref = train_sentiment_model(data, name, registry, params=_params(param), unlabelled=unlabelled)
        elif kind == "polarity":
            ref = train_polarity_model(data, name, registry, taxonomy, heldout, _params(param))
        else:
            if len(data) != 1:
                fail("aspect models train on one --data file")
            ref = train_aspect_model(data[0], kind, name, registry, taxonomy, base_model, cv, _params(param), heldout)
    except (ValueError, KeyError) as exc:
        fail(str(exc))
    card = registry.card(str(ref))
    metrics = {k: round(v, 4) for k, v in {**card["metrics"], **card.get("held_out_metrics", {})}.items()
               if isinstance(v, float)}
    selftrained = (f", self-trained on {card['pseudo_labelled']} of {card['unlabelled_rows']} unlabelled texts"
                   if card.get("unlabelled_rows") else "")
    err.print(f"registered {ref} ({card['rows']} rows{selftrained}, {card['train_seconds']} s to fit) {metrics}")
    err.print(f"promote it with: voc models promote {ref}")


@app.command()
def evaluate(model: Optional[str] = typer.Option(None, help="NAME[@VERSION], or `lexicon` for the baseline."),
             data: Optional[Path] = typer.Option(None, help="Labelled file."),
             gold: Optional[Path] = typer.Option(None, help="Gold-set folder (data/gold): score the coding pipeline item by item."),
             lexicon: bool = typer.Option(False, "--lexicon", help="With --gold: code with the lexicon, not the promoted models."),
             taxonomy: str = TaxonomyOption, as_json: bool = typer.Option(False, "--json"),
             models: str = RegistryOption) -> None:
    """Evaluate a model on a labelled file (AIC metric for aspect files, accuracy/F1 for binary), or
    the whole coding pipeline on gold sets (--gold): per channel and taxonomy, code P/R/F1 on
    (sub-dimension, polarity), item exact match, item-sentiment accuracy."""
    if gold is not None:
        _evaluate_gold(gold, models, lexicon, as_json)
        return
    from models.train import evaluate as run_evaluation

    if model is None or data is None:
        fail("give --model and --data (a labelled file), or --gold DIR")
    if not data.exists():
        fail(f"{data}: no such file")
    try:
        result = run_evaluation(model, data, _registry(models), taxonomy)
    except (ValueError, KeyError) as exc:
        fail(str(exc))
    overlap = result.get("training_overlap")
    if overlap:
        err.print(f"[bold yellow]warning:[/] {overlap:.0%} of the texts in {data} were in {model}'s training data: "
                  "these numbers are not a held-out estimate")
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    per = result.pop("per_aspect_f1", None)
    print_frame(pd.DataFrame([result]), title=f"{model} on {data}")
    if per:
        print_frame(pd.DataFrame(sorted(per.items(), key=lambda kv: kv[1]), columns=["aspect", "f1"]), title="per-aspect F1")


def _evaluate_gold(directory: Path, models: Optional[str], lexicon: bool, as_json: bool) -> None:
    from models.gold import evaluate_with_coders
    from pipeline.coder import NoModels

    if not directory.is_dir():
        fail(f"{directory}: not a folder of gold files")
    try:
        rows = evaluate_with_coders(directory, settings(models=models).models, lexicon)
    except NoModels as exc:
        fail(str(exc))
    except (ValueError, FileNotFoundError, KeyError) as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    frame = pd.DataFrame(rows)
    print_frame(frame.round(3), title=f"gold sets in {directory}")


@models_app.command("list")
def models_list(models: str = RegistryOption) -> None:
    """Registered models, their headline metric and which are promoted."""
    registry = _registry(models)
    rows = registry.list()
    if not rows:
        err.print(f"no models in {registry.root} (train one with `voc train`)")
        return
    print_frame(pd.DataFrame(rows), title=f"models in {registry.root}")


@models_app.command("show")
def models_show(ref: str, models: str = RegistryOption) -> None:
    """The model card of NAME[@VERSION]."""
    try:
        print(json.dumps(_registry(models).card(ref), ensure_ascii=False, indent=2))
    except KeyError as exc:
        fail(str(exc.args[0]))


@models_app.command("promote")
def models_promote(ref: str, models: str = RegistryOption,
                   taxonomy: Optional[str] = typer.Option(None, help="Promote for this taxonomy only (default: an aspect model's own taxonomy; every taxonomy for sentiment and polarity)."),
                   heldout: Optional[Path] = typer.Option(None, help="Held-out labelled file to compare on (default: the one on the candidate's card)."),
                   force: bool = typer.Option(False, "--force", help="Promote even when the candidate scores worse than the promoted model.")) -> None:
    """Make NAME@VERSION the model the pipeline codes with, for its role and taxonomy — after showing it
    against the promoted model on a held-out file; a worse candidate is refused without --force."""
    from models.promotion import compare_for_promotion

    registry = _registry(models)
    try:
        comparison = compare_for_promotion(registry, ref, taxonomy, heldout)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except ValueError as exc:
        fail(str(exc))
    for warning in comparison.warnings:
        err.print(f"[bold yellow]warning:[/] {warning}")
    if comparison.compared:
        print_frame(pd.DataFrame([{"model": m, comparison.metric: round(v, 4), "promoted": m == comparison.incumbent}
                                  for m, v in comparison.scores.items()]),
                    title=f"{comparison.metric} on {comparison.heldout} (held out)")
    if comparison.worse and not force:
        why = "codes fewer sub-dimensions than" if comparison.narrower else "scores below"
        fail(f"{comparison.candidate} {why} the promoted {comparison.incumbent}: not promoted "
             "(--force to promote anyway)", code=1)
    try:
        role, scope, resolved = registry.promote(ref, taxonomy)
    except ValueError as exc:
        fail(str(exc))
    where = "every taxonomy" if scope == "*" else f"taxonomy {scope}"
    err.print(f"promoted {resolved} as the {role} model for {where}; `voc code --recode` recodes stored items with it")


@label_app.command("export")
def label_export(uncertain: int = typer.Option(50, help="How many of the least certain items."),
                 out: Path = typer.Option(Path("labelling/uncertain"), help="Output prefix (.csv, .json, .label_config.xml)."),
                 model: Optional[str] = typer.Option(None, help="Aspect model (default: the promoted one)."),
                 db: str = DbOption, models: str = RegistryOption) -> None:
    """Export the stored items the aspect model is least sure of, for annotation."""
    from models.annotation import export_tasks, least_certain
    registry = _registry(models)
    ref = model or registry.promoted("aspects", "restaurant")
    if not ref:
        fail("no aspect model promoted; pass --model NAME@VERSION")
    fitted = registry.load(ref)
    with open_store(db, read_only=True) as store:  # every item that is coded (no exact duplicates), a window at a time
        batches = ([item[:2] for item in batch] for batch in coding_repo.iter_items_to_code(store, "", recode=True))
        chosen, proba = least_certain(fitted, batches, uncertain)  # (id, text): the channel is not exported
    if not chosen:
        fail(f"no items in {settings(db).db}")
    for path in export_tasks(chosen, proba, list(map(str, fitted.classes_)), str(registry.resolve(ref)), out):
        err.print(f"wrote {path}")


@label_app.command("import")
def label_import(file: Path, into: Path = typer.Option(Path("data/labelled/annotations.csv"),
                                                       help="Long-format training file to append to.")) -> None:
    """Import annotations (Label Studio JSON export, or a wide/long CSV) into a training file."""
    from models.annotation import import_annotations

    if not file.exists():
        fail(f"{file}: no such file")
    try:
        texts, rows = import_annotations(file, into)
    except (ValueError, KeyError) as exc:
        fail(str(exc))
    err.print(f"imported {texts} annotated texts into {into} ({rows} rows); train on it with `voc train --data {into}`")


@app.command()
def pretrain(corpus: list[Path] = typer.Option(..., "--corpus", help="CSV (content/review/text column) or text files."),
             out: Path = typer.Option(Path("voc-models/base/zh-mini-bert"), help="Checkpoint folder to write."),
             steps: int = typer.Option(2000), hidden_size: int = typer.Option(256), layers: int = typer.Option(4),
             heads: int = typer.Option(4), batch_size: int = typer.Option(32), max_length: int = typer.Option(128)) -> None:
    """Pretrain a small Chinese BERT (masked LM) from scratch, as a base for `--kind transformer`."""
    from models.pretrain import pretrain as run_pretrain, read_corpus

    for path in corpus:
        if not path.exists():
            fail(f"{path}: no such file")
    texts = read_corpus(corpus)
    err.print(f"{len(texts)} texts from {len(corpus)} files")
    report = run_pretrain(texts, out, hidden_size, layers, heads, max_length, steps, batch_size, log=err.print)
    err.print(f"saved to {out}: {report}")
    err.print(f"fine-tune with: voc train --kind transformer --base-model {out} --data FILE --name NAME")
