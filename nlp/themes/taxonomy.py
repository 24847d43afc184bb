"""The theme taxonomy: a YAML file of themes with definitions and examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import RapportError

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yaml")


class UnknownThemeError(RapportError):
    pass


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    definition: str
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass
class Taxonomy:
    themes: list[Theme] = field(default_factory=list)
    version: int = 1

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise UnknownThemeError(f"unknown theme '{theme_id}'; known themes: {', '.join(self.ids)}.")

    def check(self, theme_ids: list[str]) -> None:
        """Raise a clear error for any theme id the taxonomy does not define."""
        for theme_id in theme_ids:
            self.get(theme_id)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_TAXONOMY) -> "Taxonomy":
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise RapportError(f"{path}: cannot read the taxonomy ({exc}).") from exc
        if not isinstance(data, dict) or not isinstance(data.get("themes"), list) or not data["themes"]:
            raise RapportError(f"{path}: a taxonomy needs a non-empty 'themes' list.")
        themes = []
        seen = set()
        for entry in data["themes"]:
            if not isinstance(entry, dict) or not entry.get("id") or not entry.get("label"):
                raise RapportError(f"{path}: every theme needs an 'id' and a 'label' (got {entry!r}).")
            theme_id = str(entry["id"])
            if not theme_id.isidentifier() or theme_id in seen:
                raise RapportError(f"{path}: theme id '{theme_id}' must be a unique identifier.")
            seen.add(theme_id)
            themes.append(
                Theme(
                    id=theme_id,
                    label=str(entry["label"]),
                    definition=str(entry.get("definition", "")),
                    includes=tuple(entry.get("includes") or ()),
                    excludes=tuple(entry.get("excludes") or ()),
                    examples=tuple(entry.get("examples") or ()),
                )
            )
        return cls(themes=themes, version=int(data.get("version", 1)))
