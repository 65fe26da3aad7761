"""The MovieLens example's models side by side: test ROC AUC over seeds, mean and spread.

Runs `examples/sparrow_embedding_mlp.py --json` once per model, split, movie statistics and
seed (each in its own process, so each starts from the same state), appends each result line
to a JSON-lines file (runs already there are skipped, so an interrupted grid resumes), then
prints the table of `docs/movielens.md`:

    python benchmarks/movielens_models.py --out runs/models.jsonl
    python benchmarks/movielens_models.py --out runs/models.jsonl --models wide_deep dcn

The seed draws the random split and the weights, so every model sees the same rows for a
seed. Each run reads MovieLens as the example does ($DEEPCROSS_DATA_DIR, ...).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "sparrow_embedding_mlp.py"
MODELS = ["embedding_mlp", "deep_crossing", "wide_deep", "dcn", "dcn_parallel"]
NAMES = {
    "embedding_mlp": "EmbeddingMLP",
    "deep_crossing": "DeepCrossing",
    "wide_deep": "WideDeep",
    "dcn": "DCN (stacked)",
    "dcn_parallel": "DCN (parallel)",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="JSON-lines file of results (appended)")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[42, 1, 2])
    parser.add_argument("--splits", nargs="+", default=["random", "time"])
    parser.add_argument("--movie-stats", nargs="+", default=["past", "all"])
    parser.add_argument("--table-only", action="store_true", help="print the table, run nothing")
    return parser.parse_args(argv)


def key(row):
    return row["model"], row["split"], row["movie_stats"], row["seed"]


def run_grid(args, out):
    done = {key(row) for row in read(out)}
    for seed in args.seeds:
        for movie_stats in args.movie_stats:
            for split in args.splits:
                for model in args.models:
                    if (model, split, movie_stats, seed) in done:
                        continue
                    command = [
                        sys.executable, str(EXAMPLE), "--json", "--model", model,
                        "--split", split, "--movie-stats", movie_stats, "--seed", str(seed),
                        "--out", str(out.parent / "runs" / f"{model}-{split}-{movie_stats}-{seed}"),
                    ]  # fmt: skip
                    result = subprocess.run(command, capture_output=True, text=True, env=os.environ)
                    if result.returncode:
                        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
                    row = json.loads(result.stdout.strip().splitlines()[-1]) | {"seed": seed}
                    with out.open("a") as file:
                        file.write(json.dumps(row) + "\n")
                    print(f"{model} {split} {movie_stats} seed {seed}: ROC AUC {row['roc_auc']}")


def read(out):
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def table(rows, models):
    import pandas as pd

    frame = pd.DataFrame(rows)
    lines = [
        "| movie stats | split | model | ROC AUC (mean ± sd) | accuracy | PR AUC | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    for (stats, split, model), group in frame.groupby(
        ["movie_stats", "split", "model"], sort=False
    ):
        if model not in models:
            continue
        auc = group["roc_auc"]
        lines.append(
            f"| `{stats}` | {split} | {NAMES[model]} | {auc.mean():.4f} ± {auc.std(ddof=1):.4f} "
            f"| {group['accuracy'].mean():.4f} | {group['pr_auc'].mean():.4f} | {len(group)} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        run_grid(args, out)
    rows = sorted(read(out), key=lambda r: (r["movie_stats"] != "past", r["split"] != "random",
                                            MODELS.index(r["model"]), r["seed"]))  # fmt: skip
    print(table(rows, args.models))


if __name__ == "__main__":
    main()
