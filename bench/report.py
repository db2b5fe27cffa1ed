"""Assembling BENCHMARKS.md and its plots from the results in bench/results.

bindspace's own benchmarks leave JSON there (machine.json, encoders.json, openclip.json,
pipeline.json); the other benchmark scripts leave markdown tables, which are included as they are.
bench/results/commands.json records the command, status and load average of every step run by
`python -m bench`.

    python -m bench.report            # rebuild BENCHMARKS.md from the results present
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PLOTS = REPO / "bench" / "plots"
OUTPUT = REPO / "BENCHMARKS.md"
GIB = 1024**3

# Other benchmarks' result files, in report order: (file, section title).
EXTERNAL_RESULTS = (
    ("preprocess.md", "Preprocessing throughput (single process)"),
    ("serve.md", "HTTP serving"),
    ("serve_small.md", "HTTP serving, a model whose encoder dominates"),
    ("index.md", "Vector index"),
    ("index_rerank.md", "Exact re-ranking of IVF-PQ"),
    ("milvus.md", "Milvus Lite against FAISS"),
    ("bulk_import.md", "Bulk import, in one process and on Ray"),
    ("load.md", "Load test: 64 concurrent clients"),
    ("decode_memory.md", "Memory while large images are decoded"),
    ("checkpoint_load.md", "Checkpoint loading"),
    ("training.md", "Training the default model"),
    ("har.md", "IMU zero-shot activity recognition (UCI-HAR)"),
    ("real_data.md", "The default model on real data, through the HTTP API"),
    ("bridge_variants.md", "Image -> text bridge variants of the default model's image tower"),
    ("serve_towers.md", "HTTP serving of the default model's MiniLM text tower"),
    ("minilm_reference.md", "MiniLM text: sentence-transformers' own encode"),
)
QUIET_LOAD = 1.5  # 1-minute load average below which the machine counts as idle
ACCEPTANCE = {
    "ratio": 1.0,          # bindspace / open_clip at batch 8
    "bf16_speedup": 2.0,   # vision bf16 / float32 at batch 8
    "min_cosine": 0.999,   # bf16 against float32 on real inputs
    "roof_fraction": 0.6,  # huge vision at batch 32
}


def load_json(name: str) -> dict | None:
    path = RESULTS / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def markdown_tables(text: str) -> list[list[dict[str, str]]]:
    """Every pipe table in `text` as a list of {header: cell} rows."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].lstrip().startswith("|") and re.fullmatch(r"\s*\|[\s:|-]+\|\s*", lines[i + 1]):
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(header, cells)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def demote_headings(text: str, levels: int = 2) -> str:
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + levels) + " ", text, flags=re.MULTILINE)


