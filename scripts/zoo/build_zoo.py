#!/usr/bin/env python3
"""Build the zoo on the GPU machine: tokenizer, the tiny fixture model, 18 small Qwen2-style models that differ
in long-context ability, their ONNX exports, parity checks, quick retrieval evaluations, proxy corpus, haystack.

Input: the folder written by `/usr/bin/python3 scripts/models/prepare_data.py` (split.json, govreport.jsonl,
code.jsonl). Run (GPU machine, PyTorch 2.x + transformers 5.x + tokenizers + onnx + onnxruntime), from the
repository root:
    python3 scripts/zoo/build_zoo.py --data .device-carry/zoo-data --out $OUT/zoo
It also writes a small fixture model of its own under OUT/fixtures/models/tiny-qwen2 (zoo tokenizer); the
repository's fixture of that name comes from scripts/models/build_fixture.py (on this file's functions) and is not
replaced by it. scripts/zoo/smoke.py runs one recipe, shrunk, on the CPU (Debian's torch, no transformers: the
torch worker's built-in decoder stands in for Qwen2ForCausalLM), as CI does (scripts/zoo/build_zoo.test.ts).
Outputs under --out (then copied into the repository by hand, see README "zoo"):
    tokenizer/                   tokenizer.json, tokenizer_config.json (shared by every model)
    fixtures/models/tiny-qwen2/  the test fixture, with golden_logprobs.json
    fixtures/zoo/<name>/         one folder per zoo model, fixtures/zoo/models.json
    data/proxy/zoo_12docs_4k_tokens.json, data/zoo_haystack.json
Everything is seeded; recipes are in RECIPES below and in each model_card.json.
"""
import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import sys
import time
import types

import numpy as np
import torch
import torch.multiprocessing as mp

VOCAB = 1024
LONG = 4096
EOT = '<|endoftext|>'

# ---------------------------------------------------------------------------------------------------------------
# Recipes. A "base" is pretrained from scratch at its trained length; a "derived" model starts from a base's
# weights, changes its RoPE (PI = linear position interpolation, NTK = static NTK-aware base change, YaRN) and is
# either used as is ("zero-shot") or continued-trained briefly at the long length ("ft").
# size: (d_model, layers, heads, kv_heads, mlp)
SIZES = {
    'xs': (64, 2, 2, 1, 192),
    's': (96, 2, 4, 2, 288),
    'm': (128, 3, 4, 2, 320),
    'l': (128, 3, 4, 2, 448),
}
BASES = {
    # name: trained length, size, mix, steps
    'b256': dict(train_len=256, size='s', mix='prose', steps=8000),
    'b512': dict(train_len=512, size='m', mix='prose', steps=8000),
    'b1k': dict(train_len=1024, size='m', mix='prose', steps=8000),
    'native4k-s': dict(train_len=LONG, size='s', mix='prose', steps=8000, packed=True),
    'native4k-m': dict(train_len=LONG, size='m', mix='prose', steps=8000, packed=True),
    'native4k-l': dict(train_len=LONG, size='l', mix='prose', steps=8000, packed=True),
    'native4k-code': dict(train_len=LONG, size='m', mix='code', steps=8000, packed=True),
    'native4k-lm': dict(train_len=LONG, size='m', mix='lm', steps=8000, packed=True),
    'fixture': dict(train_len=512, size='xs', mix='lm', steps=500),
}
FT_STEPS = 3000
# Loss weight of tokens that can only be predicted by retrieval (restated values, copies): speeds up learning to
# retrieve, as answer-only losses do in instruction tuning.
ANSWER_WEIGHT = 8.0
# zoo models: name -> (base, rope change, continued training at LONG?, description, locked-model analogue)
ZOO = {
    'short256-none': ('b256', None, False, 'trained at 256 tokens, no extension', 'short-context base run far past its length'),
    'short512-none': ('b512', None, False, 'trained at 512 tokens, no extension', 'short-context base run far past its length'),
    'short1k-none': ('b1k', None, False, 'trained at 1024 tokens, no extension', 'short-context base run far past its length'),
    'pi512-zero': ('b512', ('linear', 8.0), False, '512 + linear PI x8, no training', 'PI without continued pretraining'),
    'ntk512-zero': ('b512', ('ntk', 8.0), False, '512 + static NTK x8, no training', 'NTK scaling without training'),
    'yarn512-zero': ('b512', ('yarn', 8.0), False, '512 + YaRN x8, no training', 'YaRN without training'),
    'pi512-ft': ('b512', ('linear', 8.0), True, '512 + linear PI x8 + 300 steps at 4096', 'Leooyii/PI_32k_Slimpajama_1B'),
    'ntk512-ft': ('b512', ('ntk', 8.0), True, '512 + static NTK x8 + 300 steps at 4096', 'Leooyii/NTK_32k/64k_Slimpajama'),
    'yarn512-ft': ('b512', ('yarn', 8.0), True, '512 + YaRN x8 + 300 steps at 4096', 'YaRN-extended Qwen2.5'),
    'plain512-ft': ('b512', None, True, '512, RoPE unchanged + 300 steps at 4096', 'continued pretraining without RoPE change'),
    'pi1k-ft': ('b1k', ('linear', 4.0), True, '1024 + linear PI x4 + 300 steps at 4096', 'PI with continued pretraining'),
    'ntk1k-zero': ('b1k', ('ntk', 4.0), False, '1024 + static NTK x4, no training', 'NTK scaling without training'),
    'yarn1k-ft': ('b1k', ('yarn', 4.0), True, '1024 + YaRN x4 + 300 steps at 4096', 'YaRN with continued pretraining'),
    'native4k-s': ('native4k-s', None, False, 'trained at 4096, small', 'Qwen2.5-0.5B-Instruct (small, native long context)'),
    'native4k-m': ('native4k-m', None, False, 'trained at 4096, medium', 'Qwen2.5-1.5B/7B (native long context)'),
    'native4k-l': ('native4k-l', None, False, 'trained at 4096, large', 'Qwen2.5-14B (largest)'),
    'native4k-code': ('native4k-code', None, False, 'trained at 4096, code/list-heavy mix', 'Qwen2.5-Coder'),
    'native4k-lm': ('native4k-lm', None, False, 'trained at 4096, prose only, no retrieval-shaped data', 'base model without long-context data'),
}
# Share of training sequences that carry retrieval-shaped structure (facts restated later, key-value lists,
# repeated passages) and of code text, per mix.
MIXES = {
    'prose': dict(p_synth=0.8, p_code=0.1),
    'code': dict(p_synth=0.85, p_code=0.5),
    'lm': dict(p_synth=0.0, p_code=0.1),
}
# Bases trained at the long length pack documents of mixed lengths (256 tokens up to the whole sequence, log-uniform)
# into each sequence, as long-context pretraining corpora do: zoo v2's bases trained on whole 4096-token sequences
# never learned to retrieve in their time budget; short documents inside the long sequence teach it at short range
# first. Recorded in each card as recipe.packed.
# Multi-value needles and questions about the prose (SeqSource(tasks=True)) are added only in the continued training
# at 4096: mixed into from-scratch pretraining (zoo v3 attempt) they kept every base from learning to retrieve at all.
PACKED_MIN = 256
ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth']
QA_QUESTION = '\n\nQuestion: According to the report above, what figure completes this sentence?\nAnswer:'

