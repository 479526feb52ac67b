"""Run-time tokenizer agreement (issue 10 point 4): the ids the engine sends for a document (transformers.js on the
folder's tokenizer.json, harness/engine/tokenizer.ts) are compared with the folder's Python tokenizer before any
forward, so a model is never scored on ids its own tokenizer would not produce.

References, as available on this interpreter:
- `tokenizers.Tokenizer.from_file` on the tokenizer.json the engine used (never transformers' AutoTokenizer, which
  normalizes differently: issue 10);
- for a folder that ships only tokenizer.model, also `sentencepiece` on that file, the original the tokenizer.json
  was built from (harness/engine/sentencepiece-convert.ts);
- for the toy model, its byte tokenizer.
With none of them the check reports itself unavailable, and why; that status goes into every document's cost."""
from __future__ import annotations

import os
import sys

from load_error import LoadError


class TokenizerMismatch(LoadError):
    def __init__(self, message: str):
        super().__init__("tokenizer_mismatch", message)


def _tokens(ids, k: int, piece) -> str:
    lo, hi = max(0, k - 3), min(len(ids), k + 4)
    return " ".join(("[" if i == k else "") + f"{ids[i]}:{piece(ids[i])!r}" + ("]" if i == k else "")
                    for i in range(lo, hi))


class TokenizerCheck:
    def __init__(self, refs: list, missing: list[str]):
        self.refs = refs  # (name, encode(text) -> list[int], piece(id) -> str)
        self.missing = missing

    @classmethod
    def for_folder(cls, tokenizer_json: str | None, source: str | None, tokenizer_model: str | None):
        refs, missing = [], []
        if source == "built from tokenizer.model" and tokenizer_model:
            try:
                import sentencepiece
                sp = sentencepiece.SentencePieceProcessor(model_file=tokenizer_model)
                refs.append((f"sentencepiece {getattr(sentencepiece, '__version__', '?')} on {tokenizer_model}",
                             lambda t: sp.encode(t), sp.id_to_piece))
            except ImportError:
                missing.append(f"python package 'sentencepiece' is not installed for {sys.executable}")
        if tokenizer_json and os.path.isfile(tokenizer_json):
            try:
                import tokenizers
                tk = tokenizers.Tokenizer.from_file(tokenizer_json)
                refs.append((f"tokenizers {tokenizers.__version__} on {tokenizer_json}",
                             lambda t: tk.encode(t, add_special_tokens=False).ids,
                             lambda i: tk.id_to_token(int(i))))
            except ImportError:
                missing.append(f"python package 'tokenizers' is not installed for {sys.executable}")
        elif not refs:
            missing.append("the engine sent no tokenizer.json path")
        return cls(refs, missing)

    @classmethod
    def for_toy(cls, tokenizer):
        return cls([("the toy model's byte tokenizer", lambda t: tokenizer.encode(t)[0], lambda i: repr(i))], [])

    def status(self) -> str:
        if not self.refs:
            return "unavailable: " + "; ".join(self.missing)
        return "checks against " + " and ".join(name for name, _, _ in self.refs)

    def check(self, text: str, sent) -> str:
        """Raises TokenizerMismatch unless every reference encodes `text` to ids that `sent` is a prefix of (the
        engine may cut a document to its first N tokens); returns the status for the cost."""
        sent = [int(i) for i in sent]
        for name, encode, piece in self.refs:
            ref = list(encode(text))
            n = len(sent)
            if ref[:n] == sent:
                continue
            k = next((i for i in range(min(n, len(ref))) if ref[i] != sent[i]), min(n, len(ref)))
            if k >= len(ref):
                where = f"the engine sent {n} tokens but {name} gives only {len(ref)}"
            else:
                where = (f"at token {k} of {n} the engine sent id {sent[k]} ({piece(sent[k])!r}) where {name} gives "
                         f"id {ref[k]} ({piece(ref[k])!r}); engine: {_tokens(sent, k, piece)}; reference: "
                         f"{_tokens(ref, k, piece)}")
            raise TokenizerMismatch(
                f"tokenizer disagreement: {where}. The span tokenizer (transformers.js) and the folder's Python "
                "tokenizer encode this document differently, so the model would be scored on ids its tokenizer does "
                "not produce. Fix: make sure tokenizer.json and tokenizer.model come from the same repository "
                "revision (a text holding the literal text of a special token such as '</s>' is encoded as that "
                "token by Hugging Face tokenizers and as plain text by SentencePiece)")
        return self.status() if not self.refs else "agreed with " + " and ".join(name for name, _, _ in self.refs)
