"""Self-describing model folders: a ``config.json`` naming kind, format and versions.

Every trained artifact rapport ships or trains is a folder (as in sentence-transformers
and spaCy): its ``config.json`` says what it is (``kind``), which layout it has
(``format``) and what built it (``versions``: rapport, Python and the libraries whose
pickles or files it holds), beside a model card (``README.md``). :func:`load` reads the
config and hands the folder to the loader registered for its kind, which checks the format
it understands; nothing is found by unpickling blindly or by a path relative to a source
file. Folders are written whole or not at all (:func:`write_folder`), so an interrupted
training never leaves a half-written model where a working one was.

The one models root is ``nlp.defaults.MODELS`` (``$RAPPORT_MODELS``): a bare name
("themes-lexical") is a folder there, a path is used as given.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from .errors import RapportError

CONFIG = "config.json"
CARD = "README.md"

Loader = Callable[[Path, dict[str, Any]], Any]
# kind → (module that registers its loader, imported on first use)
KIND_MODULES = {
    "themes": "nlp.themes.models",
    "programs": "nlp.programs.pipeline",
}
_LOADERS: dict[str, tuple[Loader, tuple[int, ...]]] = {}
# libraries whose objects a folder may hold; their versions are recorded at save time
_LIBRARIES = ("numpy", "scipy", "sklearn", "spacy", "sentence_transformers", "joblib")


def register_loader(kind: str, formats: tuple[int, ...]) -> Callable[[Loader], Loader]:
    """Register the function that loads folders of ``kind`` in any of ``formats``."""

    def register(loader: Loader) -> Loader:
        _LOADERS[kind] = (loader, tuple(formats))
        return loader

    return register


def versions(*libraries: str) -> dict[str, str]:
    """rapport's, Python's and the given (default: all known, if imported) libraries' versions."""
    from . import __version__

    found = {"rapport": __version__, "python": platform.python_version()}
    for name in libraries or _LIBRARIES:
        module = sys.modules.get(name)
        if module is None and libraries:
            module = importlib.import_module(name)
        if module is not None and getattr(module, "__version__", None):
            found["scikit-learn" if name == "sklearn" else name.replace("_", "-")] = str(module.__version__)
    return found


def models_root() -> Path:
    """The one models root: ``$RAPPORT_MODELS`` (read now, so a test or a server can point
    it elsewhere) or ``models/`` in the repository."""
    from .defaults import MODELS

    return Path(os.environ.get("RAPPORT_MODELS", MODELS))


def resolve(name_or_path: str | Path) -> Path:
    """A folder path as given when it names one (absolute, or relative and existing), else a
    folder of that name under the models root."""
    path = Path(name_or_path)
    if path.is_absolute() or path.exists() or len(path.parts) > 1:
        return path
    return models_root() / path


def read_config(path: str | Path) -> dict[str, Any]:
    """The folder's config, or a RapportError saying what is wrong with the folder."""
    path = Path(path)
    config_path = path / CONFIG
    if not path.is_dir():
        raise RapportError(f"{path}: no model folder here.", code="model_missing", path=str(path))
    if not config_path.exists():
        raise RapportError(f"{path}: not a rapport model folder ({CONFIG} missing); train it again.",
                           code="model_invalid", path=str(path))
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RapportError(f"{config_path}: unreadable model config ({exc}).", code="model_invalid",
                           path=str(path)) from None
    if not isinstance(config, dict) or not isinstance(config.get("kind"), str) or not isinstance(config.get("format"), int):
        raise RapportError(f"{config_path}: a model config needs \"kind\" and \"format\"; train it again.",
                           code="model_invalid", path=str(path))
    return config


def load(path: str | Path, kind: str | None = None) -> Any:
    """Load a model folder by what its config says it is (``kind`` checks the expectation)."""
    path = resolve(path)
    config = read_config(path)
    found = config["kind"]
    if kind is not None and found != kind:
        raise RapportError(f"{path}: a {found} model, not a {kind} model.", code="model_kind", path=str(path),
                           kind=found, expected=kind)
    if found not in _LOADERS and found in KIND_MODULES:
        importlib.import_module(KIND_MODULES[found])
    if found not in _LOADERS:
        raise RapportError(f"{path}: unknown model kind {found!r} (known: {', '.join(sorted(KIND_MODULES))}).",
                           code="model_kind", path=str(path), kind=found)
    loader, formats = _LOADERS[found]
    if config["format"] not in formats:
        raise RapportError(f"{path}: {found} model format {config['format']} is not supported by this rapport "
                           f"(it reads format {', '.join(map(str, formats))}); train it again.",
                           code="model_format", path=str(path), format=config["format"])
    _warn_on_version_drift(path, config)
    return loader(path, config)


def _warn_on_version_drift(path: Path, config: dict[str, Any]) -> None:
    """A pickle from another scikit-learn release may load and still predict differently:
    say so once (scikit-learn's own warning is about one estimator, not the folder)."""
    saved = config.get("versions") or {}
    library = "scikit-learn"
    if library in saved:
        import sklearn

        if saved[library] != sklearn.__version__:
            warnings.warn(f"{path}: trained with scikit-learn {saved[library]}, running {sklearn.__version__}; "
                          "retrain if its predictions look wrong.", stacklevel=3)


def write_folder(path: str | Path, kind: str, format: int, write: Callable[[Path], None],
                 config: dict[str, Any] | None = None, card: str = "", libraries: tuple[str, ...] = ()) -> Path:
    """Write a model folder atomically: ``write(tmp)`` fills a sibling temporary folder,
    the config and card are added, and only then does it replace ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
        full = {"kind": kind, "format": format, "versions": versions(*libraries), **(config or {})}
        (tmp / CONFIG).write_text(json.dumps(full, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if card:
            (tmp / CARD).write_text(card, encoding="utf-8")
        if path.exists():
            path.rename(old)
        tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not path.exists():
            old.rename(path)  # put the working model back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return path
