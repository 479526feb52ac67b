"""The built-in decoder's safetensors reader on broken files (native.py): a file cut short anywhere (in the length,
in the header, in the data) or with a header that is not safetensors JSON is a LoadError of kind bad_weights that
names the file, says what is missing and how to fix it, never a raw numpy or JSON error.
Run: /usr/bin/python3 -m unittest discover -s harness/engine/torch_worker -p 'test_*.py'"""
import json
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from load_error import LoadError  # noqa: E402
from native import read_safetensors, safetensors_header  # noqa: E402


def write(path: str, tensors: dict[str, torch.Tensor]) -> int:
    header, off, blobs = {}, 0, []
    for name, t in sorted(tensors.items()):
        raw = t.float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    return 8 + len(h)


class BrokenSafetensors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "model.safetensors")
        g = torch.Generator().manual_seed(0)
        self.tensors = {"a": torch.randn(4, 8, generator=g), "b": torch.randn(16, generator=g)}
        self.header_end = write(self.path, self.tensors)
        self.size = os.path.getsize(self.path)

    def tearDown(self):
        self.dir.cleanup()

    def cut(self, n: int):
        with open(self.path, "r+b") as fh:
            fh.truncate(n)

    def assertBad(self, pattern: str):
        with self.assertRaises(LoadError) as ctx:
            read_safetensors(self.path)
        err = ctx.exception
        self.assertEqual(err.kind, "bad_weights")
        msg = str(err)
        self.assertTrue(msg.startswith(self.path + ": "), msg)
        self.assertRegex(msg, pattern)
        self.assertIn("fix: download the file again", msg)
        return msg

    def test_an_intact_file_reads_back(self):
        got = read_safetensors(self.path)
        for k, t in self.tensors.items():
            self.assertTrue(torch.equal(got[k], t), k)

    def test_cut_in_the_data(self):
        self.cut(self.size // 2 + 4)
        msg = self.assertBad(r"truncated safetensors file \(\d+ bytes; its header says the tensors need \d+, \d+ more\)")
        self.assertIn(f"need {self.size},", msg)

    def test_cut_by_one_byte(self):
        self.cut(self.size - 1)
        self.assertBad(r"need \d+, 1 more")

    def test_cut_in_the_header(self):
        self.cut(self.header_end - 5)
        self.assertBad(rf"truncated safetensors file \({self.header_end - 5} bytes; its header alone needs {self.header_end}\)")

    def test_cut_in_the_length(self):
        self.cut(3)
        self.assertBad(r"\(3 bytes, shorter than the 8-byte header length\)")

    def test_a_header_that_is_not_safetensors_json(self):
        with open(self.path, "r+b") as fh:
            fh.seek(8)
            fh.write(b"#")
        self.assertBad(r"not a safetensors file: its \d+-byte header is not a safetensors header")

    def test_the_header_check_alone_reads_no_data(self):
        base, metas = safetensors_header(self.path)
        self.assertEqual((base, sorted(metas)), (self.header_end, ["a", "b"]))


if __name__ == "__main__":
    unittest.main()
