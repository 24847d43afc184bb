"""Evaluation task: program extraction (see MANIFEST.md).

Where its files are, for every script here: the gold sets and annotation rounds under
``evaluation/programs/data/``; the files the classifier is trained on under
``corpora/training/programs/`` (``nlp.defaults.TRAINING_DATA / "programs"``), among them
the corpus gold set's train split (``CORPUS_TRAIN``; its test split is ``GOLD``).
"""

from evaluation.paths import TRAINING_DATA, data, results

DATA = data("programs")
GOLD = DATA / "gold.jsonl"  # the corpus gold set's test split (scored once; never trained or tuned on)
ROUND1 = DATA / "round1_corpus"  # the corpus gold's sample, passes A/B, adjudication, canonical names, agreement
ROUND2 = DATA / "round2_more"  # more_train.jsonl's passages and its two passes
REST = DATA / "rest"  # rest_train.jsonl's passages, passes, adjudication, agreement
WRITTEN = DATA / "written"  # written_train.jsonl's passages, writer's and reader's passes, agreement
OOS = DATA / "oos"  # the out-of-sample set (dev chooses, test scores)
TRAINING = TRAINING_DATA / "programs"  # what the classifier is trained on (see corpora/training/README.md)
CORPUS_TRAIN = TRAINING / "corpus_train.jsonl"  # the corpus gold set's train split (build_gold.py writes both)
OOS_GOLD = OOS / "gold.jsonl"
RESULTS = results("programs")