def number(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


# --- plots ------------------------------------------------------------------------------------------

def pyplot():
    """matplotlib.pyplot on the file-only Agg backend (imported late: only the report draws)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(plt, figure, title: str, name: str) -> Path:
    """Title, lay out and write `figure` as bench/plots/`name`; returns the path."""
    figure.suptitle(title)
    figure.tight_layout()
    PLOTS.mkdir(parents=True, exist_ok=True)
    path = PLOTS / name
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_throughput(encoders: dict, model: str) -> Path | None:
    """Items/s against batch size, one panel per modality, one line per precision."""
    runs = [r for r in encoders["runs"] if r["model"] == model]
    if not runs:
        return None
    plt = pyplot()
    modalities = list(dict.fromkeys(r["modality"] for r in runs))
    columns = min(3, len(modalities))
    rows = -(-len(modalities) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for axis, modality in zip(axes.flat, modalities):
        for run in (r for r in runs if r["modality"] == modality):
            batches = [c["batch"] for c in run["cells"]]
            axis.plot(batches, [c["items_per_s"] for c in run["cells"]], marker="o", label=run["precision"])
        axis.set_xscale("log", base=2)
        axis.set_xticks(batches, [str(b) for b in batches])
        axis.set_title(modality)
        axis.set_xlabel("batch size")
        axis.set_ylabel("items/s")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    for axis in list(axes.flat)[len(modalities):]:
        axis.axis("off")
    return save_figure(plt, figure, f"Encoder throughput: {model} model", f"throughput_{model}.png")


def plot_serve_latency(serve_md: str) -> Path | None:
    """p50 and p99 latency against concurrent clients, batching on and off, one panel per modality."""
    tables = [t for t in markdown_tables(serve_md) if t and {"clients", "p50 ms", "batching"} <= set(t[0])]
    if not tables:
        return None
    plt = pyplot()
    rows = [r for r in tables[0] if r.get("inputs/request", "1") == "1"]
    modalities = list(dict.fromkeys(r["modality"] for r in rows))
    figure, axes = plt.subplots(1, len(modalities), figsize=(5 * len(modalities), 3.6), squeeze=False)
    for axis, modality in zip(axes.flat, modalities):
        for color, batching in zip(("tab:blue", "tab:orange"), dict.fromkeys(r["batching"] for r in rows)):
            chosen = [r for r in rows if r["modality"] == modality and r["batching"] == batching]
            clients = [int(r["clients"]) for r in chosen]
            for column, style in (("p50 ms", "-"), ("p99 ms", "--")):
                axis.plot(clients, [float(r[column]) for r in chosen], style, color=color, marker="o",
                          label=f"batching {batching}, {column.split()[0]}")
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xticks(clients, [str(c) for c in clients])
        axis.set_title(modality)
        axis.set_xlabel("concurrent clients")
        axis.set_ylabel("latency (ms)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    return save_figure(plt, figure, "Request latency under concurrency (one input per request)", "serve_latency.png")


# --- sections ---------------------------------------------------------------------------------------

def machine_section(machine: dict) -> list[str]:
    roofs = machine["matmul"]
    size = machine["matmul_size"]
    lines = ["## Machine", "",
             f"- CPU: {machine['cpu']}; {machine['physical_cores']} physical cores, {machine['logical_cpus']} "
             f"logical CPUs; flags {', '.join(machine['cpu_flags']) or 'none of note'}; torch CPU capability "
             f"{machine['torch_cpu_capability']}; native bf16: {'yes' if machine['native_bf16'] else 'no'}",
             f"- Memory: {machine['memory_bytes'] / GIB:.1f} GiB" + (f"; GPU: {machine['gpu']}" if machine["gpu"] else
                                                                      "; no GPU used"),
             f"- Torch threads: {machine['torch_threads']} intra-op, {machine['torch_interop_threads']} inter-op",
             f"- Platform: {machine['platform']}"]
    for name, rate in roofs.items():
        kernels = ", ".join(f"{kernel} {value / 1e9:.0f}" for kernel, value in rate.get("by_kernel", {}).items())
        lines.append(f"- Measured matmul roof, {name} ({size}^3, best of 10): {rate['best'] / 1e9:.0f} GFLOP/s "
                     f"(median {rate['median'] / 1e9:.0f}; by kernel: {kernels})")
    lines.append(f"- 1-minute load average when measured: {machine['load_average'][0]:.2f}")
    lines.append("- Packages: " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items()))
    return lines + [""]


def encoder_sections(encoders: dict) -> list[str]:
    lines = ["## Encoder throughput", "", f"Command: `{encoders['command']}`", "",
             "Real inputs from ../shared/data (COCO photos and captions, ESC-50 and ImageBind clips, UCI-HAR "
             "windows; photos stand in for depth and thermal maps). Each (model, modality, precision) runs in "
             "its own process; time is the median of timed calls after a warm-up call. GFLOP/item counts "
             "the matrix multiplies (patch stem, q/k/v and output projections, QK^T and softmax(QK^T)V, MLP, "
             "head) from the config; \"of roof\" divides the achieved rate by the measured matmul roof of the "
             "precision. Peak RSS is the process's resident memory during the cell, weights of that one "
             "encoder included.", ""]
    for name, text in encoders["models"].items():
        lines.append(f"- `{name}`: {text}")
    lines.append("")
    for model in encoders["models"]:
        runs = [r for r in encoders["runs"] if r["model"] == model]
        if not runs:
            continue
        batches = [c["batch"] for c in runs[0]["cells"]]
        lines += [f"### {model}", "",
                  "| modality | precision | " + " | ".join(f"items/s @{b}" for b in batches)
                  + f" | GFLOP/item | GFLOP/s @{batches[-1]} | of roof @{batches[-1]} | peak RSS GiB @{batches[-1]} |",
                  "| --- | --- | " + " | ".join("---:" for _ in batches) + " | ---: | ---: | ---: | ---: |"]
        for run in runs:
            last = run["cells"][-1]
            fraction = last.get("fraction_of_roof")
            lines.append(
                f"| {run['modality']} | {run['precision']} | "
                + " | ".join(number(c["items_per_s"]) for c in run["cells"])
                + f" | {last['flops_per_item'] / 1e9:.2f} | {last['flops_per_s'] / 1e9:.1f} "
                f"| {'-' if fraction is None else f'{fraction:.0%}'} | {last['peak_rss'] / GIB:.2f} |")
        plot = plot_throughput(encoders, model)
        if plot:
            lines += ["", f"![{model} throughput]({plot.relative_to(REPO)})"]
        lines.append("")
    if encoders["accuracy"]:
        lines += ["### bfloat16 against float32", "",
                  "Cosine between the bf16 and float32 outputs of the same real inputs (the `auto` precision "
                  "uses bf16 for a modality only where the minimum stays >= 0.999).", "",
                  "| model | modality | precision | inputs | min cosine | mean cosine |",
                  "| --- | --- | --- | ---: | ---: | ---: |"]
        for row in encoders["accuracy"]:
            lines.append(f"| {row['model']} | {row['modality']} | {row['precision']} | {row['items']} "
                         f"| {row['min_cosine']:.6f} | {row['mean_cosine']:.6f} |")
        lines.append("")
    return lines


def openclip_section(openclip: dict) -> list[str]:
    lines = ["## Against open_clip", "", f"Command: `{openclip['command']}`", "",
             "Same weights on both sides (open_clip's model mapped into bindspace's layout with "
             "models/openclip.py, storage shared), same real inputs, timed calls alternating. bf16: bindspace's "
             "`Encoder(precision=\"bfloat16\")` against open_clip under `torch.autocast` and open_clip converted "
             "to bf16; the ratio is against the faster of the two. bindspace's text encoder stops at the last "
             "end token of the batch (the causal mask makes later positions irrelevant), open_clip runs all 77.",
             ""]
    for size, text in openclip["models"].items():
        lines.append(f"- `{size}`: {text}")
    return lines + [""] + openclip_table(openclip["rows"]) + [""]


def openclip_table(rows: list[dict]) -> list[str]:
    """The markdown table of `bench.openclip_compare` rows."""
    lines = ["| size | modality | precision | batch | bindspace items/s | open_clip items/s | ratio | min cosine |",
             "| --- | --- | --- | ---: | ---: | --- | ---: | ---: |"]
    for row in rows:
        rates = row["items_per_s"]
        theirs = "; ".join(f"{n.removeprefix('open_clip').strip() or 'eager'} {r:.2f}"
                           for n, r in rates.items() if n != "bindspace")
        lines.append(f"| {row['size']} | {row['modality']} | {row['precision']} | {row['batch']} "
                     f"| {rates['bindspace']:.2f} | {theirs} | {row['ratio']:.2f}x "
                     f"| {min(row['cosine'].values()):.6f} |")
    return lines


def compile_section(compiled: dict, encoders: dict | None) -> list[str]:
    """torch.compile against the eager encoders of the same model, precision and batch."""
    eager = {(r["model"], r["modality"], r["precision"], c["batch"]): c["items_per_s"]
             for r in (encoders or {}).get("runs", []) for c in r["cells"]}
    lines = ["## torch.compile", "", f"Command: `{compiled['command']}` (inductor with weight freezing; the "
             "first call of each shape, which compiles, is not timed)", "",
             "| model | modality | precision | batch | compiled items/s | eager items/s | compiled / eager |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for run in compiled["runs"]:
        for cell in run["cells"]:
            key = (run["model"], run["modality"], run["precision"], cell["batch"])
            base = eager.get(key)
            lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {cell['items_per_s']:.2f} | "
                         + (f"{base:.2f} | {cell['items_per_s'] / base:.2f}x |" if base else "- | - |"))
    return lines + [""]


def pipeline_section(pipeline: dict) -> list[str]:
    lines = ["## Does preprocessing keep up?", "", f"Command: `{pipeline['command']}`", "",
             f"Model: {pipeline['model']}. Preprocessing: files/s on the service's preprocessing thread pool over "
             "real files held as bytes (workers 0: in the calling thread, as the service does for text); "
             "encoder: items/s at the service's batch size and precision; pipeline: both together through `Encoder.encode_stream` (they share the CPU).", "",
             "| modality | workers | preprocess files/s | batch | precision | encoder items/s | pipeline items/s "
             "| keeps up |", "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
    for r in pipeline["rows"]:
        lines.append(f"| {r['modality']} | {r['workers']} | {r['preprocess_per_s']:.1f} | {r['batch']} "
                     f"| {r['precision']} "
                     f"| {r['encoder_per_s']:.1f} | {r['pipeline_per_s']:.1f} | {'yes' if r['keeps_up'] else 'no'} |")
    return lines + [""]


def with_huge_vision(encoders: dict | None, huge: dict | None) -> dict | None:
    """The encoder results, completed by the quick mode's separate huge-vision run when they have no huge model."""
    if not huge:
        return encoders
    if not encoders:
        return huge
    if any(r["model"] == "huge" for r in encoders["runs"]):
        return encoders
    return {**encoders, "command": f"{encoders['command']}` and `{huge['command']}",
            "models": {**encoders["models"], **huge["models"]}, "runs": encoders["runs"] + huge["runs"],
            "accuracy": encoders["accuracy"] + huge["accuracy"]}


def acceptance(encoders: dict | None, openclip: dict | None, pipeline: dict | None
               ) -> list[tuple[str, str, bool]]:
    """(target, what was measured, met) for each performance target that the results cover."""
    checks: list[tuple[str, str, bool]] = []
    if openclip:
        for row in openclip["rows"]:
            if row["batch"] == 8:
                checks.append((f"{row['size']} {row['modality']} {row['precision']} batch 8 >= open_clip",
                               f"{row['ratio']:.2f}x ({row['versus']})", row["ratio"] >= ACCEPTANCE["ratio"]))
    if encoders:
        cells = {(r["model"], r["modality"], r["precision"]): {c["batch"]: c for c in r["cells"]}
                 for r in encoders["runs"]}
        cosines = {(a["model"], a["modality"], a["precision"]): a["min_cosine"] for a in encoders["accuracy"]}
        for model in encoders["models"]:
            fp32, bf16 = cells.get((model, "vision", "float32"), {}), cells.get((model, "vision", "bfloat16"), {})
            if 8 in fp32 and 8 in bf16:
                speedup = bf16[8]["items_per_s"] / fp32[8]["items_per_s"]
                cosine = cosines.get((model, "vision", "bfloat16"))
                met = speedup >= ACCEPTANCE["bf16_speedup"] and cosine is not None \
                    and cosine >= ACCEPTANCE["min_cosine"]
                checks.append((f"{model} vision bf16 >= 2x float32 at batch 8, cosine >= 0.999",
                               f"{speedup:.2f}x, min cosine {cosine:.6f}" if cosine is not None else f"{speedup:.2f}x",
                               met))
        for (model, modality, precision), cosine in cosines.items():
            checks.append((f"{model} {modality} {precision} cosine >= 0.999 to float32", f"{cosine:.6f}",
                           cosine >= ACCEPTANCE["min_cosine"]))
        for precision in ("bfloat16", "float32"):
            cell = cells.get(("huge", "vision", precision), {}).get(32)
            if cell and cell.get("fraction_of_roof") is not None:
                checks.append((f"huge vision {precision} batch 32 >= 60% of the {precision} matmul roof",
                               f"{cell['fraction_of_roof']:.0%} ({cell['flops_per_s'] / 1e9:.0f} GFLOP/s)",
                               cell["fraction_of_roof"] >= ACCEPTANCE["roof_fraction"]))
    if pipeline:
        for r in pipeline["rows"]:
            checks.append((f"{r['kind']} preprocessing faster than the {r['modality']} encoder",
                           f"{r['preprocess_per_s']:.1f} files/s vs {r['encoder_per_s']:.1f} items/s", r["keeps_up"]))
    return checks


def build() -> Path:
    """Write BENCHMARKS.md (and the plots) from whatever results are in bench/results."""
    commands = load_json("commands.json") or {}
    machine = load_json("machine.json")
    encoders = with_huge_vision(load_json("encoders.json"), load_json("encoders_huge.json"))
    openclip, pipeline = load_json("openclip.json"), load_json("pipeline.json")
    run = commands.get("_run", {})
    lines = ["# Benchmarks", "",
             "Generated by `python -m bench` (bench/__main__.py); every number below comes from the command "
             "shown with it. Regenerate with `python -m bench` (about an hour on 2 cores; `--quick` for a short "
             "variant, `--reuse` to keep the other benchmarks' existing results).", ""]
    if run:
        lines += [f"Last run: `{run['command']}` ({run['mode']}), {run['started']} to {run['finished']}.", ""]
    loads = [step["load_before"] for name, step in commands.items()
             if not name.startswith("_") and "load_before" in step]
    if loads and max(loads) >= QUIET_LOAD:
        lines += [f"**The machine was shared while these numbers were taken** (1-minute load average up to "
                  f"{max(loads):.1f} on {machine['logical_cpus'] if machine else '?'} CPUs, see Steps): other "
                  "processes competed for the cores, so rates are lower and noisier than on an idle machine.", ""]
    checks = acceptance(encoders, openclip, pipeline)
    if checks:
        lines += ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
        lines += [f"| {target} | {value} | {'yes' if met else 'no'} |" for target, value, met in checks]
        lines.append("")
    if machine:
        lines += machine_section(machine)
    if commands:
        lines += ["## Steps", "", "| step | command | status | seconds | load before / after |",
                  "| --- | --- | --- | ---: | --- |"]
        for name, step in commands.items():
            if name.startswith("_"):
                continue
            load = step.get("load_before"), step.get("load_after")
            lines.append(f"| {name} | `{step['command']}` | {step['status']} | {step.get('seconds', 0):.0f} | "
                         + (f"{load[0]:.2f} / {load[1]:.2f}" if None not in load else "-") + " |")
        lines.append("")
    if encoders:
        lines += encoder_sections(encoders)
    if openclip:
        lines += openclip_section(openclip)
    compiled = load_json("encoders_compiled.json")
    if compiled:
        lines += compile_section(compiled, encoders)
    if pipeline:
        lines += pipeline_section(pipeline)
    for name, title in EXTERNAL_RESULTS:
        path = RESULTS / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8").strip()
        body = re.sub(r"\A# [^\n]*\n", "", text).strip()
        lines += [f"## {title}", "", f"From `bench/results/{name}`.", "", demote_headings(body, 1), ""]
        if name == "serve.md":
            plot = plot_serve_latency(text)
            if plot:
                lines += [f"![serving latency]({plot.relative_to(REPO)})", ""]
    lines += scaling_section()
    OUTPUT.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return OUTPUT


def scaling_section() -> list[str]:
    """docs/scaling.md's scaling model, which reads the measurements above."""
    text = (REPO / "docs" / "scaling.md").read_text(encoding="utf-8")
    match = re.search(r"^## (Scaling model[^\n]*)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if match is None:
        return []
    return [f"## {match[1]}", "", "From `docs/scaling.md`.", "", match[2].strip(), ""]


def main() -> None:
    print(build())


if __name__ == "__main__":
    main()