ADJ = ('red blue green quiet rapid silver golden hidden ancient bright calm dark eager faint gentle hollow icy '
       'jolly keen lively mellow noble odd proud rough sharp tidy urban vivid warm young brave clever').split()
NOUN = ('river table falcon garden harbor lantern meadow orchard pillar quarry rocket saddle tunnel valley wagon '
        'anchor basket candle dragon engine forest glacier hammer island jacket kettle ladder magnet needle').split()
TEMPLATES = ['The special magic number for {k} is', 'The access code for {k} is', 'The reference number for {k} is',
             'The secret value for {k} is', 'The record id for {k} is', 'The assigned code for {k} is']


# ---------------------------------------------------------------------------------------------------------------
def load_texts(data_dir):
    split = json.load(open(os.path.join(data_dir, 'split.json')))
    recs = {}
    for line in open(os.path.join(data_dir, 'govreport.jsonl'), encoding='utf-8'):
        r = json.loads(line)
        recs[f"{r['repo']}:{r['path']}#{r['index']}"] = r
    code = [json.loads(line) for line in open(os.path.join(data_dir, 'code.jsonl'), encoding='utf-8')]
    return split, recs, code


def train_tokenizer(texts, out_dir, vocab=VOCAB):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=[EOT], min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, 'tokenizer.json'))
    json.dump({'tokenizer_class': 'PreTrainedTokenizerFast', 'bos_token': EOT, 'eos_token': EOT, 'unk_token': None,
               'pad_token': EOT, 'add_bos_token': False, 'add_eos_token': False, 'clean_up_tokenization_spaces': False,
               'model_max_length': LONG}, open(os.path.join(out_dir, 'tokenizer_config.json'), 'w'), indent=1)
    return tok


