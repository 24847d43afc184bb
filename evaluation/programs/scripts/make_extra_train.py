"""Write corpora/training/programs/extra_train.jsonl: 100 more corpus passages annotated by hand (train split only).

The passages are all corpus passages outside gold.jsonl that carry a strong cue
(quotes, a cue noun, a title head, a compound head or an acronym definition), annotated
by one annotator following GUIDELINE.md. Annotations are kept here as (id → mentions)
so offsets are computed, not typed.

    .venv/bin/python -m evaluation.programs.scripts.make_extra_train /path/to/corpus_all_passages.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evaluation.programs import CORPUS_TRAIN, GOLD, TRAINING

NI = "norra-innerstaden_2025_tertialrapport-1#"
SO = "sodermalm_2020_tertialrapport-1#"
MIL = "Stockholms stads miljöprogram"
STJ = "Stjärnmärkt"
PLATS = ("platssamverkan", "Platssamverkan", "method")
GNVO = ("god och nära vård och omsorg", "God och nära vård och omsorg", "initiative")
# id -> [(text as written, canonical, kind)]; repeated texts are found in order
ANNOTATIONS: dict[str, list[tuple[str, str, str]]] = {
    NI + "560": [("miljöprogrammet", MIL, "program")],
    NI + "369": [("Stjärnmärkta", STJ, "model"), ("Silvia-certifiering", "Silviacertifiering", "program"),
                 ("stjärnmärkning", STJ, "model")],
    SO + "73": [PLATS],
    SO + "151": [("ABC", "Alla barn i centrum", "program")],
    SO + "426": [("Stockholms stads miljöprogram", MIL, "program")],
    SO + "189": [("Agenda 2030", "Agenda 2030", "plan")],
    NI + "372": [("Livsstil för hjärnhälsa", "Livsstil för hjärnhälsa", "method")],
    SO + "15": [("miljöprogrammet 2020-2023", MIL, "program"),
                ("Klimathandlingsplan 2020-2023", "Klimathandlingsplan 2020-2023", "plan")],
    SO + "415": [("miljöprogrammet 2020-2023", MIL, "program"),
                 ("Klimathandlingsplan 2020-2023", "Klimathandlingsplan 2020-2023", "plan")],
    NI + "239": [("Reagera-S", "Reagera-S", "method")],
    NI + "829": [PLATS],
    SO + "501": [("Stockholms stads personalpolicy", "Stockholms stads personalpolicy", "strategy")],
    NI + "1122": [("Introduktionsprogram för nya chefer", "Introduktionsprogram för nya chefer", "program")],
    SO + "375": [("resepolicy", "Stockholms stads resepolicy", "strategy")],
    NI + "1092": [("Platssamverkan", "Platssamverkan", "method")],
    SO + "288": [("Tryggt mottagande i hemmet", "Tryggt mottagande i hemmet", "model")],
    NI + "575": [("kostprogram", "Stockholms stads kostprogram", "program")],
    SO + "254": [("Tryggt mottagande", "Tryggt mottagande i hemmet", "model")] * 3,
    NI + "805": [("Bostad först", "Bostad först", "method")],
    NI + "1033": [PLATS, PLATS],
    NI + "344": [("Islandsmodellen", "Islandsmodellen", "model")],
    NI + "873": [("Full range leadership model", "Full range leadership model", "model"),
                 ("personalpolicy", "Stockholms stads personalpolicy", "strategy"),
                 ("kvalitetsprogrammet", "Stockholms stads program för kvalitetsutveckling", "program")],
    NI + "713": [("pm3", "pm3", "model")],
    NI + "241": [("Islandsmodellen", "Islandsmodellen", "model")],
    SO + "379": [("Rese- och mötespolicy", "Stockholms stads rese- och mötespolicy", "strategy")],
    SO + "212": [("BRA-samtal (barns rätt som anhöriga)", "BRA-samtal", "method")],
    NI + "373": [GNVO],
    NI + "1070": [PLATS],
    NI + "807": [("Nollvision - inga äldre ska leva i hemlöshet i Stockholms stad", "Nollvision för äldre i hemlöshet",
                  "strategy")],
    NI + "785": [GNVO],
}
# read and judged, no program in them
NONE = """NI684 SO684 SO193 NI315 NI58 NI329 NI25 NI1030 SO6 NI349 NI832 NI795 SO115 NI809 NI70 NI847 NI710 NI220
NI488 NI256 NI1088 NI786 NI1015 SO620 NI1008 NI427 NI310 NI1028 NI466 NI226 NI1039 NI137 NI960 NI1014 SO420 NI742
NI678 NI1111 NI1149 SO118 NI788 NI643 SO13 NI305 SO575 NI688 NI264 NI152 SO391 SO547 SO616 SO38 NI415 NI1206 NI884
NI1137 NI459 NI176 NI874 NI936 NI221 NI147 NI174 SO7 NI224 NI1117 NI188 NI173 SO192 NI839 NI306""".split()


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/prompts/corpus_all_passages.jsonl")
    passages = {r["id"]: r for r in map(json.loads, source.read_text(encoding="utf-8").splitlines())}
    gold_ids = {json.loads(line)["id"] for path in (GOLD, CORPUS_TRAIN)  # the corpus gold set, both splits
                for line in path.read_text(encoding="utf-8").splitlines()}
    ids = list(ANNOTATIONS) + [(NI if t.startswith("NI") else SO) + t[2:] for t in NONE]
    out = []
    for pid in ids:
        if pid not in passages or pid in gold_ids:
            continue  # NI684 does not exist (only Södermalm has #684); gold ids are never reused
        p = passages[pid]
        mentions, cursor = [], {}
        for text, canonical, kind in ANNOTATIONS.get(pid, []):
            start = p["text"].find(text, cursor.get(text, 0))
            if start < 0:
                sys.exit(f"{pid}: {text!r} not found")
            cursor[text] = start + len(text)
            mentions.append({"text": text, "start": start, "end": start + len(text), "canonical": canonical, "kind": kind})
        out.append({"id": pid, "doc": p["doc"], "district": p["district"], "year": p["year"], "text": p["text"],
                    "section": p["section"], "programs": sorted(mentions, key=lambda m: m["start"]), "split": "train"})
    with (TRAINING / "extra_train.jsonl").open("w", encoding="utf-8") as handle:
        for record in out:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(out)} passages, {sum(len(r['programs']) for r in out)} mentions → extra_train.jsonl")


if __name__ == "__main__":
    main()
