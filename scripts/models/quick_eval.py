"""Quick retrieval evaluation of a zoo model (Python, on the GPU machine), written into its model card so the
spread is known before the TypeScript downstream run. Items are built in token space in the downstream tasks'
formats (harness/tasks/generators): single needle, multi-key needle (4 keys), JSON key-value, variable tracking
(chain of 4 + 1 distractor chain) and a report question (a held-out sentence with a figure, quoted up to the
figure) in held-out GovReport haystack text, needles at depths spread over the context. Score: teacher-forced
exact match (every answer token is the arg-max), per task and length."""
import numpy as np
import torch

import episodes as ep
from train_loop import autocast

TASKS = ('niah_single', 'niah_multikey', 'kv', 'vt', 'doc_qa', 'copy')


class ItemMaker:
    def __init__(self, encode, hay, facts, seed):
        self.encode = encode
        self.hay = hay
        self.facts = facts  # list of (ids, start, end)
        self.rng = np.random.default_rng(seed)

    def enc(self, s):
        return np.asarray(self.encode(s), dtype=np.int64)

    def fill(self, n):
        s = int(self.rng.integers(0, len(self.hay) - n - 1))
        return self.hay[s:s + n]

    def assemble(self, length, header, inserts, tail):
        """header + haystack with inserts [(depth, ids)] + tail [(ids, is_answer)], exactly `length` tokens."""
        fixed = len(header) + sum(len(x) for _, x in inserts) + sum(len(x) for x, _ in tail)
        hay = self.fill(length - fixed)
        parts, prev = [header], 0
        for d, ids in sorted(inserts, key=lambda x: x[0]):
            cut = int(d * len(hay))
            parts += [hay[prev:cut], ids]
            prev = cut
        parts.append(hay[prev:])
        ctx = np.concatenate(parts)
        seq = np.concatenate([ctx] + [x for x, _ in tail])
        mask = np.concatenate([np.zeros(len(ctx), bool)] + [np.full(len(x), a) for x, a in tail])
        assert len(seq) == length, (len(seq), length)
        return seq, mask

    def key(self):
        return f'{self.rng.choice(ep.ADJ)}-{self.rng.choice(ep.NOUN)}'

    def num(self):
        return ''.join(str(d) for d in self.rng.integers(0, 10, 6))

    def item(self, task, length, depth):
        e = self.enc
        if task in ('niah_single', 'niah_multikey'):
            k = 1 if task == 'niah_single' else 4
            keys = list(dict.fromkeys(self.key() for _ in range(k * 3)))[:k]
            vals = [self.num() for _ in keys]
            pre = [e(f' The special magic number for {x} is') for x in keys]
            val = [e(' ' + v) for v in vals]
            ins = [(depth if i == 0 else float(self.rng.random()), np.concatenate([pre[i], val[i], e('.')])) for i in range(k)]
            q = e(f'\n\nQuestion: What is the special magic number for {keys[0]} mentioned in the provided text?\nAnswer:')
            return self.assemble(length, e(ep.NEEDLE_HEADER), ins, [(q, False), (pre[0], False), (val[0], True)])
        if task == 'kv':
            hexs = lambda: ''.join(ep.HEX[i] for i in self.rng.integers(0, 16, 8))
            qk = hexs()
            line, qv, close = e(f'\n"{qk}": "'), e(hexs()), e('",')
            header, end = e(ep.KV_HEADER), e('\n}')
            question = e(f'\n\nQuestion: What is the value of the key "{qk}" in the JSON object above?\nAnswer:')
            fixed = len(header) + len(line) * 2 + len(qv) * 2 + len(close) + len(end) + len(question)
            units, used = [], 0
            while used < length - fixed:
                units.append(np.concatenate([e(f'\n"{hexs()}": "'), e(hexs()), close]))
                used += len(units[-1])
            units[-1] = units[-1][:len(units[-1]) - (used - (length - fixed))]  # the last line cut, as takeExactly does
            at = int(depth * len(units))
            ctx = np.concatenate([header] + units[:at] + [line, qv, close] + units[at:] + [end, question])
            seq = np.concatenate([ctx, line, qv])
            mask = np.concatenate([np.zeros(len(ctx) + len(line), bool), np.ones(len(qv), bool)])
            assert len(seq) == length, (len(seq), length)
            return seq, mask
        if task == 'vt':
            chains = []
            for _ in range(2):
                names = [''.join(ep.UPPER[i] for i in self.rng.integers(0, 26, 5)) for _ in range(4)]
                chains.append((names, self.num()))
            ins = []
            for c, (names, v) in enumerate(chains):
                ds = sorted([depth] + list(depth + (1 - depth) * self.rng.random(3))) if c == 0 else sorted(self.rng.random(4))
                stm = [e(f' VAR {names[0]} = {v}.')] + [e(f' VAR {names[j]} = VAR {names[j - 1]}.') for j in range(1, 4)]
                ins += list(zip(ds, stm))
            names, v = chains[0]
            tail = [(e(f'\n\nQuestion: What value does VAR {names[3]} hold? Trace its assignments back to the number.\nAnswer:'), False)]
            for j in range(3, -1, -1):
                if j < 3:
                    tail.append((e('.'), False))
                if j > 0:
                    tail += [(e(f' VAR {names[j]} = VAR'), False), (e(f' {names[j - 1]}'), True)]
                else:
                    tail += [(e(f' VAR {names[0]} ='), False), (e(f' {v}'), True)]
            return self.assemble(length, e(ep.VT_HEADER), ins, tail)
        if task == 'doc_qa':
            ids, s, t = self.facts[int(self.rng.integers(0, len(self.facts)))]
            return self.assemble(length, e(ep.QA_HEADER), [(depth, ids)],
                                 [(e(ep.QA_QUESTION), False), (ids[:s], False), (ids[s:t], True)])
        if task == 'copy':
            # a 48-token held-out passage at the depth, its first 24 tokens repeated at the end, the rest to copy
            ids, _, _ = self.facts[int(self.rng.integers(0, len(self.facts)))]
            s = int(self.rng.integers(0, len(self.hay) - 48))
            p = self.hay[s:s + 48]
            return self.assemble(length, self.enc(''), [(depth, p)], [(self.enc('\n\n'), False), (p[:24], False), (p[24:32], True)])
        raise ValueError(task)


def evaluate(model, encode, hay, facts, seed, lengths=(512, 1024, 2048, 4096), n_items=10, device='cuda', batch=2):
    """{task: {length: exact-match share}}, plus 'mean_no512' (mean over tasks and the lengths above 512)."""
    maker = ItemMaker(encode, hay, facts, seed)
    model.to(device).eval()
    res = {}
    for task in TASKS:
        res[task] = {}
        for n in lengths:
            items = [maker.item(task, n, (i + 0.5) / n_items) for i in range(n_items)]
            x = torch.from_numpy(np.stack([s for s, _ in items])).to(device)
            preds = []
            with torch.no_grad(), autocast(device):
                for c in range(0, len(items), batch):  # small batches: eager attention holds [b, h, n, n] scores
                    preds.append(model(input_ids=x[c:c + batch, :-1]).logits.argmax(-1).cpu().numpy())
            pred = np.concatenate(preds)
            hits = 0
            for (seq, mask), p in zip(items, pred):
                m = mask[1:]
                hits += int((p[m] == seq[1:][m]).all())
            res[task][str(n)] = round(hits / n_items, 3)
    model.cpu()
    above = [res[t][str(n)] for t in TASKS for n in lengths[1:]]
    res['mean_no512'] = round(float(np.mean(above)), 4)
    return res
