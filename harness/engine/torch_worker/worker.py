"""The torch engine's worker: started by harness/engine/torch.ts, it loads one model and answers requests on
stdin/stdout (protocol.py). Everything else the worker or its libraries print goes to stderr, which the engine
keeps for its error messages.

Run alone: /usr/bin/python3 harness/engine/torch_worker/worker.py  (then type JSON requests, one per line).
"""
from __future__ import annotations

import gc
import glob
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from models import LoadError, Loaded, load_hf, load_toy  # noqa: E402
from plan import Forward, parse_plan, run_plan  # noqa: E402
from protocol import Channel, pack, unpack  # noqa: E402
from stats import OutOfMemory, is_oom  # noqa: E402
from tokenizer_check import TokenizerCheck  # noqa: E402

# The torch engine's version: the TypeScript engine (harness/engine/index.ts, TORCH_ENGINE_VERSION) checks it in the
# hello reply, so the version in the cache key is the worker's. Bump both when the numerics change.
# 2: run_plan also returns entropy and top-1 flags under each short window (entropyShort, top1Short).
VERSION = "2"


class Worker:
    def __init__(self, channel: Channel):
        self.ch = channel
        self.model: Loaded | None = None
        self.tokenizer_check: TokenizerCheck | None = None
        self.device = torch.device("cpu")
        self.batch_tokens = 20480
        self.chunk = 4096

    def need_model(self) -> Loaded:
        if self.model is None:
            raise ValueError("no model loaded: send a 'load' request first")
        return self.model

    def op_hello(self, req):
        return {"version": VERSION, "torch": torch.__version__, "cuda": torch.cuda.is_available(),
                "pid": os.getpid()}

    def op_unload(self, req):
        """Frees the loaded model (host and GPU memory), so that one worker serves model after model."""
        self.model = None
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        return {"unloaded": True}

    def op_load(self, req):
        dev = req.get("device") or ("cuda:0" if torch.cuda.is_available() else "cpu")
        if dev.startswith("cuda") and not torch.cuda.is_available():
            raise LoadError("no_cuda", f"device {dev!r} asked for but torch {torch.__version__} sees no CUDA GPU; "
                                       "fix: pass --device cpu or run on a machine with a GPU")
        self.op_unload(req)  # the previous model leaves before the next arrives
        self.device = torch.device(dev)
        self.batch_tokens = int(req.get("batchTokens") or (20480 if self.device.type == "cuda" else 4096))
        self.chunk = int(req.get("chunk") or (2048 if self.device.type == "cuda" else 1024))
        spec = req.get("dir", "")
        rope = req.get("rope")
        check_fits(spec, req.get("modelId") or spec, self.device, req.get("dtype"))
        try:
            if spec.startswith("toy:"):
                if rope and rope.get("kind") != "as-config":
                    raise LoadError("unsupported", f"the toy model has learned positions: no RoPE policy {rope}")
                self.model = load_toy(spec, self.device)
                self.tokenizer_check = TokenizerCheck.for_toy(self.model.tokenizer)
            elif spec.startswith("random:"):
                if rope and rope.get("kind") != "as-config":
                    raise LoadError("unsupported", f"random:ARCH models take the architecture's RoPE: no policy {rope}")
                self.model = load_random(spec, self.device, req.get("dtype"))
                from models import ByteTokenizer
                self.tokenizer_check = TokenizerCheck.for_toy(ByteTokenizer())
            else:
                self.model = load_hf(spec, req.get("modelId"), self.device, req.get("dtype"), rope,
                                     req.get("tokenizerJson"))
                self.tokenizer_check = TokenizerCheck.for_folder(req.get("tokenizerJson"), req.get("tokenizerSource"),
                                                                 req.get("tokenizerModel"))
        except Exception as err:  # noqa: BLE001 - out of memory while loading: the model does not fit
            if not is_oom(err):
                raise
            self.op_unload(req)
            raise LoadError("too_large", f"model {req.get('modelId') or spec} does not fit on {dev} "
                                         f"({device_memory(self.device)}): out of memory while loading ({err}); "
                                         "fix: a device with more memory, or --dtype bfloat16; the fill never "
                                         "falls back to the CPU") from None
        m = self.model
        return {"device": str(self.device), "maxPositions": m.max_positions, "bosTokenId": m.bos_id,
                "eosTokenId": m.eos_id, "vocabSize": m.vocab_size, "dtype": m.dtype, "attn": m.attn,
                "workerTokenizer": m.tokenizer is not None, "rope": m.rope or {"kind": "as-config"},
                "ropeDynamic": m.rope_dynamic, "tokenizerCheck": self.tokenizer_check.status()}

    def need_tokenizer(self):
        tok = self.need_model().tokenizer
        if tok is None:
            raise ValueError("the worker has no tokenizer: python package 'tokenizers' is not installed; the "
                             "TypeScript engine tokenizes with harness/engine/tokenizer.ts (tokenize())")
        return tok

    def op_tokenize(self, req):
        ids, bs, be = self.need_tokenizer().encode(req["text"])
        return {"ids": pack(ids, "i32"), "byteStart": pack(bs, "i32"), "byteEnd": pack(be, "i32")}

    def op_decode(self, req):
        return {"text": self.need_tokenizer().decode([int(i) for i in unpack(req["ids"])])}

    def _run(self, ids: np.ndarray, plan: list[Forward], add_bos: bool, req_id):
        m = self.need_model()
        t0 = time.time()

        def progress(tokens: int):
            self.ch.write({"id": req_id, "progress": {"tokens": tokens, "seconds": time.time() - t0}})

        # Test hook: a pause before each document, so that a test can kill a run that is certainly still going
        # (harness/fleet/fleet.test.ts); unset, nothing changes.
        if os.environ.get("LONGPROXY_WORKER_TEST_DELAY_S"):
            time.sleep(float(os.environ["LONGPROXY_WORKER_TEST_DELAY_S"]))
        out = run_plan(m.forward_hidden, m.head, torch.from_numpy(ids.astype(np.int64)), plan, add_bos, m.bos_id,
                       self.device, self.batch_tokens, self.chunk, progress, length_dependent=m.rope_dynamic)
        return out

    def op_forward(self, req):
        ids = unpack(req["ids"])
        score_from = int(req["scoreFrom"])
        if not 1 <= score_from <= len(ids):
            raise ValueError(f"scoreFrom={score_from} must lie in [1, {len(ids)}]")
        out = self._run(ids, [Forward(0, len(ids), score_from, "long")], False, req.get("id"))
        s = slice(score_from, len(ids))
        return {"logprob": pack(out["logprob"]["long"][s].numpy(), "f32"),
                "entropy": pack(out["entropy"][s].numpy(), "f32"), "top1": pack(out["top1"][s].numpy(), "u8")}

    def op_run_plan(self, req):
        ids = unpack(req["ids"])
        add_bos = bool(req["addBos"])
        plan = parse_plan(req["plan"], len(ids), add_bos)
        # Before any forward: the ids must be what the folder's Python tokenizer makes of the text (a mismatch
        # raises, and the engine stops this model).
        check = (self.tokenizer_check.check(req["text"], ids) if isinstance(req.get("text"), str)
                 else "not run: the engine sent no text with the ids")
        out = self._run(ids, plan, add_bos, req.get("id"))
        return {"logprob": {k: pack(v.numpy(), "f32") for k, v in out["logprob"].items()},
                "entropy": pack(out["entropy"].numpy(), "f32"), "top1": pack(out["top1"].numpy(), "u8"),
                "entropyShort": {k: pack(v.numpy(), "f32") for k, v in out["entropyShort"].items()},
                "top1Short": {k: pack(v.numpy(), "u8") for k, v in out["top1Short"].items()},
                "tokensProcessed": out["tokensProcessed"], "tokenizerCheck": check}

    def op_generate(self, req):
        ids = [int(i) for i in unpack(req["ids"])]
        return {"ids": pack(self.need_model().generate(ids, int(req["maxNewTokens"])), "i32")}

    def op_crash(self, req):
        """Test hook: exit at once without a reply, as a worker killed by the OS would."""
        os._exit(int(req.get("code", 3)))

    def serve(self) -> None:
        while True:
            req = self.ch.read()
            if req is None or req.get("op") == "shutdown":
                return
            rid = req.get("id")
            fn = getattr(self, "op_" + str(req.get("op")), None)
            try:
                if fn is None:
                    raise ValueError(f"unknown op {req.get('op')!r}")
                self.ch.write({"id": rid, "ok": True, "result": fn(req)})
            except LoadError as err:
                self.ch.write({"id": rid, "ok": False, "error": {"kind": err.kind, "message": str(err)}})
            except OutOfMemory as err:
                self.ch.write({"id": rid, "ok": False, "error": {"kind": "oom", "message": str(err)}})
            except Exception as err:  # noqa: BLE001 - reported to the engine, which decides
                traceback.print_exc(file=sys.stderr)
                self.ch.write({"id": rid, "ok": False, "error": {"kind": type(err).__name__,
                                                                  "message": str(err) or repr(err)}})


