"""Training sequences for the zoo, in token space: windows of prose or code into which, for a share of the
sequences, retrieval-shaped episodes are inserted -- a fact (a "special magic number", a JSON line, a variable
assignment chain, a sentence with a figure) stated once and asked for or restated later, at any distance up to the
sequence length. This is the kind of synthetic long-context data that long-context training mixes use (RULER-style
formats; FILM-7B's information-anywhere training). A model learns to retrieve across the lengths it was trained
at; what it does beyond them depends on its RoPE and on continued training at the long length.

Pure numpy + an `encode(text) -> int array` and a `piece(id) -> str` function: testable without a GPU, a model or
the `tokenizers` package (scripts/models/test_episodes.py uses a character-level stand-in)."""
import re

import numpy as np

ADJ = ('amber brisk calm dusty eager faint gentle hollow icy jolly keen lively mellow noble odd pale quiet rapid '
       'silent tidy upper vivid wary young bold crisp dark early fierce golden hidden lucky misty narrow proud rusty '
       'red blue green silver ancient bright hollow rough sharp urban warm brave clever steady sunny frozen humble '
       'loud mighty polite rare royal shiny sleepy smooth sour spicy swift tall tiny windy wooden').split()
NOUN = ('falcon river lantern meadow harbor canyon violin garden pebble comet forest island kettle ladder marble '
        'needle orchard pillow quarry saddle tunnel valley wagon anchor beacon candle desert engine feather glacier '
        'hammer jacket lemon mirror oyster parrot table rocket basket dragon magnet bridge castle cactus dolphin '
        'helmet lizard mountain pencil rabbit spider thunder tiger tomato window zebra violet walnut ribbon').split()
ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth']
UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
HEX = '0123456789abcdef'
NEEDLE_HEADER = ('Some special magic numbers are hidden within the following text. Make sure to memorize them. '
                 'I will quiz you about the numbers afterwards.\n')
VT_HEADER = 'Memorize and track the chain of variable assignments hidden in the following text.\n'
KV_HEADER = 'Extract the value corresponding to the specified key in the JSON object below.\n\nJSON data:\n{'
QA_HEADER = 'Read the following report and answer the question about it.\n\n'
QA_QUESTION = '\n\nQuestion: According to the report above, what figure completes this sentence?\nAnswer:'
NEEDLE_TEMPLATES = ['The special magic number for {k} is', 'The special magic number for {k} is',
                    'The access code for {k} is', 'The reference number for {k} is']

# Loss weight of answer tokens (the value a question asks for): retrieval is a small share of all tokens, and
# tiny models learn it far faster when its targets weigh more than ordinary next-token prediction.
ANSWER_WEIGHT = 5.0

# Mixes: share of sequences with episodes (p_synth), share of windows taken from code (p_code), and the share of
# a structured sequence's tokens that episodes take (the rest is haystack).
MIXES = {
    'prose': dict(p_synth=0.75, p_code=0.1),
    'code': dict(p_synth=0.75, p_code=0.55),
    'lm': dict(p_synth=0.0, p_code=0.1),
}

_SENT = re.compile(r'(?<=[.!?])\s+(?=[A-Z0-9"\'(])')
_YEAR = re.compile(r'^(1[89]|20)\d\d$')


def split_sentences(text):
    flat = ' '.join(text.split())
    return [s for s in _SENT.split(flat) if s]


def fact_split(ids, piece):
    """(ids, start, end) of a sentence whose first number token comes after >= 6 tokens and is a figure (not a
    year, not glued to a word), as the downstream report questions choose them; None for other sentences."""
    start = -1
    for i, t in enumerate(ids):
        if re.search(r'\d', piece(int(t))):
            start = i
            break
    if start < 6 or not re.fullmatch(r' ?\$?[\d.,]+', piece(int(ids[start]))):
        return None
    end = start + 1
    while end < len(ids) and re.fullmatch(r'[\d.,]+', piece(int(ids[end]))):
        end += 1
    while end > start + 1 and re.fullmatch(r'[.,]+', piece(int(ids[end - 1]))):
        end -= 1
    if end < len(ids) and re.match(r'[A-Za-z-]', piece(int(ids[end]))):
        return None
    fig = ''.join(piece(int(t)) for t in ids[start:end]).strip().lstrip('$')
    if _YEAR.fullmatch(fig):
        return None
    return np.asarray(ids, dtype=np.int64), start, end


