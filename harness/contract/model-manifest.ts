// A model manifest: what a setting expects of each checkpoint's config.json (architecture, vocabulary, RoPE, sliding
// window...), the long context it is scored at, how its long-context mechanism is applied (the RoPE policy), where
// its tokenizer comes from and whether BOS is added, each fact marked confirmed or inferred with its source.
// checkModelConfig compares a config.json with its entry before any forward and returns every contradiction with
// the override that would accept it; an override is recorded in the statistics spec (hence the cache key and the
// claim bundle). Pure: no files are read here.
import { ropeLabel, type RopePolicy, type RopePolicyKind, ROPE_POLICY_KINDS } from '../engine/rope-policy.ts';
import { UserError } from '../errors.ts';

export type FactStatus = 'confirmed' | 'inferred';

/** One expected fact: the allowed values, whether they were confirmed (and where) or inferred (and from what). */
export interface Fact<T> {
  allowed: readonly T[];
  status: FactStatus;
  source: string;
}

/** Normalised RoPE scaling of a config: null when none (or rope_type "default"). */
export type RopeScaling = { type: string; factor: number | null } | null;

/** The config.json fields a manifest checks, with the type of their normalised value. */
export interface CheckedFields {
  model_type: string;
  /** The first entry of "architectures". */
  architectures: string | null;
  vocab_size: number;
  max_position_embeddings: number;
  /** rope_parameters.rope_theta, else rope_theta, else transformers' default 10000. */
  rope_theta: number;
  /** rope_parameters (transformers 5) or rope_scaling (transformers 4), as {type, factor}. */
  rope_scaling: RopeScaling;
  /** Mistral's sliding window (null = off). */
  sliding_window: number | null;
  /** Qwen2's switch of its sliding window (absent = false, the Qwen2 default). */
  use_sliding_window: boolean;
  /** Absent = false (the Llama, Mistral and Qwen2 default). */
  tie_word_embeddings: boolean;
}
export type CheckedField = keyof CheckedFields;
export const CHECKED_FIELDS: readonly CheckedField[] = [
  'model_type',
  'architectures',
  'vocab_size',
  'max_position_embeddings',
  'rope_theta',
  'rope_scaling',
  'sliding_window',
  'use_sliding_window',
  'tie_word_embeddings',
];

export type TokenizerSource = 'tokenizer.json' | 'tokenizer.model';

export interface ManifestEntry {
  id: string;
  /** Expected values of the config fields that change the computation (a field not listed is not checked). */
  config: { readonly [F in CheckedField]?: Fact<CheckedFields[F]> };
  /** Long context every document is scored at (tokens). */
  contextLength: Fact<number>;
  /** How the long-context mechanism is applied (harness/engine/rope-policy.ts). */
  rope: Fact<RopePolicy>;
  /** Where the tokenizer comes from: tokenizer.json, or built from SentencePiece's tokenizer.model. */
  tokenizer: Fact<TokenizerSource>;
  /** BOS policy in scoring: none (LongPPL's compute_longppl adds no BOS). */
  bos: 'none';
}

export type ModelManifest = Readonly<Record<string, ManifestEntry>>;

/** A contradiction between config.json and the manifest, or an override that does not apply. */
export interface ConfigProblem {
  model: string;
  field: string;
  found: string;
  expected: string;
  status: FactStatus;
  source: string;
  /** The override flag that accepts it (empty for an override that cannot apply). */
  override: string;
  message: string;
}

/** An override of one model's manifest: accept the config's value of a field, use another RoPE policy, or score
 *  at another long context. Flag syntax: --override MODEL:FIELD, MODEL:rope=KIND, MODEL:context=N. */
export type Override =
  | { model: string; field: CheckedField }
  | { model: string; field: 'rope'; kind: RopePolicyKind }
  | { model: string; field: 'context'; contextLength: number };

export const OVERRIDE_FLAG = '--override';
export const OVERRIDE_ENV = 'LONGPROXY_OVERRIDE';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));

function ropeParams(config: Record<string, unknown>): Record<string, unknown> {
  const p = config.rope_parameters;
  if (isObj(p) && ('rope_type' in p || 'rope_theta' in p)) return p;
  return isObj(config.rope_scaling) ? config.rope_scaling : {};
}

/** The normalised value of a checked field in a config.json object. */
export function readField<F extends CheckedField>(config: Record<string, unknown>, field: F): CheckedFields[F] | undefined {
  const p = ropeParams(config);
  const v = ((): unknown => {
    switch (field) {
      case 'architectures':
        return Array.isArray(config.architectures) ? (config.architectures[0] ?? null) : null;
      case 'rope_theta':
        return Number(p.rope_theta ?? config.rope_theta ?? 10000);
      case 'rope_scaling': {
        const type = String(p.rope_type ?? p.type ?? 'default');
        if (type === 'default') return null;
        return { type, factor: typeof p.factor === 'number' ? p.factor : null };
      }
      case 'sliding_window':
        return config.sliding_window ?? null;
      case 'use_sliding_window':
        return config.use_sliding_window ?? false;
      case 'tie_word_embeddings':
        return config.tie_word_embeddings ?? false;
      default:
        return config[field];
    }
  })();
  return v as CheckedFields[F] | undefined;
}