def device_memory(device: torch.device) -> str:
    if device.type != "cuda":
        return "host memory"
    free, total = torch.cuda.mem_get_info(device)
    return f"{free / 2**30:.1f} of {total / 2**30:.1f} GiB free"


DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


def check_fits(spec: str, model_id: str, device: torch.device, dtype_name: str | None) -> None:
    """Refuses, before reading any weight, a model whose weights alone exceed the GPU's total memory."""
    if device.type != "cuda" or not os.path.isdir(spec):
        return
    files = glob.glob(os.path.join(spec, "*.safetensors")) or glob.glob(os.path.join(spec, "*.bin"))
    stored = sum(os.path.getsize(f) for f in files)
    try:
        import json
        with open(os.path.join(spec, "config.json")) as fh:
            cfg = json.load(fh)
        stored_width = DTYPE_BYTES.get(str(cfg.get("torch_dtype") or cfg.get("dtype") or "bfloat16"), 2)
    except (OSError, ValueError):
        stored_width = 2
    need = stored * DTYPE_BYTES.get(dtype_name or "bfloat16", 2) / stored_width
    total = torch.cuda.get_device_properties(device).total_memory
    if need > 0.95 * total:
        raise LoadError("too_large", f"model {model_id} needs {need / 2**30:.1f} GiB for its weights alone in "
                                     f"{dtype_name or 'bfloat16'}, more than {device} has ({total / 2**30:.1f} GiB); "
                                     "fix: a device with more memory; the fill never falls back to the CPU or "
                                     "splits a model across devices")


