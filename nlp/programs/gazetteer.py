"""The editable gazetteer of known programs (``gazetteer.yaml``) and its SpanRuler patterns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from .normalise import canonical_key

DEFAULT_GAZETTEER = Path(__file__).resolve().parent / "gazetteer.yaml"
KINDS = ("program", "project", "method", "model", "initiative", "campaign", "strategy", "plan", "concept")


@dataclass
class GazetteerEntry:
    canonical: str
    kind: str
    aliases: list[str] = field(default_factory=list)

    @property
    def forms(self) -> list[str]:
        return [self.canonical, *self.aliases]


def load_gazetteer(path: str | Path | None = None) -> list[GazetteerEntry]:
    path = Path(path) if path else DEFAULT_GAZETTEER
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
        entries.append(GazetteerEntry(str(item["canonical"]), kind, [str(a) for a in item.get("aliases") or []]))
    return entries


def _variants(word: str) -> list[str]:
    """Inflected forms of a name's last word: genitive and definite forms of title heads."""
    forms = {word, word + "s"}
    lower = word.lower()
    for base, definite in (("program", "programmet"), ("strategi", "strategin"), ("plan", "planen"),
                           ("policy", "policyn"), ("modell", "modellen"), ("metod", "metoden")):
        if lower.endswith(base):
            forms |= {word + definite[len(base):], word + definite[len(base):] + "s"}
    return sorted(forms)


def ruler_patterns(entries: list[GazetteerEntry], tokenizer: Any) -> list[dict[str, Any]]:
    """SpanRuler token patterns: lower-case aliases match in any case, capitalised ones
    need the capital, acronyms match exactly; the last word may be inflected."""
    patterns = []
    for entry in entries:
        for form in dict.fromkeys(entry.forms):
            tokens = [t.text for t in tokenizer(form)]
            if not tokens:
                continue
            pattern: list[dict[str, Any]] = []
            for i, token in enumerate(tokens):
                options = _variants(token) if i == len(tokens) - 1 else [token]
                if token.isupper() and len(token) > 1:
                    pattern.append({"ORTH": {"IN": options}})
                elif i == 0 and token[:1].isupper():
                    pattern.append({"ORTH": {"IN": sorted({o for o in options} | {o.upper() for o in options})}})
                else:
                    pattern.append({"LOWER": {"IN": sorted({o.lower() for o in options})}})
            patterns.append({"label": entry.kind, "pattern": pattern, "id": entry.canonical})
    return patterns


def alias_index(entries: list[GazetteerEntry]) -> dict[str, GazetteerEntry]:
    """canonical key of every form → its entry."""
    index: dict[str, GazetteerEntry] = {}
    for entry in entries:
        for form in entry.forms:
            index.setdefault(canonical_key(form), entry)
    return index
