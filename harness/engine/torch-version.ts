// The torch engine's version, part of every cache key: one definition, checked against the worker's own
// (harness/engine/torch_worker/worker.py VERSION, sent in its hello reply) when a model loads. Bump both together.
export const TORCH_ENGINE_VERSION = '1';
