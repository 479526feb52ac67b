// The torch engine's version, part of every cache key: one definition, checked against the worker's own
// (harness/engine/torch_worker/worker.py VERSION, sent in its hello reply) when a model loads. Bump both together.
// 2: the worker also returns entropy and top-1 flags under each short window (cache entry format 2).
export const TORCH_ENGINE_VERSION = '2';