def load_random(spec: str, device: torch.device, dtype_name: str | None) -> Loaded:
    """"random:ARCH" (an architecture of bench/gpu_bench.py ARCHS): random weights in the published shapes, built
    on the device, for throughput measurements (bench/fill_bench.ts); tokens are the toy byte tokenizer's ids."""
    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
    from gpu_bench import ARCHS
    from models import wrap_hf
    from transformers import AutoConfig, AutoModelForCausalLM
    name = spec.split(":", 1)[1]
    if name not in ARCHS:
        raise LoadError("missing_model", f"{spec}: unknown architecture; fix: one of {', '.join(sorted(ARCHS))}")
    a = dict(ARCHS[name])
    mt = a.pop("model_type")
    torch.manual_seed(0)
    cfg = AutoConfig.for_model(mt, **a)
    dtype_name = dtype_name or ("bfloat16" if device.type == "cuda" else "float32")
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(cfg, dtype=getattr(torch, dtype_name), attn_implementation="sdpa")
    # The whole config, as a checkpoint's config.json would give it: the RoPE checks read head sizes from it.
    return wrap_hf(model.eval(), spec, model.config.to_dict(), None, device, dtype_name, "sdpa")


def main() -> None:
    channel = Channel(sys.stdin, sys.stdout)
    sys.stdout = sys.stderr  # library prints must not corrupt the protocol
    torch.set_grad_enabled(False)
    Worker(channel).serve()


if __name__ == "__main__":
    main()
