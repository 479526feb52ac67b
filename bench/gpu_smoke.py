"""Checks of the torch worker with real transformers (run where transformers is installed: the GPU machine).

Builds a tiny random Qwen2 checkpoint and a byte-level BPE tokenizer on disk (nothing downloaded), then through
the worker's request handlers: load from the folder (cpu float32 and, if present, cuda bf16), tokenize (byte spans
checked against the text), run_plan, forward, generate; and compares the chunked statistics with the model's own
full logits (float32, CPU), and the GPU bf16 statistics with the CPU float32 ones. Prints a JSON summary.

Run: python3 bench/gpu_smoke.py --out results/gpu/smoke.json
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness", "engine", "torch_worker"))

from protocol import Channel, pack, unpack  # noqa: E402
from worker import Worker  # noqa: E402

TEXT = ("The committee reviewed the program's costs — naïve estimates aside — and found 数据 gaps in 2023. " * 40)


def make_checkpoint(d: str) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2Config, Qwen2ForCausalLM
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator([TEXT], trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(os.path.join(d, "tokenizer.json"))
    torch.manual_seed(0)
    cfg = Qwen2Config(vocab_size=tok.get_vocab_size(), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                      bos_token_id=0, eos_token_id=0, tie_word_embeddings=False)
    Qwen2ForCausalLM(cfg).save_pretrained(d)


def call(worker: Worker, op: str, **body):
    out = io.StringIO()
    worker.ch = Channel(io.StringIO(json.dumps({"id": 1, "op": op, **body}) + "\n"), out)
    worker.serve()
    reply = [json.loads(x) for x in out.getvalue().splitlines() if "progress" not in x][-1]
    if not reply["ok"]:
        raise RuntimeError(reply["error"])
    return reply["result"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    args = ap.parse_args()
    summary = {}
    with tempfile.TemporaryDirectory() as d:
        make_checkpoint(d)
        per_device = {}
        devices = ["cpu"] + (["cuda:0"] if torch.cuda.is_available() else [])
        for dev in devices:
            w = Worker(Channel())
            info = call(w, "load", dir=d, modelId="smoke/qwen2", device=dev)
            tok = call(w, "tokenize", text=TEXT)
            ids, bs, be = unpack(tok["ids"]), unpack(tok["byteStart"]), unpack(tok["byteEnd"])
            raw = TEXT.encode("utf-8")
            covers = int(be[-1]) == len(raw) and all(int(bs[k + 1]) == int(be[k]) for k in range(len(ids) - 1))
            n = len(ids)
            plan = [{"start": 0, "end": n, "scoreFrom": 1, "field": "long"}]
            plan += [{"start": s, "end": min(n, s + 192), "scoreFrom": s + 128, "field": "128/64"}
                     for s in range(0, n - 128, 64)]
            res = call(w, "run_plan", ids=tok["ids"], plan=plan, addBos=False)
            fw = call(w, "forward", ids=pack(ids[:300], "i32"), scoreFrom=1)
            gen = call(w, "generate", ids=pack(ids[:20], "i32"), maxNewTokens=5)
            per_device[dev] = {k: unpack(v) for k, v in res["logprob"].items()}
            per_device[dev]["entropy"] = unpack(res["entropy"])
            summary[dev] = {"load": info, "tokens": n, "byte_spans_tile_text": covers,
                            "tokensProcessed": res["tokensProcessed"], "generated": len(unpack(gen["ids"])),
                            "forward_vs_plan_max": float(abs(unpack(fw["logprob"]) -
                                                             per_device[dev]["long"][1:300]).max())}
            if dev == "cpu":
                from transformers import AutoModelForCausalLM
                m = AutoModelForCausalLM.from_pretrained(d, local_files_only=True, dtype=torch.float32)
                with torch.no_grad():
                    logits = m(torch.tensor(ids, dtype=torch.long).view(1, -1)).logits[0].double()
                lp = torch.log_softmax(logits, -1)[:-1].gather(1, torch.tensor(ids[1:], dtype=torch.long)
                                                                .view(-1, 1)).squeeze(1)
                logp = torch.log_softmax(logits, -1)[:-1]
                ent = -(logp.exp() * logp).sum(-1)
                summary["cpu_vs_hf_full_logits_max"] = float((torch.from_numpy(per_device["cpu"]["long"][1:])
                                                              .double() - lp).abs().max())
                summary["cpu_entropy_vs_hf_max"] = float((torch.from_numpy(per_device["cpu"]["entropy"][1:])
                                                          .double() - ent).abs().max())
        if "cuda:0" in per_device:
            for k in ("long", "128/64", "entropy"):
                a, b = per_device["cpu"][k], per_device["cuda:0"][k]
                m = ~torch.isnan(torch.from_numpy(a))
                summary[f"cuda_bf16_vs_cpu_f32_{k}_max"] = float(abs(a[m.numpy()] - b[m.numpy()]).max())
        # errors a user meets, through the same handlers
        w = Worker(Channel())
        os.remove(os.path.join(d, "tokenizer.json"))
        try:
            call(w, "load", dir=d)
        except RuntimeError as err:
            summary["missing_tokenizer_error"] = err.args[0]
        try:
            call(w, "load", dir=os.path.join(d, "absent"), modelId="nobody/absent")
        except RuntimeError as err:
            summary["missing_folder_error"] = err.args[0]
    text = json.dumps(summary, indent=1, default=str)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
