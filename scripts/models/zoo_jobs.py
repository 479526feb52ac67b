"""Training jobs (one process each, side by side on one GPU) and the per-model finish step (fp16 rounding, ONNX
export, ONNX-vs-PyTorch parity at 256 and 4096 tokens, quick retrieval evaluation, model card)."""
import json
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.multiprocessing as mp

import zoo_common as zc

# (d_model, layers, heads, kv_heads, mlp)
SIZES = {
    'xs': (64, 2, 2, 1, 192),
    's': (96, 2, 4, 2, 256),
    'm': (128, 3, 4, 2, 256),
    'l': (160, 4, 4, 2, 320),
    'fixture': (96, 2, 4, 2, 256),
}


def make_model(dims, rope, attn='sdpa'):
    from transformers import Qwen2ForCausalLM
    cfg = zc.qwen2_config(dims, rope, attn)
    model = Qwen2ForCausalLM(cfg)
    rope_info = zc.check_rope(model, rope, dims[0] // dims[2])
    return model, cfg, rope_info


class Streams:
    """Token streams prepared once by the parent process (work/streams.npz) and the tokenizer."""

    def __init__(self, work, tok_path):
        from tokenizers import Tokenizer
        self.tok = Tokenizer.from_file(tok_path)
        z = np.load(os.path.join(work, 'streams.npz'), allow_pickle=False)
        self.prose, self.code, self.hay = z['prose'], z['code'], z['hay']
        self.train_facts = split_ragged(z['train_fact_ids'], z['train_fact_len'])
        hay_sentences = split_ragged(z['hay_fact_ids'], z['hay_fact_len'])
        self.vocab = self.tok.get_vocab()
        inv = {v: k for k, v in self.vocab.items()}
        dec = byte_decoder()
        # raw bytes of each token (special tokens: their text), and a printable form for the episode filters
        self.raw = [bytes(dec[c] for c in inv[i]) if all(c in dec for c in inv[i]) else inv[i].encode()
                    for i in range(len(inv))]
        self.pieces = [b.decode('utf-8', errors='replace') for b in self.raw]
        import episodes
        # (ids, start, end) of held-out sentences with a figure, for the quick evaluation's report questions
        self.hay_facts = [f for f in (episodes.fact_split(x, self.piece) for x in hay_sentences) if f is not None]

    def encode(self, text):
        return np.asarray(self.tok.encode(text).ids, dtype=np.int64)

    def piece(self, i):
        return self.pieces[i]


def byte_decoder():
    """GPT-2's byte-to-unicode table inverted: stand-in character -> byte value."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def split_ragged(flat, lens):
    out, p = [], 0
    for n in lens:
        out.append(flat[p:p + n])
        p += n
    return out


def prepare_streams(tok, recs, split, code, work):
    """Token streams for training (prose, code: documents joined by the end-of-text token), the held-out haystack
    stream, and sentences that hold a number (training: from training documents; evaluation: from haystack ones)."""
    import episodes
    eot = tok.token_to_id(zc.EOT)

    def stream(texts, sep):
        encs = tok.encode_batch(texts)
        return np.concatenate([np.append(np.array(e.ids, dtype=np.int64), [eot] if sep else []) for e in encs]).astype(np.int64)

    def fact_sentences(texts):
        sents = [s for t in texts for s in episodes.split_sentences(t) if any(ch.isdigit() for ch in s)]
        encs = tok.encode_batch([' ' + s for s in sents])
        return [np.array(e.ids, dtype=np.int64) for e in encs if 8 <= len(e.ids) <= 80]

    train_texts = [recs[d]['text'] for d in split['train']]
    hay_texts = [recs[d]['text'] for d in split['haystack']]
    tf, tl = pack_ragged(fact_sentences(train_texts))
    hf, hl = pack_ragged(fact_sentences(hay_texts))
    os.makedirs(work, exist_ok=True)
    np.savez(os.path.join(work, 'streams.npz'), prose=stream(train_texts, True),
             code=stream([c['text'] for c in code], True), hay=stream(hay_texts, False),
             train_fact_ids=tf, train_fact_len=tl, hay_fact_ids=hf, hay_fact_len=hl)
    z = np.load(os.path.join(work, 'streams.npz'))
    return {k: int(len(z[k])) for k in ('prose', 'code', 'hay', 'train_fact_len', 'hay_fact_len')}


def pack_ragged(arrays):
    return np.concatenate(arrays).astype(np.int64), np.array([len(a) for a in arrays], dtype=np.int64)


def worker(jobs, shared):
    import episodes
    from train_loop import train
    torch.set_num_threads(1)
    torch.backends.cuda.matmul.allow_tf32 = True
    st = Streams(shared['work'], shared['tok_path'])
    for job in jobs:
        t0 = time.time()
        name = job['name']
        log = lambda msg: print(f'[{name}] {msg}', flush=True)
        torch.manual_seed(job['seed'])
        model, cfg, rope_info = make_model(SIZES[job['size']], job.get('rope'))
        if job.get('init_from'):
            state = torch.load(job['init_from'], map_location='cpu')
            model.load_state_dict(state)
            rope_info = zc.check_rope(model, job.get('rope'), SIZES[job['size']][0] // SIZES[job['size']][2])
        loss, steps_run, curve = None, 0, []
        if job['steps'] > 0:
            src = episodes.SeqSource(st.encode, st.piece, st.prose, st.code, job['mix'], job['seed'], st.train_facts)
            loss, steps_run, curve = train(model, src, job['seq_len'], job['steps'], job['lr'], job['bsz_tokens'],
                                           job['seconds'], log)
        torch.save(model.state_dict(), job['ckpt'] + '.tmp')
        os.replace(job['ckpt'] + '.tmp', job['ckpt'])
        zc.write_json(job['ckpt'] + '.json', {'final_loss': loss, 'seconds': round(time.time() - t0, 1),
                                              'steps_run': steps_run, 'loss_curve': curve, 'rope_check': rope_info,
                                              'params': zc.param_count(model)})
        log(f'done: loss {loss} after {steps_run} steps in {time.time() - t0:.0f}s')


def run_parallel(jobs, shared):
    """One process per job: their time budgets run side by side on the GPU."""
    ctx = mp.get_context('spawn')
    procs = [ctx.Process(target=worker, args=([j], shared)) for j in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    bad = [j['name'] for j, p in zip(jobs, procs) if p.exitcode != 0]
    if bad:
        print(f'zoo_jobs: training processes failed: {bad}', flush=True)
    return bad


def finish(task, shared):
    """Export one trained model into its folder and write its card. Raises if ONNX and PyTorch disagree by more
    than 1e-3 in any next-token log-probability at 256 or 4096 tokens."""
    import quick_eval
    torch.set_num_threads(2)
    st = Streams(shared['work'], shared['tok_path'])
    name, folder = task['name'], task['folder']
    model, cfg, rope_info = make_model(SIZES[task['size']], task['rope'], attn='eager')
    model.load_state_dict(torch.load(task['ckpt'], map_location='cpu'))
    rope_info = zc.check_rope(model, task['rope'], SIZES[task['size']][0] // SIZES[task['size']][2])
    model.eval()
    fp16 = task.get('fp16', True)
    if fp16:
        zc.round_weights_fp16(model)
    os.makedirs(folder, exist_ok=True)
    cfg.save_pretrained(folder)
    if task.get('safetensors'):
        model.save_pretrained(folder)
    for f in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copyfile(os.path.join(shared['tok_dir'], f), os.path.join(folder, f))
    onnx_path = os.path.join(folder, 'onnx', 'model.onnx')
    size = zc.export_onnx(model, onnx_path, fp16)
    par = zc.parity(model, onnx_path, st.hay)
    if max(par.values()) > 1e-3:
        raise RuntimeError(f'{name}: ONNX vs PyTorch max |log-prob difference| {par} exceeds 1e-3')
    meta = json.load(open(task['ckpt'] + '.json'))
    card = dict(name=name, model_type='qwen2', params=meta['params'], onnx_bytes=size,
                weights=('float16 initializers cast to float32 in the graph; the PyTorch reference (parity, golden '
                         'values) uses the same rounded weights') if fp16 else 'float32',
                final_train_loss=meta['final_loss'], train_seconds_last_stage=meta['seconds'],
                steps_run_last_stage=meta['steps_run'], loss_curve_last_stage=meta['loss_curve'],
                rope_check=rope_info, onnx_vs_torch_max_abs_logprob=par, config=cfg.to_dict(), **task['extra'])
    if task.get('quick_eval'):
        t0 = time.time()
        card['quick_eval'] = quick_eval.evaluate(model, st.encode, st.hay, st.hay_facts, seed=1234)
        card['quick_eval']['note'] = ('teacher-forced exact match, 10 items per task and length, held-out GovReport '
                                      'haystack (data/zoo_haystack.json); scripts/models/quick_eval.py')
        card['quick_eval']['seconds'] = round(time.time() - t0, 1)
    if task.get('golden'):
        task['golden'](model, st)
    zc.write_json(os.path.join(folder, 'model_card.json'), card)
    return card
