// The ids of the engines of the registry (harness/engine/index.ts), apart from their loaders: types such as
// Setting name an engine without reaching the engine modules (metric code reaches those types).
export const ENGINE_IDS = ['onnx', 'torch'] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

export function isEngineId(id: string): id is EngineId {
  return (ENGINE_IDS as readonly string[]).includes(id);
}
