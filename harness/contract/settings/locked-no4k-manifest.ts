// The model manifest of the locked setting: for each of the 17 checkpoints, what its config.json must say, the
// long context it is scored at (32768 for all), how its long-context mechanism is applied, where its tokenizer
// comes from, and whether each fact is confirmed or inferred, with the source (DESIGN.md, "The locked checkpoints
// as their repositories ship them"). docs/locked-models.md shows it as a table; harness/contract/model-manifest.ts
// checks a config against it.
import type { RopePolicy } from '../../engine/rope-policy.ts';
import { checkModelConfig as checkAgainst, type ConfigProblem, type Fact, type ManifestEntry, type ModelManifest, type Override } from '../model-manifest.ts';
import { LOCKED_MODELS, type LockedModelId } from '../locked-models.ts';

const REPOS = 'the published repository files, collected 2026-12-02 (DESIGN.md)';
const LCEG = 'inferred from the LCEG training code (Leooyii/LCEG continuous_finetuning/fine-tune.py); no copy of the config was found';
const LCEG_NTK = 'the authors evaluate with a base frozen at the training length (LCEG models/llama_ntk_32k, llama_ntk_64k modeling_llama.py)';
const MEMORY = 'the published config.json as recalled, not re-checked here';

const confirmed = <T>(allowed: T[], source = REPOS): Fact<T> => ({ allowed, status: 'confirmed', source });
const inferred = <T>(allowed: T[], source: string): Fact<T> => ({ allowed, status: 'inferred', source });

/** Every locked model is scored at 32768 tokens, whatever max_position_embeddings says. */
const CONTEXT = confirmed([32768], 'the benchmark: GovReport documents of up to 32k tokens read whole (setting locked-no4k)');
const AS_CONFIG = confirmed<RopePolicy>([{ kind: 'as-config' }], 'native context of 32k or more: the config is applied as written');
const NO_BOS = 'none' as const;

function qwen(id: LockedModelId, vocab: number, tied: boolean): ManifestEntry {
  return {
    id,
    config: {
      model_type: confirmed(['qwen2']),
      architectures: confirmed(['Qwen2ForCausalLM']),
      vocab_size: inferred([vocab], MEMORY),
      max_position_embeddings: confirmed([32768]),
      rope_theta: confirmed([1000000]),
      rope_scaling: confirmed([null], `${REPOS}: no rope_scaling shipped (YaRN only by editing the config, beyond 32k)`),
      use_sliding_window: confirmed([false]),
      tie_word_embeddings: inferred([tied], MEMORY),
    },
    contextLength: CONTEXT,
    rope: AS_CONFIG,
    tokenizer: confirmed(['tokenizer.json']),
    bos: NO_BOS,
  };
}

function mistral(id: LockedModelId, facts: 'confirmed' | 'film'): ManifestEntry {
  const base = 'inferred from its base model, Mistral-7B-Instruct-v0.2';
  const f = <T>(allowed: T[]) => (facts === 'confirmed' ? confirmed(allowed) : inferred(allowed, base));
  return {
    id,
    config: {
      model_type: confirmed(['mistral'], facts === 'film' ? `${REPOS}: Mistral architecture` : REPOS),
      architectures: f(['MistralForCausalLM']),
      vocab_size: inferred([32000], facts === 'film' ? base : MEMORY),
      max_position_embeddings: f([32768]),
      rope_theta: f([1000000]),
      rope_scaling: f([null]),
      sliding_window: f<number | null>([null]),
      tie_word_embeddings: inferred([false], MEMORY),
    },
    contextLength: CONTEXT,
    rope: AS_CONFIG,
    tokenizer:
      facts === 'film'
        ? confirmed(['tokenizer.model'], `${REPOS}: tokenizer.model and tokenizer_config.json, no tokenizer.json (its file page)`)
        : confirmed(['tokenizer.json']),
    bos: NO_BOS,
  };
}