def encode(tok, text):
    return np.array(tok.encode(text).ids, dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
class SeqSource:
    """Training sequences of one length in token space: prose or code windows into which, for a share of the
    sequences, retrieval-shaped episodes are inserted -- facts stated once and restated or asked for later,
    key-value lines repeated later, variable-assignment chains traced back, passages repeated -- the kind of
    synthetic long-context data that long-context training mixes (e.g. FILM-7B's) use. Models trained at a length
    learn to retrieve across that length; what they do beyond it depends on their RoPE and continued training."""

    def __init__(self, tok, prose_stream, code_stream, mix, seed, packed=False, tasks=False):
        self.tok, self.prose, self.code = tok, prose_stream, code_stream
        self.mix = MIXES[mix]
        self.packed = packed
        self.tasks = tasks
        self.rng = random.Random(seed)
        self._cache = {}
        # tokens that start a figure (' 123', '$4', '56') and tokens that continue one ('7', ',', '.')
        pieces = [tok.id_to_token(i) or '' for i in range(tok.get_vocab_size())]
        self.fig_start = np.array([bool(re.fullmatch(r'[\u0120]?\$?\d[\d.,]*', p)) for p in pieces])
        self.fig_cont = np.array([bool(re.fullmatch(r'[\d.,]+', p)) for p in pieces])
        self.qa_question = self.enc(QA_QUESTION)

    def enc(self, text):
        ids = self._cache.get(text)
        if ids is None:
            ids = encode(self.tok, text)
            if len(self._cache) < 200_000:
                self._cache[text] = ids
        return ids

    def window(self, n):
        src = self.code if self.rng.random() < self.mix['p_code'] else self.prose
        s = self.rng.randrange(0, len(src) - n - 1)
        return src[s:s + n]

    def digits(self, k):
        return ''.join(self.rng.choice('0123456789') for _ in range(k))

    def hexs(self, k):
        return ''.join(self.rng.choice('0123456789abcdef') for _ in range(k))

    def value(self):
        r = self.rng.random()
        if r < 0.6:
            return self.digits(self.rng.randint(4, 7))
        if r < 0.85:
            return self.hexs(8)
        return f'{self.rng.choice(ADJ)} {self.rng.choice(NOUN)}'

    def key(self):
        return f'{self.rng.choice(ADJ)}-{self.rng.choice(NOUN)}'

    # An episode is (early pieces, late pieces); a piece is (token ids, weights): weight ANSWER_WEIGHT on the tokens
    # that can only be predicted by retrieving them from earlier in the context, 1 elsewhere.
    def piece(self, *segments):
        ids = np.concatenate([ids for ids, _ in segments])
        w = np.concatenate([np.full(len(ids_), wt, dtype=np.float32) for ids_, wt in segments])
        return ids, w

    def fact_episode(self):
        k, v = self.key(), self.value()
        t = self.rng.choice(TEMPLATES)
        stmt = self.enc(' ' + t.format(k=k))
        val = self.enc(' ' + v)
        early = [self.piece((stmt, 1.0), (val, 1.0), (self.enc('.'), 1.0))]
        if self.rng.random() < 0.5:
            noun = t.format(k=k).split(' for ')[0].replace('The ', '').strip()
            q = self.enc(f'\n\nQuestion: What is the {noun} for {k} mentioned in the provided text?\nAnswer:')
            late = [self.piece((q, 1.0), (stmt, 1.0), (val, ANSWER_WEIGHT), (self.enc('.\n'), 1.0))]
        else:
            late = [self.piece((stmt, 1.0), (val, ANSWER_WEIGHT), (self.enc('.'), 1.0))]
        return early, late

    def kv_episode(self):
        pairs = [(self.enc(f'\n"{self.hexs(8)}": "'), self.enc(self.hexs(8))) for _ in range(self.rng.randint(4, 24))]
        close = self.enc('",')
        block = self.piece((self.enc('\n{'), 1.0), *[(np.concatenate([k, v, close]), 1.0) for k, v in pairs],
                           (self.enc('\n}'), 1.0))
        late = []
        for _ in range(self.rng.randint(1, 3)):
            k, v = pairs[self.rng.randrange(len(pairs))]
            late.append(self.piece((k, 1.0), (v, ANSWER_WEIGHT), (close, 1.0)))
        return [block], late

    def multivalue_episode(self):
        # one key with several values stated apart ("The second special magic number for K is V."), all asked for
        k = self.key()
        m = self.rng.randint(2, 4)
        t = self.rng.choice(TEMPLATES)
        stmts = [self.enc(' ' + t.format(k=k).replace('The ', f'The {ORDINALS[i]} ', 1)) for i in range(m)]
        vals = [self.enc(' ' + self.digits(self.rng.randint(4, 7))) for _ in range(m)]
        period = self.enc('.')
        early = [self.piece((stmts[i], 1.0), (vals[i], 1.0), (period, 1.0)) for i in range(m)]
        noun = t.format(k=k).split(' for ')[0].replace('The ', '').strip()
        q = self.enc(f'\n\nQuestion: What are all the {noun}s for {k} mentioned in the provided text?\nAnswer:')
        parts = [(q, 1.0)]
        for i in range(m):
            if i > 0:
                parts.append((period, 1.0))
            parts += [(stmts[i], 1.0), (vals[i], ANSWER_WEIGHT)]
        parts.append((self.enc('.\n'), 1.0))
        return early, [self.piece(*parts)]

    def qa_pieces(self, base, count):
        # LongBench-style questions about the prose itself: a sentence of the text quoted up to a figure, the figure
        # to be copied (as the zoo's doc_qa task asks); placed after the quoted text. -> [(relative position, piece)]
        out = []
        starts = np.flatnonzero(self.fig_start[base[16:]]) + 16
        for _ in range(count):
            if len(starts) == 0:
                break
            p = int(starts[self.rng.randrange(len(starts))])
            e = p + 1
            while e < len(base) and e < p + 4 and self.fig_cont[base[e]]:
                e += 1
            quote = base[p - self.rng.randint(8, 16):p]
            pc = self.piece((self.qa_question, 1.0), (quote, 1.0), (base[p:e], ANSWER_WEIGHT), (self.enc('.'), 1.0))
            out.append((self.rng.uniform(e / len(base), 1.0), pc))
        return out

    def vt_episode(self):
        names = [''.join(self.rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ') for _ in range(5)) for _ in range(self.rng.randint(2, 5))]
        v = self.digits(self.rng.randint(4, 6))
        stmts = [self.piece((self.enc(f' VAR {names[0]} = {v}.'), 1.0))] + [
            self.piece((self.enc(f' VAR {names[j]} = VAR {names[j - 1]}.'), 1.0)) for j in range(1, len(names))]
        trace = ' '.join([f'VAR {names[j]} = VAR {names[j - 1]}.' for j in range(len(names) - 1, 0, -1)] + [f'VAR {names[0]} = {v}'])
        q = self.enc(f'\n\nQuestion: What value does VAR {names[-1]} hold? Trace its assignments back to the number.\nAnswer:')
        return stmts, [self.piece((q, 1.0), (self.enc(f' {trace}'), ANSWER_WEIGHT), (self.enc('.\n'), 1.0))]

    def structured_seq(self, n):
        episodes = []
        used = 0
        target = n * self.rng.uniform(0.25, 0.6)
        while used < target:
            r = self.rng.random()
            if self.tasks:
                ep = (self.fact_episode() if r < 0.35 else self.multivalue_episode() if r < 0.5 else
                      self.kv_episode() if r < 0.72 else self.vt_episode())
            else:
                ep = self.fact_episode() if r < 0.45 else self.kv_episode() if r < 0.7 else self.vt_episode()
            episodes.append(ep)
            used += sum(len(ids) for part in ep for ids, _ in part)
        budget = n - used
        if budget < n // 3:
            return self.window(n), np.ones(n, dtype=np.float32)
        base = self.window(budget).copy()
        wbase = np.ones(budget, dtype=np.float32)
        # repeated passages inside the prose itself (the copy, after its first tokens, is weighted as an answer)
        for _ in range(self.rng.randint(0, 3)):
            ln = self.rng.randint(16, 64)
            if budget < 4 * ln:
                break
            a = self.rng.randrange(0, budget // 2 - ln)
            b = self.rng.randrange(a + ln, budget - ln)
            base[b:b + ln] = base[a:a + ln]
            wbase[b + 2:b + ln] = ANSWER_WEIGHT
        inserts = []
        for early, late in episodes:
            pos = sorted(self.rng.uniform(0, 0.8) for _ in early)
            inserts.extend(zip(pos, early))
            for pc in late:
                inserts.append((self.rng.uniform(pos[-1], 1.0), pc))
        if self.tasks:
            inserts.extend(self.qa_pieces(base, self.rng.randint(0, 2)))
        inserts.sort(key=lambda x: x[0])
        ids, ws, prev = [], [], 0
        for p_, (pids, pw) in inserts:
            cut = int(p_ * budget)
            ids += [base[prev:cut], pids]
            ws += [wbase[prev:cut], pw]
            prev = cut
        ids.append(base[prev:])
        ws.append(wbase[prev:])
        # the questions about the prose add tokens beyond n: cut the end (a cut question only loses its answer)
        return np.concatenate(ids)[:n], np.concatenate(ws)[:n]

    def sample_one(self, n):
        if self.rng.random() >= self.mix['p_synth']:
            return self.window(n), np.ones(n, dtype=np.float32)
        return self.structured_seq(n)

    def sample(self, n):
        if not self.packed:
            return self.sample_one(n)
        xs, ws, left = [], [], n
        while left > 0:
            m = min(left, int(math.exp(self.rng.uniform(math.log(PACKED_MIN), math.log(n)))))
            if left - m < PACKED_MIN:
                m = left
            x, w = self.sample_one(m)
            xs.append(x)
            ws.append(w)
            left -= m
        return np.concatenate(xs), np.concatenate(ws)

    def batch(self, bsz, n):
        xs, ws = zip(*(self.sample(n) for _ in range(bsz)))
        return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ws))


# ---------------------------------------------------------------------------------------------------------------
def qwen2_config_kwargs(size, rope=None, attn='sdpa', vocab=VOCAB):
    """The Qwen2 configuration of a recipe as keyword arguments of transformers' Qwen2Config (also read, as a
    config dict, by the built-in decoder). size: a key of SIZES or (d_model, layers, heads, kv_heads, mlp)."""
    d, layers, heads, kv, mlp = SIZES[size] if isinstance(size, str) else size
    kw = dict(vocab_size=vocab, hidden_size=d, intermediate_size=mlp, num_hidden_layers=layers,
              num_attention_heads=heads, num_key_value_heads=kv, max_position_embeddings=LONG,
              rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=True, bos_token_id=0, eos_token_id=0,
              use_sliding_window=False, attn_implementation=attn)
    if rope is not None:
        kind, factor = rope
        if kind == 'linear':
            kw['rope_scaling'] = {'rope_type': 'linear', 'factor': factor}
        elif kind == 'ntk':
            # Static NTK-aware scaling: a larger RoPE base, fixed at any sequence length (exports as constants).
            dh = d // heads
            kw['rope_theta'] = 10000.0 * factor ** (dh / (dh - 2))
        elif kind == 'yarn':
            kw['rope_scaling'] = {'rope_type': 'yarn', 'factor': factor,
                                  'original_max_position_embeddings': int(LONG / factor)}
    return kw


def qwen2_config(size, rope=None, attn='sdpa', vocab=VOCAB):
    from transformers import Qwen2Config
    return Qwen2Config(**qwen2_config_kwargs(size, rope, attn, vocab))


class NativeQwen2(torch.nn.Module):
    """Qwen2ForCausalLM without transformers (CPU smoke runs on Debian's torch): trainable parameters under Hugging
    Face names, run by the torch worker's built-in decoder (harness/engine/torch_worker/native.py), initialized as
    transformers does (normal(0, 0.02), norms 1, biases 0), output embedding tied to the input embedding."""

    def __init__(self, config):
        super().__init__()
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'harness', 'engine', 'torch_worker'))
        import native
        self.config = dict(config, model_type='qwen2')
        d, heads = config['hidden_size'], config['num_attention_heads']
        kv, hd, mlp = config['num_key_value_heads'], d // heads, config['intermediate_size']
        shapes = {'model.embed_tokens.weight': (config['vocab_size'], d), 'model.norm.weight': (d,)}
        for i in range(config['num_hidden_layers']):
            p = f'model.layers.{i}.'
            shapes.update({p + 'input_layernorm.weight': (d,), p + 'post_attention_layernorm.weight': (d,),
                           p + 'self_attn.q_proj.weight': (heads * hd, d), p + 'self_attn.q_proj.bias': (heads * hd,),
                           p + 'self_attn.k_proj.weight': (kv * hd, d), p + 'self_attn.k_proj.bias': (kv * hd,),
                           p + 'self_attn.v_proj.weight': (kv * hd, d), p + 'self_attn.v_proj.bias': (kv * hd,),
                           p + 'self_attn.o_proj.weight': (d, heads * hd), p + 'mlp.gate_proj.weight': (mlp, d),
                           p + 'mlp.up_proj.weight': (mlp, d), p + 'mlp.down_proj.weight': (d, mlp)})
        self.names = sorted(shapes)

        def init(name, shape):
            if name.endswith('norm.weight'):
                return torch.ones(shape)
            if name.endswith('.bias'):
                return torch.zeros(shape)
            return torch.randn(shape) * 0.02
        self.weights = torch.nn.ParameterList([torch.nn.Parameter(init(n, shapes[n])) for n in self.names])
        self.decoder = native.NativeDecoder(self.config, self.named_weights(), torch.device('cpu'), torch.float32)

    def named_weights(self):
        return dict(zip(self.names, self.weights))

    def forward(self, input_ids, attention_mask=None, position_ids=None, use_cache=False):
        w = self.named_weights()
        self.decoder.w = dict(w, **{'lm_head.weight': w['model.embed_tokens.weight']})  # the live parameters
        h = self.decoder.forward_hidden(input_ids, position_ids, attention_mask)
        return types.SimpleNamespace(logits=self.decoder.lin(h, 'lm_head'))


