#!/usr/bin/env bash
# Trains the SentencePiece models that stand in for vocabularies npm does not ship (Mistral's 32000, Yi's 64000),
# with Debian's spm_train (package sentencepiece) on the GovReport texts of ../shared/data/govreport. The outputs
# are committed (scripts/replicas/standins/*.model), so building the replicas needs no spm_train; re-run this only
# to change them. Llama-2 / Mistral configuration: BPE, byte fallback, split digits, the dummy prefix, no
# normalization, whitespace kept. Yi: the same without the dummy prefix, with <|startoftext|> / <|endoftext|>.
# Training is single-threaded and deterministic for a given input and spm_train version (0.1.97 here).
set -euo pipefail
cd "$(dirname "$0")"
src=${GOVREPORT:-../../../shared/data/govreport/govreport_public_125.jsonl}
[ -f "$src" ] || { echo "GovReport texts not found at $src (set GOVREPORT=FILE.jsonl)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    print(json.loads(l)["text"].replace("\r", ""))' "$src" > "$tmp/corpus.txt"
common=(--input="$tmp/corpus.txt" --model_type=bpe --byte_fallback=true --split_digits=true
        --remove_extra_whitespaces=false --normalization_rule_name=identity --allow_whitespace_only_pieces=true
        --character_coverage=0.99995 --num_threads=1 --hard_vocab_limit=false --max_sentence_length=100000000
        --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1)
spm_train "${common[@]}" --model_prefix="$tmp/mistral-standin" --vocab_size=32000 --add_dummy_prefix=true \
  > "$tmp/mistral.log" 2>&1
spm_train "${common[@]}" --model_prefix="$tmp/yi-standin" --vocab_size=64000 --add_dummy_prefix=false \
  --bos_piece='<|startoftext|>' --eos_piece='<|endoftext|>' > "$tmp/yi.log" 2>&1
# model_prefix is stored in the model's trainer spec: write it without the temporary folder's name.
for m in mistral-standin yi-standin; do
  /usr/bin/python3 - "$tmp/$m.model" "standins/$m.model" "$m" <<'PY'
import sys
sys.path.insert(0, ".")
from spm_proto import read_model, set_model_prefix
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(set_model_prefix(data, sys.argv[3]))
print(sys.argv[2], len(read_model(data)["pieces"]), "pieces")
PY
done