class SeqSource:
    def __init__(self, encode, piece, prose, code, mix, seed, fact_sentences=()):
        """prose, code: 1-D int arrays (token streams); fact_sentences: token arrays of sentences (each encoded
        with one leading space) that hold a figure, used for report-question episodes."""
        self.encode, self.piece = encode, piece
        self.prose, self.code = prose, code
        self.mix = MIXES[mix]
        self.rng = np.random.default_rng(seed)
        self._cache = {}
        self.facts = [f for f in (self._fact_split(s) for s in fact_sentences) if f is not None]

    # -- helpers --------------------------------------------------------------------------------------------
    def enc(self, text):
        ids = self._cache.get(text)
        if ids is None:
            ids = np.asarray(self.encode(text), dtype=np.int64)
            if len(self._cache) < 100_000:
                self._cache[text] = ids
        return ids

    def rand(self):
        return float(self.rng.random())

    def randint(self, a, b):
        return int(self.rng.integers(a, b + 1))

    def choice(self, seq):
        return seq[int(self.rng.integers(0, len(seq)))]

    def chars(self, k, alphabet):
        return ''.join(alphabet[i] for i in self.rng.integers(0, len(alphabet), k))

    def number(self):
        return str(self.randint(1, 9)) + self.chars(self.randint(3, 6), '0123456789')

    def key(self):
        return f'{self.choice(ADJ)}-{self.choice(NOUN)}'

    def window(self, n, code=None):
        if code is None:
            code = self.rand() < self.mix['p_code']
        src = self.code if code else self.prose
        s = int(self.rng.integers(0, len(src) - n - 1))
        return src[s:s + n]

    def _fact_split(self, ids):
        return fact_split(ids, self.piece)

    def ans(self, prompt_ids, answer_ids, tail=None):
        """A late piece: prompt tokens (weight 1), answer tokens (ANSWER_WEIGHT), optional tail (weight 1)."""
        tail = np.zeros(0, np.int64) if tail is None else tail
        ids = np.concatenate([prompt_ids, answer_ids, tail])
        w = np.concatenate([np.ones(len(prompt_ids)), np.full(len(answer_ids), ANSWER_WEIGHT), np.ones(len(tail))])
        return ids, w.astype(np.float32)

    # -- episodes: (early pieces in order, late pieces after them); late pieces are (ids, weights) ----------
    def needle_episode(self):
        k = self.key()
        if self.rand() < 0.25:
            m = self.randint(2, 4)
            vals = [self.number() for _ in range(m)]
            stmts = [f' The {ORDINALS[i]} special magic number for {k} is' for i in range(m)]
            early = [self.enc(s + ' ' + v + '.') for s, v in zip(stmts, vals)]
            q = f'\n\nQuestion: What are all the special magic numbers for {k} mentioned in the provided text?\nAnswer:'
            ids, w = [self.enc(q)], [np.ones(len(self.enc(q)), np.float32)]
            for i, (st, v) in enumerate(zip(stmts, vals)):
                a, b = self.ans(self.enc(('.' if i else '') + st), self.enc(' ' + v))
                ids.append(a)
                w.append(b)
            ids.append(self.enc('.\n'))
            w.append(np.ones(len(ids[-1]), np.float32))
            return early, [(np.concatenate(ids), np.concatenate(w))]
        v = self.number()
        t = self.choice(NEEDLE_TEMPLATES).format(k=k)
        stmt, val = self.enc(' ' + t), self.enc(' ' + v)
        early = [np.concatenate([stmt, val, self.enc('.')])]
        late = []
        for _ in range(self.randint(1, 2)):  # asked once or twice, at different distances
            if self.rand() < 0.8:
                noun = t[4:t.index(' for ')]
                q = self.enc(f'\n\nQuestion: What is the {noun} for {k} mentioned in the provided text?\nAnswer:')
                late.append(self.ans(np.concatenate([q, stmt]), val, self.enc('.\n')))
            else:
                late.append(self.ans(stmt, val, self.enc('.')))
        return early, late

    def vt_episode(self):
        n = self.randint(2, 5)
        names = [self.chars(5, UPPER) for _ in range(n)]
        v = self.number()
        stmts = [f' VAR {names[0]} = {v}.'] + [f' VAR {names[j]} = VAR {names[j - 1]}.' for j in range(1, n)]
        q = self.enc(f'\n\nQuestion: What value does VAR {names[-1]} hold? Trace its assignments back to the number.\nAnswer:')
        ids, w = [q], [np.ones(len(q), np.float32)]
        for j in range(n - 1, -1, -1):
            lhs = ('.' if j < n - 1 else '') + (f' VAR {names[j]} = VAR' if j > 0 else f' VAR {names[0]} =')
            a, b = self.ans(self.enc(lhs), self.enc(f' {names[j - 1]}' if j > 0 else f' {v}'))
            ids.append(a)
            w.append(b)
        ids.append(self.enc('.\n'))
        w.append(np.ones(len(ids[-1]), np.float32))
        return [self.enc(s) for s in stmts], [(np.concatenate(ids), np.concatenate(w))]

    def kv_episode(self):
        pairs = [(self.chars(8, HEX), self.chars(8, HEX)) for _ in range(self.randint(3, 16))]
        lines = [self.enc(f'\n"{a}": "') for a, _ in pairs]
        vals = [self.enc(b) for _, b in pairs]
        close = self.enc('",')
        block = np.concatenate([self.enc('\n{')] + [x for l, v in zip(lines, vals) for x in (l, v, close)] + [self.enc('\n}')])
        late = []
        for _ in range(self.randint(1, 2)):
            i = self.randint(0, len(pairs) - 1)
            q = self.enc(f'\n\nQuestion: What is the value of the key "{pairs[i][0]}" in the JSON object above?\nAnswer:')
            late.append(self.ans(np.concatenate([q, lines[i]]), vals[i], self.enc('"\n')))
        return [block], late

    def fact_episode(self):
        ids, start, end = self.choice(self.facts)
        return [ids], [self.ans(np.concatenate([self.enc(QA_QUESTION), ids[:start]]), ids[start:end], self.enc('\n'))]

    def episode(self):
        r = self.rand()
        if r < 0.4:
            return self.needle_episode()
        if r < 0.6:
            return self.vt_episode()
        if r < 0.8 and self.facts:
            return self.fact_episode()
        return self.kv_episode()

    # -- sequences ------------------------------------------------------------------------------------------
    def kv_document(self, n):
        """A whole sequence of JSON lines with questions at the end (RULER's key-value retrieval)."""
        parts = [self.enc(KV_HEADER)]
        used = len(parts[0])
        pairs = []
        close = self.enc('",')
        while used < n * 0.8:
            k = self.chars(8, HEX)
            a, b = self.enc(f'\n"{k}": "'), self.enc(self.chars(8, HEX))
            pairs.append((k, a, b))
            parts += [a, b, close]
            used += len(a) + len(b) + len(close)
        parts.append(self.enc('\n}'))
        weights = [np.ones(sum(len(p) for p in parts), np.float32)]
        ids = [np.concatenate(parts)]
        while used < n + 1:
            k, a, b = self.choice(pairs)
            q = self.enc(f'\n\nQuestion: What is the value of the key "{k}" in the JSON object above?\nAnswer:')
            x, w = self.ans(np.concatenate([q, a]), b, self.enc('"'))
            ids.append(x)
            weights.append(w)
            used += len(x)
        return np.concatenate(ids)[:n], np.concatenate(weights)[:n]

    def structured(self, n):
        episodes, used = [], 0
        target = n * float(self.rng.uniform(0.15, 0.5))
        while used < target or not episodes:
            ep = self.episode()
            episodes.append(ep)
            used += sum(len(x) for x in ep[0]) + sum(len(x) for x, _ in ep[1])
        header = self.enc(self.choice([NEEDLE_HEADER, VT_HEADER, QA_HEADER, ''])) if self.rand() < 0.5 else self.enc('')
        budget = n - used - len(header)
        if budget < n // 4:
            return self.plain(n)
        base = self.window(budget).copy()
        # passages repeated inside the haystack itself (copying at a distance)
        for _ in range(self.randint(0, 2)):
            ln = self.randint(16, 48)
            if budget < 4 * ln:
                break
            a = int(self.rng.integers(0, budget // 2 - ln))
            b = int(self.rng.integers(a + ln, budget - ln))
            base[b:b + ln] = base[a:a + ln]
        inserts = []
        for early, late in episodes:
            pos = sorted(float(x) for x in self.rng.uniform(0, 0.9, len(early)))
            inserts += [(p, x, np.ones(len(x), np.float32)) for p, x in zip(pos, early)]
            inserts += [(float(self.rng.uniform(pos[-1], 1.0)), x, w) for x, w in late]
        inserts.sort(key=lambda x: x[0])
        parts, weights, prev = [header], [np.ones(len(header), np.float32)], 0
        for p, piece, w in inserts:
            cut = int(p * budget)
            parts += [base[prev:cut], piece]
            weights += [np.ones(cut - prev, np.float32), w]
            prev = cut
        parts.append(base[prev:])
        weights.append(np.ones(budget - prev, np.float32))
        ids, w = np.concatenate(parts), np.concatenate(weights)
        if len(ids) < n:
            extra = self.window(n - len(ids))
            ids, w = np.concatenate([ids, extra]), np.concatenate([w, np.ones(len(extra), np.float32)])
        return ids[:n], w[:n]

    def plain(self, n):
        return self.window(n), np.ones(n, np.float32)

    def sample(self, n):
        """(token ids, loss weights) of one training sequence of n tokens."""
        if self.rand() >= self.mix['p_synth']:
            return self.plain(n)
        if self.rand() < 0.25:
            return self.kv_document(n)
        return self.structured(n)

    def batch(self, bsz, n):
        seqs = [self.sample(n) for _ in range(bsz)]
        return np.stack([s for s, _ in seqs]), np.stack([w for _, w in seqs])
