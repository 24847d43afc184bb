"""The ONNX Runtime encoder (#19) and the back-end setting."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.encoders import (ONNX_SUFFIX, default_encoder_path, encoder_available, encoder_backend, load_encoder,
                          onnx_folder, resolve_backend)
from nlp.errors import RapportError

from .conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
HAS_ONNX = onnx_folder() is not None
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason=f"no ONNX export beside {default_encoder_path()} "
                                "(made by `make setup`: python tools/export_e5_onnx.py)")
needs_both = pytest.mark.skipif(not (HAS_ONNX and encoder_available()),
                                reason="needs the E5 folder and its ONNX export (`make setup`)")


def corpus_sentences(count: int = 24) -> list[str]:
    from nlp.ingest.sentences import split_sentences

    text = (CORPUS / "sodermalm_2020_tertialrapport-1.txt").read_text(encoding="utf-8")
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        for sentence in split_sentences(" ".join(paragraph.split())):
            if len(sentence.text) >= 40 and sentence.text not in out:
                out.append(sentence.text)
    return out[:: max(1, len(out) // count)][:count]


def test_backend_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAPPORT_ENCODER_BACKEND", raising=False)
    assert encoder_backend() == "auto"  # the int8 graph where its export is up to date
    for value in ("onnx", "TORCH", " auto "):
        monkeypatch.setenv("RAPPORT_ENCODER_BACKEND", value)
        assert encoder_backend() == value.strip().lower()
    monkeypatch.setenv("RAPPORT_ENCODER_BACKEND", "tensorflow")
    with pytest.raises(RapportError, match="RAPPORT_ENCODER_BACKEND"):
        encoder_backend()


def test_backend_choice_follows_the_onnx_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_ENCODER_BACKEND", "auto")
    source = tmp_path / "e5"
    source.mkdir()
    (source / "modules.json").write_text("[]")
    (source / "build_info.json").write_text(json.dumps({"model_sha256": "a"}))
    assert resolve_backend(source) == ("torch", str(source))  # no export: torch
    with pytest.raises(RapportError, match="no up-to-date ONNX export"):
        resolve_backend(source, "onnx")
    export = tmp_path / ("e5" + ONNX_SUFFIX)
    export.mkdir()
    (export / "tokenizer.json").write_text("{}")
    (export / "encoder_config.json").write_text(json.dumps({"source_build": {"model_sha256": "a"}}))
    assert resolve_backend(source) == ("onnx", str(export))
    assert resolve_backend(source, "onnx") == ("onnx", str(export))
    assert resolve_backend(source, "torch") == ("torch", str(source))
    monkeypatch.setenv("RAPPORT_ENCODER_BACKEND", "torch")
    assert resolve_backend(source) == ("torch", str(source))
    monkeypatch.delenv("RAPPORT_ENCODER_BACKEND")
    assert resolve_backend(source) == ("onnx", str(export))  # the default: auto
    monkeypatch.setenv("RAPPORT_ENCODER_BACKEND", "auto")
    (source / "build_info.json").write_text(json.dumps({"model_sha256": "b"}))  # the source was rebuilt
    assert resolve_backend(source) == ("torch", str(source))
    assert resolve_backend("intfloat/multilingual-e5-base") == ("torch", "intfloat/multilingual-e5-base")


@needs_onnx
def test_onnx_encoder_shape_normalised_and_prompts() -> None:
    from nlp.encoders.onnx_encoder import OnnxEncoder

    encoder = load_encoder(backend="onnx")
    assert isinstance(encoder, OnnxEncoder)
    texts = corpus_sentences(6) + ["x " * 2000]  # the last one is truncated to max_seq_length
    vectors = encoder.encode(texts, batch_size=4, prompt_name="passage", normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)
    assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # dynamic int8 quantises activations per batch, so a text's vector depends a little on
    # the texts batched with it (cosine 0.998 mean, 0.996 min between batch 1 and batch 32)
    alone = encoder.encode(texts[2:3], batch_size=1, prompt_name="passage")
    assert float(alone[0] @ vectors[2]) >= 0.99
    assert encoder.encode(texts[0], prompt_name="passage").shape == (384,)
    query = encoder.encode(texts[:1], prompt_name="query")
    assert float(query[0] @ vectors[0]) < 0.9999  # the prompt is part of the input
    with pytest.raises(ValueError):
        encoder.encode(texts[:1], prompt_name="no-such-prompt")


@needs_both
def test_onnx_encoder_matches_torch_on_corpus_sentences() -> None:
    texts = corpus_sentences(24)
    assert len(texts) >= 20
    onnx = load_encoder(backend="onnx")
    torch_model = load_encoder(backend="torch")
    for prompt in ("passage", "query"):
        kwargs = dict(batch_size=8, prompt_name=prompt, normalize_embeddings=True, convert_to_numpy=True,
                      show_progress_bar=False)
        cosines = np.sum(onnx.encode(texts, **kwargs) * torch_model.encode(texts, **kwargs), axis=1)
        assert cosines.mean() >= 0.99 and cosines.min() >= 0.98, (prompt, cosines.mean(), cosines.min())
        if onnx.config.get("format") == "onnx-int8-dynamic-mixed":  # the default export (exporter 3)
            # three feed-forward outputs in float: 0.9986 mean, 0.9975 min on 480 corpus sentences
            assert cosines.mean() >= 0.997 and cosines.min() >= 0.995, (prompt, cosines.mean(), cosines.min())


@needs_onnx
def test_onnx_encoder_returns_vectors_in_input_order() -> None:
    """Texts are batched by token count, longest first; the rows come back in input order."""
    encoder = load_encoder(backend="onnx")
    texts = corpus_sentences(12) + ["Kort.", "Budget i balans."]  # of very different lengths
    kwargs = dict(prompt_name="passage", normalize_embeddings=True)
    whole = encoder.encode(texts, batch_size=len(texts), **kwargs)  # one batch: the order cannot matter
    order = np.random.default_rng(19).permutation(len(texts))
    shuffled = encoder.encode([texts[i] for i in order], batch_size=len(texts), **kwargs)
    assert np.allclose(shuffled, whole[order], atol=1e-5)
    small = encoder.encode(texts, batch_size=3, **kwargs)  # five batches of like lengths
    similarity = small @ whole.T
    assert list(similarity.argmax(axis=1)) == list(range(len(texts)))
    assert float(np.diag(similarity).min()) >= 0.99
    assert encoder.encode([], **kwargs).shape == (0, 384)


def test_float_layers_are_found_by_name(tmp_path: Path) -> None:
    """The export keeps named feed-forward MatMuls in float, and stops if the names changed."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from tools.export_e5_onnx import ffn_output_nodes

    names = ["/bert/encoder/layer.0/output/dense/MatMul", "/bert/encoder/layer.0/attention/output/dense/MatMul",
             "/bert/encoder/layer.10/output/dense/MatMul"]
    nodes = [helper.make_node("MatMul", ["x", "w"], [f"y{i}"], name=name) for i, name in enumerate(names)]
    value = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [2, 2])  # noqa: E731
    graph = helper.make_graph(nodes, "g", [value("x"), value("w")], [value(f"y{i}") for i in range(len(names))])
    path = tmp_path / "tiny.onnx"
    onnx.save_model(helper.make_model(graph), str(path))
    assert ffn_output_nodes(path, (0, 10)) == [names[0], names[2]]  # not the attention output, not layer 1
    with pytest.raises(SystemExit, match="layer 1"):
        ffn_output_nodes(path, (1,))


