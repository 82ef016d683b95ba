#!/usr/bin/env bash
# Side-by-side speed comparison of Cinder and llama.cpp (through LLamaSharp) on the same GGUF files and
# thread counts, alternating run by run; prints the ratio of medians per model and test (a Markdown table).
#
#   bench/compare.sh [MODELS_DIR]         (default: ${CINDER_BENCH_MODELS:-/tmp/cinder-bench-models})
#   ROUNDS=5 THREADS=1,2 PROMPTS=128,512 GENS=32 bench/compare.sh
#
# The models are random-weight LLaMAs at real shapes written by `cinder synth` (nothing can be downloaded
# here); they are created on first use and reused afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-${CINDER_BENCH_MODELS:-/tmp/cinder-bench-models}}
vocab=../shared/vocab/ggml-vocab-llama-spm.gguf
mkdir -p "$dir"
for project in src/Cinder.Cli bench/Cinder.Bench.Compare; do dotnet build -c Release "$project" >/dev/null || { echo "error: building $project failed" >&2; exit 1; }; done
cinder="dotnet src/Cinder.Cli/bin/Release/net10.0/cinder.dll"
models=()
for spec in tinyllama:q8_0 tinyllama:q4_0 tinyllama:q4_k_m llama160m:f16 llama160m:bf16; do
  shape=${spec%%:*} type=${spec##*:}
  path="$dir/$shape-$type.gguf"
  [ -f "$path" ] || $cinder synth --shape "$shape" --type "$type" --vocab "$vocab" -o "$path" >&2
  models+=(-m "$path")
done
dotnet bench/Cinder.Bench.Compare/bin/Release/net10.0/Cinder.Bench.Compare.dll "${models[@]}" \
  -t "${THREADS:-1,2}" -p "${PROMPTS:-128,512}" -n "${GENS:-32}" -r "${ROUNDS:-5}"