function leooyii(id: LockedModelId, scaling: { type: 'linear' | 'dynamic'; factor: number }, rope: RopePolicy): ManifestEntry {
  return {
    id,
    config: {
      model_type: inferred(['llama'], 'Llama-2-7B continued (the LCEG study)'),
      architectures: inferred(['LlamaForCausalLM'], 'Llama-2-7B continued (the LCEG study)'),
      vocab_size: inferred([32000, 32001], `${LCEG} (32001 where a [PAD] token is added)`),
      max_position_embeddings: inferred([4096], `${LCEG}: kept at 4096, the context extended by rope_scaling`),
      rope_theta: inferred([10000], 'the Llama-2-7B base, which the LCEG code leaves unchanged'),
      rope_scaling: inferred([scaling], LCEG),
      tie_word_embeddings: inferred([false], 'Llama-2-7B, whose output embeddings are untied'),
    },
    contextLength: CONTEXT,
    rope: inferred([rope], rope.kind === 'linear' ? `${LCEG}: linear position interpolation x8 to 32k` : `${LCEG}; ${LCEG_NTK}`),
    tokenizer: inferred(['tokenizer.json', 'tokenizer.model'], 'unknown (Llama-2 repositories ship both; FILM-style folders only tokenizer.model)'),
    bos: NO_BOS,
  };
}

const ntk = (factor: number, trainingLength: number): RopePolicy => ({ kind: 'ntk-frozen', factor, trainingLength, originalMax: 4096 });

const ENTRIES: ManifestEntry[] = [
  {
    id: '01-ai/Yi-6B-200K',
    config: {
      model_type: confirmed(['llama'], `${REPOS}: LlamaForCausalLM on the current revision (early revisions used custom code)`),
      architectures: confirmed(['LlamaForCausalLM']),
      vocab_size: confirmed([64000]),
      max_position_embeddings: inferred([200000], `${REPOS} says 200k positions; the exact figure is not re-checked`),
      rope_theta: confirmed([5000000]),
      rope_scaling: inferred([null], MEMORY),
      tie_word_embeddings: inferred([false], MEMORY),
    },
    contextLength: CONTEXT,
    rope: AS_CONFIG,
    tokenizer: confirmed(['tokenizer.json']),
    bos: NO_BOS,
  },
  mistral('In2Training/FILM-7B', 'film'),
  leooyii('Leooyii/Longlora_32k_Slimpajama_1B', { type: 'linear', factor: 8 }, { kind: 'linear', factor: 8 }),
  leooyii('Leooyii/NTK_32k_Slimpajama_1B', { type: 'dynamic', factor: 4 }, ntk(4, 32768)),
  leooyii('Leooyii/NTK_64k_Slimpajama_1B', { type: 'dynamic', factor: 8 }, ntk(8, 65536)),
  leooyii('Leooyii/NTK_64k_Slimpajama_2B', { type: 'dynamic', factor: 8 }, ntk(8, 65536)),
  leooyii('Leooyii/PI_32k_Slimpajama_1B', { type: 'linear', factor: 8 }, { kind: 'linear', factor: 8 }),
  qwen('Qwen/Qwen2-0.5B-Instruct', 151936, true),
  qwen('Qwen/Qwen2-1.5B-Instruct', 151936, true),
  qwen('Qwen/Qwen2-7B-Instruct', 152064, false),
  qwen('Qwen/Qwen2.5-0.5B-Instruct', 151936, true),
  qwen('Qwen/Qwen2.5-1.5B-Instruct', 151936, true),
  qwen('Qwen/Qwen2.5-7B-Instruct', 152064, false),
  qwen('Qwen/Qwen2.5-14B-Instruct', 152064, false),
  qwen('Qwen/Qwen2.5-Coder-1.5B-Instruct', 151936, true),
  qwen('Qwen/Qwen2.5-Coder-7B-Instruct', 152064, false),
  mistral('mistralai/Mistral-7B-Instruct-v0.2', 'confirmed'),
];

/** The manifest of locked-no4k, keyed by model id, in the order of LOCKED_MODELS. */
export const LOCKED_NO4K_MANIFEST: ModelManifest = Object.freeze(
  Object.fromEntries(LOCKED_MODELS.map((id) => [id, Object.freeze(ENTRIES.find((e) => e.id === id)!)])),
);

/** checkModelConfig against the locked manifest: every contradiction of config.json that no override accepts. */
export function checkModelConfig(modelId: string, config: Record<string, unknown>, overrides: readonly (Override | string)[] = []): ConfigProblem[] {
  return checkAgainst(modelId, config, overrides, LOCKED_NO4K_MANIFEST);
}
