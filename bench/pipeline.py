"""Dataset pipeline vs a naive Natasha NER pass, side by side, plus scaling.

    .venv/bin/python bench/pipeline.py [SRC ...] [--scale 1,2,4]

For each source: make_datasets.sh (all stages) and the baseline (Segmenter +
NewsNERTagger over every paragraph, one Doc each) in fresh processes; wall
time, their ratio, peak RSS and time per stage. --scale repeats the text
k times to check that time grows linearly and memory stays flat.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")

BASELINE = r"""
import sys, time
from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter
sys.path.insert(0, sys.argv[2])
from dataset_tools.textio import iter_texts
t = time.perf_counter()
seg, ner = Segmenter(), NewsNERTagger(NewsEmbedding())
n = 0
for _, pars in iter_texts(sys.argv[1]):
    for p in pars:
        d = Doc(p); d.segment(seg); d.tag_ner(ner); n += len(d.spans)
print(n, time.perf_counter() - t)
"""


def run(cmd, env=None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the child tree, stdout."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run(cmd, env=dict(os.environ, TIME_KIT_PROGRESS="0", **(env or {})),
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - t0, max(peak, before) / 1024, r.stdout


def bench_one(src: Path) -> dict:
    size = sum(f.stat().st_size for f in (src.iterdir() if src.is_dir() else [src]) if f.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        # Peak RSS is per process tree: run each in its own python to keep them apart.
        wrap = [PY, "-c", "import resource,subprocess,sys; subprocess.run(sys.argv[1:], check=True); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"]
        t_pipe, _, out = run(wrap + ["bash", str(ROOT / "make_datasets.sh"), "--src-file", str(src),
                                      "--out-dir", tmp, "--dict-dir", tmp])
        rss_pipe = int(out.strip().splitlines()[-1]) / 1024
        stages = {}
        for s in ("prepare", "dialogs", "names", "speakers", "time", "assemble"):
            stages[s] = json.loads((Path(tmp) / f"stats_{s}.json").read_text())["seconds"]
        t_base, _, out = run(wrap + [PY, "-c", BASELINE, str(src), str(ROOT)])
        lines = out.strip().splitlines()
        rss_base = int(lines[-1]) / 1024
    return {"src": str(src), "mb": size / 1e6, "pipeline_s": t_pipe, "baseline_s": t_base,
            "ratio": t_pipe / t_base, "rss_pipeline_mb": rss_pipe, "rss_baseline_mb": rss_base, "stages": stages}


def scaled(src: Path, k: int, tmp: Path) -> Path:
    from dataset_tools.textio import iter_texts

    out = tmp / f"x{k}.txt"
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(k):
            for _, pars in iter_texts(src):
                f.write("\n".join(pars) + "\n\n")
    return out


def main(argv):
    sys.path.insert(0, str(ROOT))
    scale = None
    if "--scale" in argv:
        i = argv.index("--scale")
        scale = [int(x) for x in argv[i + 1].split(",")]
        argv = argv[:i] + argv[i + 2:]
    sources = [Path(a) for a in argv] or [ROOT / "data" / "sample" / "raw.txt"]
    print(f"cores: {os.cpu_count()}")
    print("| text | MB | pipeline s | NER-only s | ratio | peak RSS pipeline / NER-only MB | "
          "prepare | dialogs | names | speakers | time | assemble |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for src in sources:
            runs = [(f"{src.name} ×{k}", scaled(src, k, Path(tmp))) for k in scale] if scale else [(src.name, src)]
            for name, path in runs:
                r = bench_one(path)
                rows.append(r)
                st = r["stages"]
                print(f"| {name} | {r['mb']:.1f} | {r['pipeline_s']:.1f} | {r['baseline_s']:.1f} | "
                      f"{r['ratio']:.2f} | {r['rss_pipeline_mb']:.0f} / {r['rss_baseline_mb']:.0f} | "
                      + " | ".join(f"{st[s]:.1f}" for s in ("prepare", "dialogs", "names", "speakers", "time", "assemble"))
                      + " |", flush=True)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
