// The real ONNX model the engine and CLI tests run on: the committed tiny fixture, or LONGPROXY_TEST_ONNX_MODEL.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../util/paths.ts';


export const TINY_MODEL_DIR = process.env.LONGPROXY_TEST_ONNX_MODEL
  ? path.resolve(process.env.LONGPROXY_TEST_ONNX_MODEL)
  : path.join(REPO_ROOT, 'fixtures/models/tiny-qwen2');

/** Why tests that need the model cannot run, or undefined when they can. */
export function tinyModelMissing(): string | undefined {
  const file = path.join(TINY_MODEL_DIR, 'onnx', 'model.onnx');
  return existsSync(file) ? undefined : `tiny ONNX model not found at ${path.relative(REPO_ROOT, file)} (the fixture of issue 3 item 1)`;
}

/** Whether the real onnxruntime-node is installed: not absent, and not the stand-in of the GPU run's slim
 *  node_modules (scripts/gpu/slim_modules.mjs, version "<x>-slim-stub"). */
export function onnxRuntimeInstalled(root = REPO_ROOT): boolean {
  const pkg = path.join(root, 'node_modules', 'onnxruntime-node', 'package.json');
  return existsSync(pkg) && !String(JSON.parse(readFileSync(pkg, 'utf8')).version).endsWith('-slim-stub');
}