@needs_onnx
def test_default_export_keeps_its_float_layers() -> None:
    """The exported graph is what its config says: int8, but the listed layers' feed-forward
    output MatMuls still float MatMuls."""
    onnx = pytest.importorskip("onnx")
    folder = onnx_folder()
    config = json.loads((folder / "encoder_config.json").read_text())
    if config.get("format") != "onnx-int8-dynamic-mixed":
        pytest.skip(f"the export is {config.get('format')}, not the default of exporter 3 (make setup)")
    layers = config["quantisation"]["float_ffn_output_layers"]
    assert layers == [0, 4, 5]
    graph = onnx.load(str(folder / config["file"]), load_external_data=False).graph
    float_ffn = {n.name for n in graph.node if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul")
                 and "/attention/" not in n.name}
    assert float_ffn == {f"/bert/encoder/layer.{i}/output/dense/MatMul" for i in layers}
    assert sum(n.op_type == "MatMulInteger" for n in graph.node) >= 60  # the rest is int8


@needs_onnx
def test_onnx_backend_does_not_import_torch() -> None:
    code = ("import sys; from nlp.encoders import load_encoder; e = load_encoder(); "
            "v = e.encode(['Förskolan arbetar med språk.'], prompt_name='passage'); "
            "print(type(e).__name__, v.shape, 'torch' in sys.modules, 'transformers' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "RAPPORT_ENCODER_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**env, "PYTHONPATH": str(ROOT), "RAPPORT_ENCODER_BACKEND": "onnx"})
    assert out.stdout.split() == ["OnnxEncoder", "(1,", "384)", "False", "False"], out.stderr


@needs_onnx
def test_stale_export_falls_back_to_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAPPORT_ENCODER_BACKEND", raising=False)  # the default, whatever the shell says
    source = tmp_path / "e5"
    source.mkdir()
    shutil.copy2(default_encoder_path() / "modules.json", source / "modules.json")
    (source / "build_info.json").write_text(json.dumps({"model_sha256": "another build"}))
    export = tmp_path / ("e5" + ONNX_SUFFIX)
    shutil.copytree(onnx_folder(), export, ignore=shutil.ignore_patterns("model.onnx", "tokenizer.json"))
    (export / "tokenizer.json").write_text("{}")
    assert onnx_folder(source) is None and resolve_backend(source)[0] == "torch"


@needs_onnx
def test_passes_side_by_side_give_the_vectors_of_one_at_a_time() -> None:
    """Passes run on several threads (one ONNX Runtime thread each); the passes, and so
    the vectors, are the same whatever the number of threads, and rows keep their order."""
    import numpy as np

    from nlp.encoders.onnx_encoder import RUN_BATCH, OnnxEncoder

    texts = corpus_sentences(3 * RUN_BATCH + 5)
    folder = onnx_folder()
    one = OnnxEncoder(folder, threads=1).encode(texts, batch_size=32, prompt_name="passage")
    encoder = OnnxEncoder(folder, threads=2)
    two = encoder.encode(texts, batch_size=32, prompt_name="passage")
    assert encoder._executor is not None  # the passes did run side by side
    assert np.array_equal(one, two)
    alone = encoder.encode([texts[7]], prompt_name="passage")  # a text in a pass of its own
    assert float(alone[0] @ two[7]) > 0.99
