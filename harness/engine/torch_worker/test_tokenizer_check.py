"""Unit tests of the run-time tokenizer check (tokenizer_check.py) with a stand-in reference: agreement on a prefix
(a cut document), the first differing position with both tokens, a reference shorter than what was sent, and a check
that has no reference saying so. The real references (sentencepiece, tokenizers) run in
harness/engine/torch-tokenizer.test.ts."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from models import ByteTokenizer  # noqa: E402
from tokenizer_check import TokenizerCheck, TokenizerMismatch  # noqa: E402


class Check(unittest.TestCase):
    def setUp(self):
        self.check = TokenizerCheck.for_toy(ByteTokenizer())
        self.ids = ByteTokenizer().encode("hello world")[0]

    def test_agrees_on_the_whole_text_and_on_a_prefix(self):
        self.assertEqual(self.check.check("hello world", self.ids), "agreed with the toy model's byte tokenizer")
        self.assertTrue(self.check.check("hello world", self.ids[:4]).startswith("agreed"))

    def test_names_the_first_differing_position_and_both_tokens(self):
        bad = list(self.ids)
        bad[6] = 3 + ord("W")
        with self.assertRaises(TokenizerMismatch) as ctx:
            self.check.check("hello world", bad)
        msg = str(ctx.exception)
        self.assertEqual(ctx.exception.kind, "tokenizer_mismatch")
        self.assertIn(f"at token 6 of 11 the engine sent id {3 + ord('W')}", msg)
        self.assertIn(f"gives id {3 + ord('w')}", msg)
        self.assertIn(f"[{3 + ord('W')}:", msg)

    def test_more_ids_than_the_reference_makes_is_a_mismatch(self):
        with self.assertRaises(TokenizerMismatch) as ctx:
            self.check.check("hello", self.ids)
        self.assertIn("the engine sent 11 tokens but the toy model's byte tokenizer gives only 5", str(ctx.exception))

    def test_without_a_reference_it_says_unavailable_and_why(self):
        c = TokenizerCheck([], ["python package 'tokenizers' is not installed for /x/python3"])
        self.assertEqual(c.status(), "unavailable: python package 'tokenizers' is not installed for /x/python3")
        self.assertEqual(c.check("anything", [1, 2, 3]), c.status())
        self.assertEqual(TokenizerCheck.for_folder(None, None, None).status(),
                         "unavailable: the engine sent no tokenizer.json path")


if __name__ == "__main__":
    unittest.main()
