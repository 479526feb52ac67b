"""Shared pieces of the zoo and fixture builders: constants, tokenizer, Qwen2 configs with static RoPE variants,
ONNX export, PyTorch/ONNX log-probabilities and their parity. transformers, tokenizers, onnx and onnxruntime are
imported inside the functions that need them, so the pure parts load with Debian's python3 (no transformers)."""
import hashlib
import json
import math
import os

import numpy as np

VOCAB = 2048
LONG = 4096
EOT = '<|endoftext|>'
ROPE_THETA = 10000.0
GOVREPORT_SOURCE = 'GovReport (US government work, public domain) via ../shared/data/govreport; see data/README.md'


def doc_id(rec):
    return f"{rec['repo']}:{rec['path']}#{rec['index']}"


def load_texts(data_dir):
    with open(os.path.join(data_dir, 'split.json')) as f:
        split = json.load(f)
    recs = {}
    with open(os.path.join(data_dir, 'govreport.jsonl'), encoding='utf-8') as f:
        for line in f:
            r = json.loads(line)
            recs[doc_id(r)] = r
    with open(os.path.join(data_dir, 'code.jsonl'), encoding='utf-8') as f:
        code = [json.loads(line) for line in f]
    return split, recs, code


# ---------------------------------------------------------------------------------------------------------------
def train_tokenizer(texts, out_dir):
    """Byte-level BPE (GPT-2 / Qwen2 style), one special token, no BOS added. Single-threaded training so that
    merges with equal counts come out in the same order every time."""
    os.environ.setdefault('RAYON_RS_NUM_CPUS', '1')
    os.environ.setdefault('RAYON_NUM_THREADS', '1')
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=[EOT], min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, 'tokenizer.json'))
    write_json(os.path.join(out_dir, 'tokenizer_config.json'), tokenizer_config())
    return tok


def tokenizer_config():
    return {'tokenizer_class': 'PreTrainedTokenizerFast', 'bos_token': None, 'eos_token': EOT, 'unk_token': None,
            'pad_token': EOT, 'add_bos_token': False, 'add_eos_token': False, 'clean_up_tokenization_spaces': False,
            'model_max_length': LONG}


def load_tokenizer(path):
    from tokenizers import Tokenizer
    return Tokenizer.from_file(path)


def write_json(path, obj, indent=1):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=indent)
        f.write('\n')
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------------------------
# RoPE variants, all static (the frequencies do not depend on the sequence length, so tracing keeps them exact):
#   None                 plain RoPE, base 10000
#   ('linear', f)        position interpolation: frequencies / f
#   ('ntk', f)           NTK-aware scaling as a fixed base change: base * f^(d/(d-2))
#   ('yarn', f)          YaRN (by-parts interpolation + attention temperature), original length LONG / f
def ntk_theta(factor, head_dim):
    return ROPE_THETA * factor ** (head_dim / (head_dim - 2))


def rope_parameters(rope, head_dim):
    if rope is None:
        return {'rope_type': 'default', 'rope_theta': ROPE_THETA}
    kind, factor = rope
    if kind == 'linear':
        return {'rope_type': 'linear', 'rope_theta': ROPE_THETA, 'factor': float(factor)}
    if kind == 'ntk':
        return {'rope_type': 'default', 'rope_theta': ntk_theta(factor, head_dim)}
    if kind == 'yarn':
        return {'rope_type': 'yarn', 'rope_theta': ROPE_THETA, 'factor': float(factor),
                'original_max_position_embeddings': int(LONG / factor)}
    raise ValueError(f'unknown RoPE change {rope!r}')