def make_model(size, rope=None, attn='sdpa', vocab=VOCAB):
    """(model, config): transformers' Qwen2ForCausalLM where transformers is installed, else NativeQwen2."""
    try:
        from transformers import Qwen2ForCausalLM
    except ImportError:
        kw = qwen2_config_kwargs(size, rope, attn, vocab)
        return NativeQwen2(kw), kw
    cfg = qwen2_config(size, rope, attn, vocab)
    return Qwen2ForCausalLM(cfg), cfg


def rotary_inv_freq(model):
    return (model.decoder.inv_freq if isinstance(model, NativeQwen2) else model.model.rotary_emb.inv_freq).detach()


def check_rope(model, cfg, rope, size):
    """The rotary frequencies must be what the recipe says (guards against config keys being ignored)."""
    d, layers, heads, kv, mlp = SIZES[size] if isinstance(size, str) else size
    dh = d // heads
    inv = rotary_inv_freq(model).double().cpu()
    base = 1.0 / (10000.0 ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
    if rope is None:
        expect = base
    elif rope[0] == 'linear':
        expect = base / rope[1]
    elif rope[0] == 'ntk':
        theta = 10000.0 * rope[1] ** (dh / (dh - 2))
        expect = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
    else:
        # YaRN: high frequencies kept, low frequencies interpolated by the factor: check both ends.
        assert abs(inv[0] / base[0] - 1) < 1e-4 and abs(inv[-1] * rope[1] / base[-1] - 1) < 1e-3, (inv, base)
        return
    assert torch.allclose(inv, expect, rtol=1e-5), (rope, inv, expect)


def autocast(dev):
    return torch.autocast('cuda', dtype=torch.bfloat16) if dev.startswith('cuda') else contextlib.nullcontext()


def train(model, src, seq_len, steps, lr, bsz_tokens, log, seconds, warmup=50, dev='cuda'):
    """AdamW with warm-up and cosine decay. If the planned steps would not fit in `seconds` (measured after 20
    steps), the plan is shortened so that the schedule still decays; the card records the steps actually run.
    bf16 autocast on a GPU; float32 on the CPU (smoke runs)."""
    model.to(dev).train()
    bsz = max(1, bsz_tokens // seq_len)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    plan = {'steps': steps}
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / plan['steps'])))))
    losses = []
    t0 = time.time()
    step = 0
    while step < plan['steps']:
        x, w = src.batch(bsz, seq_len + 1)
        x, w = x.to(dev), w[:, 1:].to(dev)
        with autocast(dev):
            logits = model(input_ids=x[:, :-1]).logits
        ce = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                                               reduction='none')
        loss = (ce * w.reshape(-1)).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step == 20:
            t20 = time.time()
        if step == 80:
            # steps 20..80 exclude start-up (CUDA context, first kernels), which would inflate the estimate
            per_step = (time.time() - t20) / 60
            fit = int((seconds - (time.time() - t0)) / per_step) + 81
            if fit < plan['steps']:
                log(f'{per_step * 1000:.0f} ms/step: {plan["steps"]} steps do not fit in {seconds}s, running {fit}')
                plan['steps'] = max(fit, 100)
        if step % 200 == 0 or step == plan['steps'] - 1:
            log(f'step {step} loss {np.mean(losses[-50:]):.3f}')
        step += 1
    model.cpu().eval()
    return float(np.mean(losses[-50:])), step


