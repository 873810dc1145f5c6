"""Finding parts that are probably the same thing entered twice.

Signals, strongest first: the same barcode once normalised (leading zeros, spaces; a barcode kept
as another part's alias); the same name once normalised (NFKC, case, punctuation) with trade
synonyms folded to their group, so 前刹车片 and 前制动片 — or "Brake Pad" and 刹车片 — read alike;
and near-identical specifications within a category and unit with similar names. Pairs already
linked as substitutes or by supersession are known relations, not duplicates.

The comparison itself is pure (`find_candidates`), so it is tested without a database."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations

_PUNCT = re.compile(r"[\s\-_/\\.,;:·、，。；：'\"()\[\]{}（）【】《》<>+]+")
_TIMES = re.compile(r"[×x*]")
MAX_BLOCK = 400  # beyond this many parts of one category and unit, only exact signals are used


@dataclass(frozen=True)
class PartRecord:
    id: int
    code: str
    barcode: str | None
    name_zh: str
    name_en: str
    category: str
    uom: str
    spec: str | None
    aliases: tuple[str, ...] = ()


@dataclass
class Candidate:
    a: PartRecord
    b: PartRecord
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0


class SynonymFolder:
    """Replaces every synonym term (longest first) by a token of its group."""

    def __init__(self, groups: Iterable[tuple[int, str]]) -> None:
        terms = sorted(((normalise(t), g) for g, t in groups), key=lambda item: -len(item[0]))
        self._terms = [(t, f"§{g}§") for t, g in terms if t]

    def fold(self, text: str) -> str:
        value = normalise(text)
        for term, token in self._terms:
            if term in value:
                value = value.replace(term, token)
        return value


def normalise(text: str | None) -> str:
    value = unicodedata.normalize("NFKC", text or "").lower()
    return _PUNCT.sub("", value)


def normalise_barcode(value: str | None) -> str | None:
    digits = re.sub(r"\s+", "", value or "")
    if not digits.isdigit() or len(digits) < 8:
        return None
    return digits.lstrip("0")


def spec_key(spec: str | None) -> str:
    return _TIMES.sub("x", normalise(spec))


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+|\d+(?:\.\d+)?|[^\W\d_a-z]", text))


def find_candidates(
    parts: Sequence[PartRecord],
    folder: SynonymFolder,
    related: set[tuple[int, int]],
    *,
    name_threshold: float = 0.9,
) -> list[Candidate]:
    """Scored candidate pairs (a.code < b.code), best first."""
    found: dict[tuple[int, int], Candidate] = {}

    def note(x: PartRecord, y: PartRecord, reason: str, score: float) -> None:
        a, b = (x, y) if x.code < y.code else (y, x)
        if a.id == b.id or (a.id, b.id) in related or (b.id, a.id) in related:
            return
        candidate = found.setdefault((a.id, b.id), Candidate(a, b))
        if reason not in candidate.reasons:
            candidate.reasons.append(reason)
            candidate.score = min(1.0, max(candidate.score, score) + 0.05 * (len(candidate.reasons) - 1))

    specs = {p.id: spec_key(p.spec) for p in parts}
    spec_tokens = {p.id: _tokens(specs[p.id]) for p in parts}

    def similar_specs(x: PartRecord, y: PartRecord) -> bool:
        a, b = specs[x.id], specs[y.id]
        if a == b:
            return True
        ta, tb = spec_tokens[x.id], spec_tokens[y.id]
        return bool(ta | tb) and len(ta & tb) / len(ta | tb) >= 0.9 and abs(len(a) - len(b)) <= 3

    for key_fn, kind in ((_barcode_keys, "barcode"), (lambda p: _name_keys(p, folder), "name")):
        groups: dict[str, list[PartRecord]] = defaultdict(list)
        for part in parts:
            for key in key_fn(part):
                groups[key].append(part)
        for members in groups.values():
            unique = list({p.id: p for p in members}.values())
            for x, y in combinations(unique, 2):
                if kind == "barcode":
                    note(x, y, "same barcode", 1.0)
                elif not specs[x.id] or not specs[y.id] or similar_specs(x, y):
                    note(x, y, "same name (synonyms folded)", 0.9)
                else:  # same name, another pump power or coolant grade: listed, ranked low
                    note(x, y, "same name, different specification", 0.4)

    blocks: dict[tuple[str, str], list[PartRecord]] = defaultdict(list)
    for part in parts:
        if part.spec:
            blocks[(part.category, part.uom)].append(part)
    for members in blocks.values():
        if len(members) > MAX_BLOCK:
            continue
        names = {p.id: folder.fold(p.name_zh) for p in members}
        for x, y in combinations(members, 2):
            if not similar_specs(x, y):
                continue
            ratio = SequenceMatcher(None, names[x.id], names[y.id]).ratio()
            if ratio >= name_threshold:
                note(x, y, "near-identical specification", 0.5 + 0.4 * ratio)
    return sorted(found.values(), key=lambda c: (-c.score, c.a.code, c.b.code))


def _barcode_keys(part: PartRecord) -> set[str]:
    keys = {normalise_barcode(part.barcode)} | {normalise_barcode(a) for a in part.aliases}
    return {k for k in keys if k}


def _name_keys(part: PartRecord, folder: SynonymFolder) -> set[str]:
    """The two names only: aliases are generic on purpose ("刹车盘" is an alias of every disc)."""
    keys = {folder.fold(part.name_zh), folder.fold(part.name_en)}
    return {k for k in keys if len(k) >= 2}