/** Longest forward a policy reaches on a config: max_position_embeddings, times the factor for linear scaling,
 *  the training length for NTK (harness/engine/torch_worker/rope.py max_positions computes the same). */
export function positionsReached(config: Record<string, unknown>, rope: RopePolicy): number {
  const mpe = Number(config.max_position_embeddings ?? config.n_positions ?? 2048);
  if (rope.kind === 'linear') return Math.max(mpe, Math.round(mpe * rope.factor));
  if (rope.kind === 'ntk-frozen' || rope.kind === 'transformers-dynamic') return Math.max(mpe, rope.trainingLength);
  return mpe;
}

/** Parses "MODEL:FIELD", "MODEL:rope=KIND" or "MODEL:context=N" (MODEL = an id of the manifest). */
export function parseOverride(raw: string, manifest: ModelManifest): Override {
  const fix = `use ${OVERRIDE_FLAG} MODEL:FIELD (FIELD one of ${CHECKED_FIELDS.join(', ')}), MODEL:rope=KIND (${ROPE_POLICY_KINDS.join(', ')}) or MODEL:context=N`;
  const m = /^(.+):([a-z_]+)(?:=(.+))?$/.exec(raw.trim());
  if (!m) throw new UserError(`${OVERRIDE_FLAG} ${raw}: not MODEL:FIELD; ${fix}`);
  const [, model, field, value] = m;
  if (!manifest[model]) throw new UserError(`${OVERRIDE_FLAG} ${raw}: model ${model} is not in the manifest (${Object.keys(manifest).join(', ')})`);
  if (field === 'rope') {
    if (!(ROPE_POLICY_KINDS as readonly string[]).includes(value ?? '')) throw new UserError(`${OVERRIDE_FLAG} ${raw}: rope=KIND with KIND one of ${ROPE_POLICY_KINDS.join(', ')}`);
    return { model, field, kind: value as RopePolicyKind };
  }
  if (field === 'context') {
    const n = Number(value);
    if (!/^\d+$/.test(value ?? '') || n < 2) throw new UserError(`${OVERRIDE_FLAG} ${raw}: context=N with N an integer >= 2`);
    return { model, field, contextLength: n };
  }
  if (!(CHECKED_FIELDS as readonly string[]).includes(field) || value !== undefined) throw new UserError(`${OVERRIDE_FLAG} ${raw}: ${fix}`);
  return { model, field: field as CheckedField };
}

/** Overrides from a list of flag values or a LONGPROXY_OVERRIDE string (comma or space separated). */
export function parseOverrides(raw: readonly string[] | string | undefined, manifest: ModelManifest): Override[] {
  const items = typeof raw === 'string' ? raw.split(/[\s,]+/) : (raw ?? []);
  return items.filter((s) => s.trim() !== '').map((s) => parseOverride(s, manifest));
}

export function overrideFlag(o: Override): string {
  if (o.field === 'rope') return `${o.model}:rope=${o.kind}`;
  if (o.field === 'context') return `${o.model}:context=${o.contextLength}`;
  return `${o.model}:${o.field}`;
}

/** The RoPE policy of a kind, its parameters taken from the entry's policy (or, for linear, the config). */
function policyOfKind(entry: ManifestEntry, kind: RopePolicyKind): RopePolicy | string {
  const base = entry.rope.allowed[0];
  if (kind === 'as-config') return { kind };
  if (kind === 'linear') return base.kind === 'linear' ? base : `the manifest gives ${entry.id} no linear factor`;
  if (base.kind === 'ntk-frozen' || base.kind === 'transformers-dynamic') return { ...base, kind };
  return `the manifest gives ${entry.id} no NTK parameters (factor, training length)`;
}

/** What a model is run with: the manifest's policy and context, changed by its overrides, and the overrides to
 *  record in the statistics spec (sorted). Config-free, so a cached result is found without the weights. */
export function modelSettings(entry: ManifestEntry, overrides: readonly Override[]): { rope: RopePolicy; contextLength: number; recorded: string[] } {
  let rope = entry.rope.allowed[0];
  let contextLength = entry.contextLength.allowed[0];
  const recorded: string[] = [];
  for (const o of overrides.filter((x) => x.model === entry.id)) {
    if (o.field === 'rope') {
      const p = policyOfKind(entry, o.kind);
      if (typeof p === 'string') throw new UserError(`${OVERRIDE_FLAG} ${overrideFlag(o)}: ${p}`);
      rope = p;
      recorded.push(`rope=${ropeLabel(p)}`);
    } else if (o.field === 'context') {
      contextLength = o.contextLength;
      recorded.push(`context=${o.contextLength}`);
    } else recorded.push(o.field);
  }
  return { rope, contextLength, recorded: recorded.sort() };
}