def round_weights_fp16(model):
    # Weights are stored as float16 in the ONNX file (half the size); rounding them here first makes the PyTorch
    # reference and the ONNX graph hold exactly the same values.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


# ---------------------------------------------------------------------------------------------------------------
def export_onnx(model, path, fp16_weights=True):
    import onnx
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
    ids = torch.randint(0, model.config.vocab_size, (1, n))
    mask = torch.ones(1, n, dtype=torch.long)
    pos = torch.arange(n).unsqueeze(0)
    tmp = path + '.fp32'
    torch.onnx.export(Wrapper(model).eval(), (ids, mask, pos), tmp, dynamo=False, opset_version=18,
                      input_names=['input_ids', 'attention_mask', 'position_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                                    'attention_mask': {0: 'batch_size', 1: 'sequence_length'},
                                    'position_ids': {0: 'batch_size', 1: 'sequence_length'},
                                    'logits': {0: 'batch_size', 1: 'sequence_length'}})
    m = onnx.load(tmp)
    # float32 initializers -> float16 initializers + Cast to float32 (onnxruntime folds the Cast at load); the
    # fixture keeps float32 (fp16_weights=False).
    new_inits, casts = [], []
    for init in m.graph.initializer:
        if fp16_weights and init.data_type == TensorProto.FLOAT and np.prod(init.dims) >= 256:
            arr = numpy_helper.to_array(init)
            h = numpy_helper.from_array(arr.astype(np.float16), init.name + '__fp16')
            new_inits.append(h)
            casts.append(helper.make_node('Cast', [h.name], [init.name], to=TensorProto.FLOAT, name=init.name + '__cast'))
        else:
            new_inits.append(init)
    del m.graph.initializer[:]
    m.graph.initializer.extend(new_inits)
    nodes = list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    os.remove(tmp)
    return os.path.getsize(path)


