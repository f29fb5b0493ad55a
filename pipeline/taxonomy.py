"""The experience taxonomy: data in data/taxonomy/*.yaml, read into immutable nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.paths import TAXONOMY_DIR


@dataclass(frozen=True)
class SubDimension:
    id: str
    dimension: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    #: Coded only in a clause that cues no other sub-dimension (an overall judgement, not 整体环境很干净).
    alone: bool = False
    #: Keywords that only name who or where (服务员, 销售): a clause cued for this node by them alone
    #: is about the other node it cues (服务员上菜很慢 is serving speed, 销售很专业 competence).
    anchors: tuple[str, ...] = ()
    #: Where set, the anchored clause gives way only to these nodes (环境干净 is the cleanliness, 环境和
    #: 服务都很好 still the decoration and the staff); unset, to any other node it cues.
    yields_to: tuple[str, ...] = ()
    #: Regular expressions over a clause in which this node's keywords name a thing rather than judge
    #: it (推荐的菜, 经朋友推荐, 服务员给我们推荐): a keyword inside a match does not cue the node.
    objects: tuple[str, ...] = ()
    #: Regular expressions over a clause that cue this node where no single keyword does (就两片肉
    #: is the portion, 不想再来 the intention not to return): the token where a match starts is the cue.
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dimension:
    id: str
    name_zh: str
    name_en: str
    sub_dimensions: tuple[SubDimension, ...]


@dataclass(frozen=True)
class Taxonomy:
    name: str
    version: str
    name_zh: str
    name_en: str
    dimensions: tuple[Dimension, ...]
    _by_id: dict[str, SubDimension] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for dim in self.dimensions:
            for sub in dim.sub_dimensions:
                if sub.id in self._by_id:
                    raise ValueError(f"taxonomy {self.name}: sub-dimension id {sub.id!r} is used twice")
                self._by_id[sub.id] = sub

    @property
    def sub_dimensions(self) -> tuple[SubDimension, ...]:
        return tuple(self._by_id.values())

    def sub(self, sub_id: str) -> SubDimension:
        return self._by_id[sub_id]

    def dimension(self, dim_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(dim_id)

    def keywords(self) -> set[str]:
        words: set[str] = set()
        for sub in self.sub_dimensions:
            words.update(sub.keywords, sub.positive, sub.negative)
        return words


def _require(node: dict, key: str, where: str) -> object:
    if key not in node:
        raise ValueError(f"{where}: missing {key!r}")
    return node[key]


def load_taxonomy(name_or_path: str | Path) -> Taxonomy:
    """Load a taxonomy by name (`restaurant`, `auto_dealer`) or by YAML path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = TAXONOMY_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in TAXONOMY_DIR.glob("*.yaml")))
        raise FileNotFoundError(f"taxonomy {name_or_path!r} not found (known: {known})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    dims = []
    for d in _require(doc, "dimensions", str(path)):
        where = f"{path}: dimension {d.get('id')!r}"
        subs = tuple(
            SubDimension(
                id=str(_require(s, "id", where)),
                dimension=str(d["id"]),
                name_zh=str(_require(s, "name_zh", where)),
                name_en=str(_require(s, "name_en", where)),
                keywords=tuple(str(k) for k in _require(s, "keywords", where)),
                positive=tuple(str(k) for k in s.get("positive", ())),
                negative=tuple(str(k) for k in s.get("negative", ())),
                alone=bool(s.get("alone", False)),
                anchors=tuple(str(k) for k in s.get("anchors", ())),
                yields_to=tuple(str(k) for k in s.get("yields_to", ())),
                objects=tuple(str(k) for k in s.get("objects", ())),
                patterns=tuple(str(k) for k in s.get("patterns", ())),
            )
            for s in _require(d, "sub_dimensions", where)
        )
        for sub in subs:
            stray = [a for a in sub.anchors if a not in sub.keywords]
            if stray:
                raise ValueError(f"{where}: sub-dimension {sub.id!r}: anchors {stray} are not among its keywords")
            for kind, patterns in (("objects", sub.objects), ("patterns", sub.patterns)):
                for pattern in patterns:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise ValueError(f"{where}: sub-dimension {sub.id!r}: {kind} pattern {pattern!r}: {exc}") from exc
        dims.append(Dimension(str(_require(d, "id", where)), str(d["name_zh"]), str(d["name_en"]), subs))
    known = {sub.id for dim in dims for sub in dim.sub_dimensions}
    for dim in dims:
        for sub in dim.sub_dimensions:
            unknown = [y for y in sub.yields_to if y not in known]
            if unknown or (sub.yields_to and not sub.anchors):
                why = f"yields_to {unknown} are not sub-dimensions" if unknown else "yields_to needs anchors"
                raise ValueError(f"{path}: sub-dimension {sub.id!r}: {why}")
    return Taxonomy(
        name=str(_require(doc, "taxonomy", str(path))),
        version=str(_require(doc, "version", str(path))),
        name_zh=str(doc.get("name_zh", "")),
        name_en=str(doc.get("name_en", "")),
        dimensions=tuple(dims),
    )
