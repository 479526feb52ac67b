// The onnx engine's version, apart from the engine so that cache readers need not load onnxruntime.
/** Bumped when the engine's numerics change (part of every cache key). */
export const ONNX_ENGINE_VERSION = '1';