def torch_logprobs(model, ids):
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].double()
    lp = torch.log_softmax(logits, -1)
    return lp.numpy()


def onnx_logprobs(path, ids):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])
    n = len(ids)
    out = sess.run(['logits'], {'input_ids': np.array([ids], dtype=np.int64),
                                'attention_mask': np.ones((1, n), dtype=np.int64),
                                'position_ids': np.arange(n, dtype=np.int64)[None]})[0][0].astype(np.float64)
    out = out - out.max(-1, keepdims=True)
    return out - np.log(np.exp(out).sum(-1, keepdims=True))


def parity(model, path, stream, lengths=(256, LONG)):
    """max |ONNX - PyTorch| of the next-token log-probabilities at each length (float32 CPU both)."""
    res = {}
    model_eager = model
    for n in lengths:
        ids = [int(t) for t in stream[:n]]
        a = torch_logprobs(model_eager, ids)
        b = onnx_logprobs(path, ids)
        gather = lambda lp: np.array([lp[i - 1, ids[i]] for i in range(1, n)])
        res[str(n)] = float(np.abs(gather(a) - gather(b)).max())
    return res


# ---------------------------------------------------------------------------------------------------------------
def quick_eval(model, tok, hay_stream, seed, lengths=(512, 1024, 2048, LONG), n_items=24, dev='cuda'):
    """Needle retrieval by teacher-forced exact match (every value token is the arg-max), on held-out haystack
    prose, needle depths spread over the context. A check of the spread before the TypeScript downstream run."""
    rng = random.Random(seed)
    model.to(dev).eval()
    out, tok_acc = {}, {}
    for n in lengths:
        hits, tok_hits, tok_total = 0, 0, 0
        for i in range(n_items):
            key = f'{rng.choice(ADJ)}-{rng.choice(NOUN)}'
            val = ''.join(rng.choice('0123456789') for _ in range(6))
            pre = encode(tok, f' The special magic number for {key} is')
            v = encode(tok, f' {val}')
            q = encode(tok, f'\n\nQuestion: What is the special magic number for {key}?\nAnswer:')
            need = np.concatenate([pre, v, encode(tok, '.')])
            fixed = len(need) + len(q) + len(pre) + len(v)
            s = rng.randrange(0, len(hay_stream) - n)
            hay = hay_stream[s:s + n - fixed]
            cut = int((i + 0.5) / n_items * len(hay))
            seq = np.concatenate([hay[:cut], need, hay[cut:], q, pre, v])
            x = torch.from_numpy(seq[None]).to(dev)
            with torch.no_grad(), autocast(dev):
                logits = model(input_ids=x).logits[0]
            start = len(seq) - len(v)
            pred = logits[start - 1:len(seq) - 1].argmax(-1).cpu().numpy()
            hits += int((pred == seq[start:]).all())
            tok_hits += int((pred == seq[start:]).sum())
            tok_total += len(v)
        out[str(n)] = hits / n_items
        tok_acc[str(n)] = round(tok_hits / tok_total, 3)
    model.cpu()
    return {'exact': out, 'token_accuracy': tok_acc}


# ---------------------------------------------------------------------------------------------------------------
def worker(job_group, shared):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tok = __import__('tokenizers').Tokenizer.from_file(shared['tok_path'])
    prose = np.load(shared['prose_path'])
    code = np.load(shared['code_path'])
    from transformers import Qwen2ForCausalLM
    for job in job_group:
        t0 = time.time()
        name = job['name']
        log = lambda msg: print(f'[{name}] {msg}', flush=True)
        torch.manual_seed(job['seed'])
        cfg = qwen2_config(job['size'], job.get('rope'))
        model = Qwen2ForCausalLM(cfg)
        check_rope(model, cfg, job.get('rope'), job['size'])
        if job.get('init_from'):
            state = torch.load(job['init_from'], map_location='cpu')
            model.load_state_dict(state)
            check_rope(model, cfg, job.get('rope'), job['size'])
        loss = None
        if job['steps'] > 0:
            src = SeqSource(tok, prose, code, job['mix'], job['seed'], packed=job.get('packed', False),
                            tasks=job.get('tasks', False))
            loss, done_steps = train(model, src, job['seq_len'], job['steps'], job['lr'], job['bsz_tokens'], log,
                                     job['seconds'])
            job['steps_run'] = done_steps
        torch.save(model.state_dict(), job['ckpt'])
        json.dump({'final_loss': loss, 'seconds': time.time() - t0, 'steps_run': job.get('steps_run', 0),
                   'params': sum(p.numel() for p in model.parameters())},
                  open(job['ckpt'] + '.json', 'w'))
        log(f'done loss={loss} in {time.time() - t0:.1f}s')


def run_parallel(groups, shared):
    ctx = mp.get_context('spawn')
    procs = [ctx.Process(target=worker, args=(g, shared)) for g in groups if g]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    bad = [p.exitcode for p in procs if p.exitcode != 0]
    if bad:
        sys.exit(f'build_zoo: a training process failed with exit codes {bad}')


