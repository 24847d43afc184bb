"""Import spaCy without PyTorch and without its command line.

spaCy's thinc imports PyTorch when it is installed (0.9 s and 200 MB before a command
does anything), only to offer PyTorch layers that rapport's pipelines never use. If
PyTorch is not loaded yet, it is hidden while spaCy loads and available again right
after, so the encoder (sentence-transformers) still imports it when it is needed.

``import spacy`` also imports ``spacy.cli`` (for ``spacy.info``), which pulls in weasel,
typer, requests and the training CLI: about 0.3 s that rapport never uses. While spaCy
loads, ``spacy.cli`` and ``spacy.cli.info`` are placeholders whose ``info`` imports the
real one on first call; right after, the placeholders are removed, so a later
``import spacy.cli`` (or ``python -m spacy``) loads the real package as usual.
"""

from __future__ import annotations

import sys
import types


def _lazy_info(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - spaCy's own signature
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _placeholders() -> dict[str, types.ModuleType]:
    cli = types.ModuleType("spacy.cli")
    cli.__path__ = []  # a package, so ``spacy.cli.info`` resolves to the placeholder below
    info = types.ModuleType("spacy.cli.info")
    info.info = _lazy_info  # type: ignore[attr-defined]
    cli.info = info  # type: ignore[attr-defined]
    return {"spacy.cli": cli, "spacy.cli.info": info}


if "spacy" not in sys.modules:
    hidden: dict[str, object] = {} if "torch" in sys.modules else {"torch": None}  # `import torch` fails in thinc
    hidden.update(_placeholders())
    sys.modules.update(hidden)  # type: ignore[arg-type]
    try:
        import spacy  # noqa: F401
    finally:
        for name, module in hidden.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        spacy_module = sys.modules.get("spacy")
        if spacy_module is not None and getattr(spacy_module, "cli", None) is hidden.get("spacy.cli"):
            del spacy_module.cli  # the real package is imported on demand