def qwen2_config(dims, rope=None, attn='sdpa'):
    """dims = (d_model, layers, heads, kv_heads, mlp). transformers 5 reads RoPE from rope_parameters; older
    versions from rope_theta/rope_scaling: both are set, and check_rope verifies what the model actually uses."""
    from transformers import Qwen2Config
    d, layers, heads, kv, mlp = dims
    rp = rope_parameters(rope, d // heads)
    kw = dict(vocab_size=VOCAB, hidden_size=d, intermediate_size=mlp, num_hidden_layers=layers,
              num_attention_heads=heads, num_key_value_heads=kv, max_position_embeddings=LONG,
              rms_norm_eps=1e-6, tie_word_embeddings=True, bos_token_id=None, eos_token_id=0, pad_token_id=0,
              use_sliding_window=False, attn_implementation=attn)
    import transformers
    if int(transformers.__version__.split('.')[0]) >= 5:
        kw['rope_parameters'] = rp
    else:
        kw['rope_theta'] = rp['rope_theta']
        if rp['rope_type'] != 'default':
            kw['rope_scaling'] = {k: v for k, v in rp.items() if k != 'rope_theta'}
    return Qwen2Config(**kw)


def expected_inv_freq(rope, head_dim):
    """Reference frequencies for plain, linear and NTK; for YaRN the by-parts formula of the YaRN paper
    (beta_fast 32, beta_slow 1, linear ramp between the corrected dimensions)."""
    import torch
    idx = torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim
    base = 1.0 / (ROPE_THETA ** idx)
    if rope is None:
        return base
    kind, f = rope
    if kind == 'linear':
        return base / f
    if kind == 'ntk':
        return 1.0 / (ntk_theta(f, head_dim) ** idx)
    orig = LONG / f

    def corr_dim(n_rot):
        return (head_dim * math.log(orig / (n_rot * 2 * math.pi))) / (2 * math.log(ROPE_THETA))
    low = max(math.floor(corr_dim(32)), 0)
    high = min(math.ceil(corr_dim(1)), head_dim - 1)
    if low == high:
        high += 0.001
    ramp = ((torch.arange(head_dim // 2, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
    extrap = 1 - ramp
    return (base / f) * (1 - extrap) + base * extrap


def check_rope(model, rope, head_dim):
    """The model's rotary frequencies must be those of the recipe: a config key silently ignored by a
    transformers version would otherwise give a zoo model a different mechanism than its card says."""
    import torch
    inv = model.model.rotary_emb.inv_freq.detach().double().cpu()
    exp = expected_inv_freq(rope, head_dim)
    if not torch.allclose(inv, exp, rtol=1e-4, atol=0):
        raise RuntimeError(f'RoPE check failed for {rope}: model inv_freq {inv.tolist()} != expected {exp.tolist()}')
    scaling = float(getattr(model.model.rotary_emb, 'attention_scaling', 1.0))
    want = (0.1 * math.log(rope[1]) + 1.0) if rope is not None and rope[0] == 'yarn' else 1.0
    if abs(scaling - want) > 1e-6:
        raise RuntimeError(f'RoPE check failed for {rope}: attention_scaling {scaling} != {want}')
    return {'inv_freq_first': float(inv[0]), 'inv_freq_last': float(inv[-1]), 'attention_scaling': scaling}


# ---------------------------------------------------------------------------------------------------------------
def round_weights_fp16(model):
    """Weights stored as float16 in the ONNX file: round them here first so that the PyTorch reference and the
    ONNX graph hold exactly the same values."""
    import torch
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def export_onnx(model, path, fp16_weights):
    """TorchScript export (dynamo=False, opset 18): inputs input_ids, attention_mask, position_ids, output logits,
    no KV cache, dynamic batch and sequence. With fp16_weights, large float32 initializers become float16 ones
    followed by a Cast to float32 (onnxruntime folds the Cast at load): half the file, same arithmetic."""
    import onnx
    import torch
    from onnx import TensorProto, helper, numpy_helper

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, position_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          use_cache=False).logits

    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = 37
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, VOCAB, (1, n), generator=g)
    mask = torch.ones(1, n, dtype=torch.long)
    pos = torch.arange(n).unsqueeze(0)
    tmp = path + '.export.tmp'
    torch.onnx.export(Wrapper(model).eval(), (ids, mask, pos), tmp, dynamo=False, opset_version=18,
                      input_names=['input_ids', 'attention_mask', 'position_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                                    'attention_mask': {0: 'batch_size', 1: 'sequence_length'},
                                    'position_ids': {0: 'batch_size', 1: 'sequence_length'},
                                    'logits': {0: 'batch_size', 1: 'sequence_length'}})
    m = onnx.load(tmp)
    prologue = []
    # Tied embeddings: the trace stores the output projection as a second, transposed copy of the embedding
    # matrix. Keep one copy and compute the other with a Transpose (folded by onnxruntime at load).
    mats = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer if len(i.dims) == 2 and np.prod(i.dims) >= 4096}
    digest = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest() + str(a.shape)
    by_digest = {}
    for name in sorted(mats):
        by_digest.setdefault(digest(mats[name]), name)
    transposed = {}
    for name in sorted(mats):
        src = by_digest.get(digest(mats[name].T))
        if src is not None and src != name and src not in transposed:
            transposed[name] = src
    if transposed:
        kept = [i for i in m.graph.initializer if i.name not in transposed]
        del m.graph.initializer[:]
        m.graph.initializer.extend(kept)
        prologue_t = [helper.make_node('Transpose', [src], [name], perm=[1, 0], name=name + '__transpose')
                      for name, src in sorted(transposed.items())]
    else:
        prologue_t = []
    if fp16_weights:
        new_inits = []
        for init in m.graph.initializer:
            if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= 256:
                arr = numpy_helper.to_array(init)
                h = numpy_helper.from_array(arr.astype(np.float16), init.name + '__fp16')
                new_inits.append(h)
                prologue.append(helper.make_node('Cast', [h.name], [init.name], to=TensorProto.FLOAT,
                                                 name=init.name + '__cast'))
            else:
                new_inits.append(init)
        del m.graph.initializer[:]
        m.graph.initializer.extend(new_inits)
    nodes = list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(prologue + prologue_t + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, tmp)
    os.replace(tmp, path)
    return os.path.getsize(path)


def torch_logprobs(model, ids):
    """float32 forward on the CPU, log-softmax in float64: [n, vocab]."""
    import torch
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([list(ids)]), use_cache=False).logits[0]
    return torch.log_softmax(logits.double(), -1).numpy()


def onnx_session(path, threads=2):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    return ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])


def onnx_logprobs(sess, ids):
    n = len(ids)
    out = sess.run(['logits'], {'input_ids': np.array([ids], dtype=np.int64),
                                'attention_mask': np.ones((1, n), dtype=np.int64),
                                'position_ids': np.arange(n, dtype=np.int64)[None]})[0][0].astype(np.float64)
    out = out - out.max(-1, keepdims=True)
    return out - np.log(np.exp(out).sum(-1, keepdims=True))


def parity(model, onnx_path, stream, lengths=(256, LONG)):
    """max |ONNX - PyTorch| of the actual next token's log-probability at each length (both float32 on CPU)."""
    sess = onnx_session(onnx_path)
    res = {}
    for n in lengths:
        ids = [int(t) for t in stream[:n]]
        a = torch_logprobs(model, ids)
        b = onnx_logprobs(sess, ids)
        idx = np.arange(1, n)
        tgt = np.array(ids[1:])
        res[str(n)] = float(np.abs(a[idx - 1, tgt] - b[idx - 1, tgt]).max())
    return res


def param_count(model):
    # tied embeddings counted once
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