/** Every contradiction between a config.json object and the model's manifest entry that no override accepts, the
 *  positions its RoPE policy must reach, and overrides that accept nothing (they would only change the cache key). */
export function checkModelConfig(
  modelId: string,
  config: Record<string, unknown>,
  overrides: readonly (Override | string)[],
  manifest: ModelManifest,
): ConfigProblem[] {
  const entry = manifest[modelId];
  const parsed = overrides.map((o) => (typeof o === 'string' ? parseOverride(o, manifest) : o));
  if (!entry) {
    return [{ model: modelId, field: '(model)', found: modelId, expected: `one of ${Object.keys(manifest).length} manifest entries`, status: 'confirmed', source: 'the setting', override: '', message: `${modelId}: not in the manifest` }];
  }
  const mine = parsed.filter((o) => o.model === modelId);
  const accepted = new Set(mine.map((o) => o.field));
  const problems: ConfigProblem[] = [];
  const contradicted = new Set<string>();
  for (const field of CHECKED_FIELDS) {
    const fact = entry.config[field] as Fact<unknown> | undefined;
    if (!fact) continue;
    const found = readField(config, field);
    if (fact.allowed.some((a) => same(a, found))) continue;
    contradicted.add(field);
    if (accepted.has(field)) continue;
    const expected = fact.allowed.map(show).join(' or ');
    const flag = `${OVERRIDE_FLAG} ${modelId}:${field}`;
    problems.push({
      model: modelId,
      field,
      found: show(found),
      expected,
      status: fact.status,
      source: fact.source,
      override: flag,
      message:
        `${modelId}: config.json ${field} is ${show(found)}, the manifest expects ${expected} (${fact.status}: ${fact.source}); ` +
        `fix the checkpoint, or accept the config's value with ${flag} (recorded in the statistics spec and the claim)`,
    });
  }
  const run = modelSettings(entry, mine);
  const scaling = readField(config, 'rope_scaling');
  if (run.rope.kind === 'linear' && contradicted.has('rope_scaling') && accepted.has('rope_scaling') && !same(scaling, { type: 'linear', factor: run.rope.factor })) {
    // the rope_scaling override accepted a config the linear policy cannot run (the worker applies the config's factor)
    const flag = `${OVERRIDE_FLAG} ${modelId}:rope=as-config`;
    problems.push({
      model: modelId,
      field: 'rope',
      found: `rope_scaling ${show(scaling)}`,
      expected: `rope_scaling {"type":"linear","factor":${run.rope.factor}} for RoPE policy ${ropeLabel(run.rope)}`,
      status: entry.rope.status,
      source: entry.rope.source,
      override: flag,
      message: `${modelId}: RoPE policy ${ropeLabel(run.rope)} applies the config's linear scaling, which config.json does not declare; run the config as written with ${flag} (recorded)`,
    });
  }
  const reach = positionsReached(config, run.rope);
  if (reach < run.contextLength) {
    const flag = `${OVERRIDE_FLAG} ${modelId}:context=${reach}`;
    problems.push({
      model: modelId,
      field: 'max_position_embeddings',
      found: `${show(config.max_position_embeddings)} (${reach} positions under RoPE policy ${ropeLabel(run.rope)})`,
      expected: `at least ${run.contextLength} positions (the long context it is scored at)`,
      status: entry.contextLength.status,
      source: entry.contextLength.source,
      override: flag,
      message:
        `${modelId}: config.json reaches ${reach} positions under RoPE policy ${ropeLabel(run.rope)}, but it is scored at ${run.contextLength}; ` +
        `fix the checkpoint, or score it at a shorter context with ${flag} (recorded)`,
    });
  }
  for (const o of mine) {
    if (o.field === 'rope' || o.field === 'context' || contradicted.has(o.field)) continue;
    problems.push({
      model: modelId,
      field: o.field,
      found: show(readField(config, o.field)),
      expected: 'a contradiction to override',
      status: 'confirmed',
      source: 'the override flags',
      override: '',
      message: `${OVERRIDE_FLAG} ${overrideFlag(o)}: config.json agrees with the manifest on ${o.field}; remove the override (it would only change the cache key)`,
    });
  }
  return problems;
}

/** Whether the folder's files hold the tokenizer the entry names (tokenizer.model: built into tokenizer.json by the
 *  harness when tokenizer.json is absent). */
export function checkTokenizerFiles(entry: ManifestEntry, files: readonly string[]): ConfigProblem[] {
  const has = (f: string) => files.includes(f);
  if (has('tokenizer.json') || (entry.tokenizer.allowed.includes('tokenizer.model') && has('tokenizer.model'))) return [];
  const expected = entry.tokenizer.allowed.join(' or ');
  return [{
    model: entry.id,
    field: 'tokenizer',
    found: files.filter((f) => f.startsWith('tokenizer')).join(', ') || 'no tokenizer file',
    expected,
    status: entry.tokenizer.status,
    source: entry.tokenizer.source,
    override: '',
    message: `${entry.id}: the model folder has no ${expected}; copy the repository's tokenizer files into it`,
  }];
}