def split_groups(jobs, k):
    groups = [[] for _ in range(k)]
    for i, j in enumerate(sorted(jobs, key=lambda j: -j['steps'] * j['seq_len'])):
        groups[i % k].append(j)
    return groups


def finish(t, out, work):
    from transformers import Qwen2ForCausalLM
    import tokenizers
    torch.set_num_threads(2)
    name = t['name']
    tok = tokenizers.Tokenizer.from_file(os.path.join(out, 'tokenizer', 'tokenizer.json'))
    hay_stream = np.load(os.path.join(work, 'hay.npy'))
    cfg = qwen2_config(t['size'], t['rope'], attn='eager')
    model = Qwen2ForCausalLM(cfg)
    model.load_state_dict(torch.load(os.path.join(work, f'{name}.pt'), map_location='cpu'))
    model.eval()
    round_weights_fp16(model)
    folder = t['folder']
    os.makedirs(folder, exist_ok=True)
    cfg.save_pretrained(folder)
    for f in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copyfile(os.path.join(out, 'tokenizer', f), os.path.join(folder, f))
    size_bytes = export_onnx(model, os.path.join(folder, 'onnx', 'model.onnx'))
    par = parity(model, os.path.join(folder, 'onnx', 'model.onnx'), hay_stream)
    if max(par.values()) > 1e-3:
        raise RuntimeError(f'ONNX vs PyTorch parity of {name} is {par} (> 1e-3)')
    meta = json.load(open(os.path.join(work, f'{name}.pt.json')))
    card = dict(name=name, config=cfg.to_dict(), params=meta['params'], onnx_bytes=size_bytes,
                final_loss=meta['final_loss'], train_seconds=meta['seconds'], steps_run=meta['steps_run'],
                onnx_vs_torch_max_abs_logprob=par,
                weights='float16 initializers cast to float32 in the graph; PyTorch reference uses the same rounded values',
                **t['extra'])
    if t['golden_text'] is not None:
        golden(model, tok, t['golden_text'], os.path.join(folder, 'golden_logprobs.json'))
    if t['quick_eval']:
        card['quick_eval_needle_exact_match'] = quick_eval(model, tok, hay_stream, 1234)
    json.dump(card, open(os.path.join(folder, 'model_card.json'), 'w'), indent=1)
    return card


def corpus_docs(tok, recs, ids, n_tokens, source):
    docs = []
    for did in ids:
        text = recs[did]['text']
        enc = tok.encode(text)
        if len(enc.ids) < n_tokens:
            continue
        end_char = enc.offsets[n_tokens - 1][1]
        cut = text[:end_char]
        # re-tokenizing the cut text must give the same first n tokens (cut at a token boundary)
        if tok.encode(cut).ids != enc.ids[:n_tokens]:
            continue
        docs.append({'id': did, 'text': cut, 'n_tokens': n_tokens, 'source': source})
    return docs


