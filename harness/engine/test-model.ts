// The real ONNX model the engine and CLI tests run on: the committed tiny fixture, or LONGPROXY_TEST_ONNX_MODEL.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export const TINY_MODEL_DIR = process.env.LONGPROXY_TEST_ONNX_MODEL
  ? path.resolve(process.env.LONGPROXY_TEST_ONNX_MODEL)
  : path.join(REPO_ROOT, 'fixtures/models/tiny-qwen2');

/** Why tests that need the model cannot run, or undefined when they can. */
export function tinyModelMissing(): string | undefined {
  const file = path.join(TINY_MODEL_DIR, 'onnx', 'model.onnx');
  return existsSync(file) ? undefined : `tiny ONNX model not found at ${path.relative(REPO_ROOT, file)} (the fixture of issue 3 item 1)`;
}
