"""The editable gazetteer of known programs (``gazetteer.yaml``) and its SpanRuler patterns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from .candidates import RARE_ZIPF, word_zipf
from .normalise import canonical_key

DEFAULT_GAZETTEER = Path(__file__).resolve().parent / "gazetteer.yaml"
# Swedish municipal and national programs written from general knowledge, each with who runs it
GENERAL_GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer_general.yaml"
# every program named in the project's annotated passages (source "annotated"; evaluation leaves it out)
ANNOTATED_GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer_annotated.yaml"
KINDS = ("program", "project", "method", "model", "initiative", "campaign", "strategy", "plan", "concept")


@dataclass
class GazetteerEntry:
    canonical: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    sources: tuple[str, ...] = ()

    @property
    def forms(self) -> list[str]:
        return [self.canonical, *self.aliases]


def load_gazetteer(path: str | Path | None = None, sources: set[str] | None = None) -> list[GazetteerEntry]:
    """Entries of a gazetteer file (default: ``gazetteer.yaml``, then the general list
    ``data/gazetteer_general.yaml`` and the annotated names ``data/gazetteer_annotated.yaml``,
    merged by canonical name); with ``sources``, only
    entries from those sources (evaluation uses this to leave out names taken from
    annotated data)."""
    if path is None or Path(path) == DEFAULT_GAZETTEER:
        merged: dict[str, GazetteerEntry] = {}
        for file in (DEFAULT_GAZETTEER, GENERAL_GAZETTEER, ANNOTATED_GAZETTEER):
            if not file.exists():
                continue
            for entry in _load_file(file, sources):
                known = merged.get(canonical_key(entry.canonical))
                if known is None:
                    merged[canonical_key(entry.canonical)] = entry
                else:  # the same program in both lists: one entry, all spellings
                    known.aliases.extend(a for a in entry.aliases if a not in known.forms)
                    known.sources = tuple(dict.fromkeys(known.sources + entry.sources))
        return list(merged.values())
    return _load_file(Path(path), sources)


def _load_file(path: Path, sources: set[str] | None) -> list[GazetteerEntry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the program gazetteer ({exc}).") from exc
    entries = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not item.get("canonical"):
            raise InputError(f"{path}: entry {number} needs a 'canonical' name.")
        kind = item.get("kind", "program")
        if kind not in KINDS:
            raise InputError(f"{path}: entry {item['canonical']!r} has kind {kind!r}; use one of {', '.join(KINDS)}.")
        source = item.get("source") or ()
        source = (source,) if isinstance(source, str) else tuple(str(x) for x in source)
        if sources is not None and not set(source) & sources:
            continue
        entries.append(GazetteerEntry(str(item["canonical"]), kind, [str(a) for a in item.get("aliases") or []], source))
    return entries


def _variants(word: str) -> list[str]:
    """Inflected forms of a name's last word: genitive and definite forms of title heads."""
    forms = {word, word + "s"}
    lower = word.lower()
    # Swedish inflection of a coined name: "Stjärnmärkta", "Komets", "Lekvärdesfaktorns",
    # "Matlyftets"; a name is specific enough that its inflected forms are still the name
    if len(word) >= 5 and not word.isupper():
        for suffix in ("a", "e", "es", "en", "ens", "et", "ets", "n", "ns"):
            forms.add(word + suffix)
    for base, definite in (("program", "programmet"), ("strategi", "strategin"), ("plan", "planen"),
                           ("policy", "policyn"), ("modell", "modellen"), ("metod", "metoden")):
        if lower.endswith(base):
            forms |= {word + definite[len(base):], word + definite[len(base):] + "s"}
    return sorted(forms)


_ANY, _CAPITAL = "any", "capital"  # case rules per token; any other value: the exact text


def _token_rules(tokens: list[str]) -> list[list[tuple[str, str]]]:
    """(surface, case rule) options for each token of a form: lower-case words match in
    any case, a capitalised first word needs its capital (unless the form is one coined
    word, rare in Swedish at large: "stjärnmärkning"), acronyms match exactly; the last
    word may be inflected."""
    out = []
    for i, token in enumerate(tokens):
        options = _variants(token) if i == len(tokens) - 1 else [token]
        if token.isupper() and len(token) > 1:
            out.append([(o, o) for o in options])
        elif i == 0 and token[:1].isupper() and (len(tokens) > 1 or word_zipf(token) >= RARE_ZIPF):
            out.append([(o, _CAPITAL) for o in options])
        else:
            out.append([(o, _ANY) for o in options])
    return out


class GazetteerMatcher:
    """Finds gazetteer names in a Doc with one PhraseMatcher on lower-case tokens, then
    checks each hit's case rules. (spaCy's token-pattern Matcher with IN-sets took 5 s
    for a 97-page report once the list had a few hundred names; this takes a fraction.)"""

    def __init__(self, entries: list[GazetteerEntry], nlp: Any) -> None:
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        # lower-case token sequence → [(entry, case rules)]; several forms may share one
        self.rules: dict[tuple[str, ...], list[tuple[GazetteerEntry, tuple[str, ...]]]] = {}
        for entry in entries:
            for form in dict.fromkeys(entry.forms):
                tokens = [t.text for t in nlp.tokenizer(form)]
                if not tokens:
                    continue
                sequences: list[list[tuple[str, str]]] = [[]]
                for options in _token_rules(tokens):
                    sequences = [seq + [option] for seq in sequences for option in options]
                for sequence in sequences:
                    key = tuple(word.lower() for word, _ in sequence)
                    if key not in self.rules:
                        self.rules[key] = []
                        self.matcher.add("|".join(key), [Doc(nlp.vocab, words=[w for w, _ in sequence])])
                    self.rules[key].append((entry, tuple(rule for _, rule in sequence)))

    @staticmethod
    def _case_ok(words: list[str], rules: tuple[str, ...]) -> bool:
        for word, rule in zip(words, rules):
            if rule == _CAPITAL and not word[:1].isupper():
                return False
            if rule not in (_ANY, _CAPITAL) and word != rule:
                return False
        return True

    def __call__(self, doc: Any) -> list[Any]:
        from spacy.tokens import Span

        spans = []
        for _, start, end in self.matcher(doc):
            words = [t.text for t in doc[start:end]]
            for entry, rules in self.rules.get(tuple(w.lower() for w in words), []):
                if self._case_ok(words, rules):
                    spans.append(Span(doc, start, end, label=entry.kind, span_id=entry.canonical))
                    break
        return spans


def alias_index(entries: list[GazetteerEntry]) -> dict[str, GazetteerEntry]:
    """canonical key of every form → its entry."""
    index: dict[str, GazetteerEntry] = {}
    for entry in entries:
        for form in entry.forms:
            index.setdefault(canonical_key(form), entry)
    return index