def golden(model, tok, text, path):
    enc = tok.encode(text)
    ids = enc.ids[:600]
    text = text[:enc.offsets[len(ids) - 1][1]]
    enc = tok.encode(text)
    assert enc.ids == ids
    b = lambda ch: len(text[:ch].encode('utf-8'))
    cases = []
    for name, off in (('full', 0), ('last128', len(ids) - 128)):
        sub = ids[off:]
        lp = torch_logprobs(model, sub)
        p = np.exp(lp)
        ent = -(p * lp).sum(-1)
        cases.append({
            'name': name, 'offset_tokens': off, 'token_ids': sub,
            'byte_start': [b(enc.offsets[off + i][0]) for i in range(len(sub))],
            'byte_end': [b(enc.offsets[off + i][1]) for i in range(len(sub))],
            'logprob': [None] + [float(lp[i - 1, sub[i]]) for i in range(1, len(sub))],
            'entropy': [None] + [float(ent[i - 1]) for i in range(1, len(sub))],
            'top1': [None] + [int(lp[i - 1].argmax() == sub[i]) for i in range(1, len(sub))],
        })
    json.dump({'description': 'PyTorch float32 (CPU) next-token statistics of the fixture model; no BOS, position 0 has '
               'no prediction; byte spans are UTF-8 offsets into text', 'text': text,
               'torch': torch.__version__, 'transformers': __import__('transformers').__version__, 'cases': cases},
              open(path, 'w'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--procs', type=int, default=6)
    ap.add_argument('--scale', type=float, default=1.0, help='multiply training steps (smoke runs: 0.02)')
    ap.add_argument('--phase1-seconds', type=float, default=290, help='time budget of each from-scratch training job')
    ap.add_argument('--phase2-seconds', type=float, default=90, help='time budget of each continued-training job')
    args = ap.parse_args()
    t_start = time.time()
    out = args.out
    work = os.path.join(out, '_work')
    os.makedirs(work, exist_ok=True)
    split, recs, code = load_texts(args.data)

    train_texts = [recs[d]['text'] for d in split['train']]
    code_texts = [c['text'] for c in code]
    tok = train_tokenizer(train_texts + code_texts, os.path.join(out, 'tokenizer'))
    tok_path = os.path.join(out, 'tokenizer', 'tokenizer.json')
    eot = tok.token_to_id(EOT)
    prose = np.concatenate([np.append(encode(tok, t), eot) for t in train_texts])
    codes = np.concatenate([np.append(encode(tok, t), eot) for t in code_texts])
    np.save(os.path.join(work, 'prose.npy'), prose)
    np.save(os.path.join(work, 'code.npy'), codes)
    hay_texts = [recs[d]['text'] for d in split['haystack']]
    hay_stream = np.concatenate([encode(tok, t) for t in hay_texts])
    print(f'tokenizer: vocab {tok.get_vocab_size()}; prose {len(prose)} tokens, code {len(codes)}, haystack {len(hay_stream)}',
          flush=True)
    shared = {'tok_path': tok_path, 'prose_path': os.path.join(work, 'prose.npy'), 'code_path': os.path.join(work, 'code.npy')}

    def job(name, base, rope=None, init_from=None, steps=None, seq_len=None):
        b = BASES[base]
        steps = b['steps'] if steps is None else steps
        return dict(name=name, size=b['size'], mix=b['mix'], rope=rope, init_from=init_from,
                    packed=b.get('packed', False) and init_from is None, tasks=init_from is not None,
                    steps=max(1, int(steps * args.scale)) if steps > 0 else 0,
                    seq_len=seq_len or b['train_len'], lr=3e-3 if init_from is None else 1e-3, bsz_tokens=32768,
                    seed=sum(map(ord, name)), ckpt=os.path.join(work, f'{name}.pt'),
                    seconds=args.phase1_seconds if init_from is None else args.phase2_seconds)

    # Phase 1: bases (and the fixture) from scratch.
    base_jobs = [job(n, n) for n in BASES]
    run_parallel(split_groups(base_jobs, len(base_jobs)), shared)  # one process per job: the time budgets run side by side
    print(f'phase 1 done at {time.time() - t_start:.0f}s', flush=True)
    # Phase 2: derived models (RoPE change, optional continued training at LONG).
    derived = []
    for name, (base, rope, ft, _, _) in ZOO.items():
        if name in BASES:
            continue
        derived.append(job(name, base, rope=rope, init_from=os.path.join(work, f'{base}.pt'),
                           steps=FT_STEPS if ft else 0, seq_len=LONG))
    run_parallel(split_groups(derived, len(derived)), shared)
    print(f'phase 2 done at {time.time() - t_start:.0f}s', flush=True)

    # Phase 3: export, parity, quick evaluation, cards (one process per model, in parallel).
    data_note = 'GovReport training split (data/zoo_split.json) + Python 3.11 stdlib sources'
    fb = BASES['fixture']
    tasks = [dict(name='fixture', size=fb['size'], rope=None, folder=os.path.join(out, 'fixtures', 'models', 'tiny-qwen2'),
                  golden_text=hay_texts[0], quick_eval=False,
                  extra=dict(recipe=dict(train_len=fb['train_len'], mix=fb['mix'], steps=int(fb['steps'] * args.scale),
                                         seed=sum(map(ord, 'fixture')), lr=3e-3, batch_tokens=32768), data=data_note))]
    for name, (base, rope, ft, desc, analogue) in ZOO.items():
        b = BASES[base]
        recipe = dict(base=base, trained_len=b['train_len'], size=b['size'], size_dims=SIZES[b['size']], mix=b['mix'],
                      mix_shares=MIXES[b['mix']], base_steps=int(b['steps'] * args.scale),
                      packed=b.get('packed', False),
                      task_episodes_in_continued_training=bool(ft),
                      rope_change=None if rope is None else {'kind': rope[0], 'factor': rope[1]},
                      continued_steps_at_4096=int(FT_STEPS * args.scale) if ft else 0,
                      seed_base=sum(map(ord, base)), seed=sum(map(ord, name)), batch_tokens=32768)
        tasks.append(dict(name=name, size=b['size'], rope=rope, folder=os.path.join(out, 'fixtures', 'zoo', name),
                          golden_text=None, quick_eval=True,
                          extra=dict(recipe=recipe, description=desc, locked_analogue=analogue, data=data_note)))
    np.save(os.path.join(work, 'hay.npy'), hay_stream)
    ctx = mp.get_context('spawn')
    with ctx.Pool(args.procs) as pool:
        cards = pool.starmap(finish, [(t, out, work) for t in tasks])
    listing = []
    for t, card in zip(tasks, cards):
        print(f"{t['name']}: {card['params']} params, {card['onnx_bytes']} bytes, loss {card['final_loss']}, "
              f"parity {par_fmt(card)}, needle {card.get('quick_eval_needle_exact_match')}", flush=True)
        if t['name'] != 'fixture':
            listing.append({'id': f"zoo/{t['name']}", 'dir': f"fixtures/zoo/{t['name']}",
                            'description': t['extra']['description'], 'analogue': t['extra']['locked_analogue']})
    json.dump({'tokenizer': 'shared by all models (tokenizer.json in each folder)', 'models': listing},
              open(os.path.join(out, 'fixtures', 'zoo', 'models.json'), 'w'), indent=1)

    # Proxy corpus and haystack (held-out GovReport documents cut to 4096 zoo tokens).
    os.makedirs(os.path.join(out, 'data', 'proxy'), exist_ok=True)
    proxy = corpus_docs(tok, recs, split['proxy'], LONG, 'GovReport (public domain), see data/README.md')
    json.dump(proxy, open(os.path.join(out, 'data', 'proxy', f'zoo_{len(proxy)}docs_4k_tokens.json'), 'w'), indent=1)
    hay = [{'id': d, 'text': recs[d]['text'], 'n_tokens': len(tok.encode(recs[d]['text']).ids),
            'source': 'GovReport (public domain), see data/README.md'} for d in split['haystack']]
    json.dump(hay, open(os.path.join(out, 'data', 'zoo_haystack.json'), 'w'), indent=1)
    shutil.rmtree(work)
    print(f'all done in {time.time() - t_start:.0f}s', flush=True)


def par_fmt(card):
    return {k: f'{v:.1e}' for k, v in card['onnx_vs_torch_max_abs_logprob'].items()}


if __name__ == '__main__':
    main()
