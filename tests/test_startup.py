"""Start-up (#19): the command line imports only what a command needs.

Not timed (the machine may be busy): each check runs the CLI in a fresh interpreter and
looks at ``sys.modules`` afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SODERMALM

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "spacy", "thinc", "sklearn", "pandas", "sentence_transformers", "transformers", "onnxruntime")

PROBE = r"""
import contextlib, io, json, sys
from nlp.cli import main
argv = json.loads(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(argv)
    except SystemExit:
        pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def loaded_after(*argv: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(argv))], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [("--version",), ("--help",), ("segment", "--help"), ("search", "--help"), ()])
def test_version_and_help_import_nothing_heavy(argv: tuple[str, ...]) -> None:
    heavy = loaded_after(*argv) & set(HEAVY)
    assert not heavy, f"rapport {' '.join(argv)} imported {sorted(heavy)}"


def test_segment_imports_no_encoder_or_learning_libraries() -> None:
    loaded = loaded_after("segment", str(SODERMALM))
    assert "spacy" in loaded  # sentences come from spaCy's tokenizer
    assert not loaded & {"torch", "sklearn", "pandas", "sentence_transformers", "transformers", "onnxruntime"}
    assert "weasel" not in loaded and "requests" not in loaded  # spaCy's command line is not loaded


def test_spacy_cli_still_importable_after_light_import() -> None:
    code = ("import nlp._spacy_light, spacy, sys; assert 'spacy.cli' not in sys.modules; "
            "import spacy.cli; from spacy.cli.info import info; assert callable(spacy.info) and callable(info); "
            "import torch; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
