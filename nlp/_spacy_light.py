"""Import spaCy without PyTorch.

spaCy's thinc imports PyTorch when it is installed (0.9 s and 200 MB before a command
does anything), only to offer PyTorch layers that rapport's pipelines never use. If
PyTorch is not loaded yet, it is hidden while spaCy loads and available again right
after, so the encoder (sentence-transformers) still imports it when it is needed.
"""

from __future__ import annotations

import sys

if "spacy" not in sys.modules and "torch" not in sys.modules:
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail inside thinc
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]
