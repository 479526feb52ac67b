// Downstream target loader. Only the verifier and the held-out protocol may import this file: metric code must
// never see downstream scores (a boundary test elsewhere enforces it).
import path from 'node:path';
import { UserError } from '../errors.ts';
import { readJsonFile, type JsonValue } from './json-file.ts';
import { LOCKED_MODELS } from './locked-models.ts';
import { checkScore, isPlainObject } from './scores.ts';
import { lockedNo4k } from './settings/locked-no4k.ts';

export const OFFICIAL_DOWNSTREAM_PATH = lockedNo4k.downstreamPath;
/** Fewest models a target may list: Spearman's t needs n - 2 >= 1 degree of freedom. */
export const MIN_MODELS = 3;

export interface DownstreamTarget {
  path: string;
  sha256: string;
  /** Overall downstream score per model id. */
  values: Record<string, number>;
}

/** {model: number}, {model: {"overall": number, ...}} or [{"model": id, "overall" (or "score"): number}]. */
export function parseDownstream(file: string, value: JsonValue): Record<string, number> {
  const target: Record<string, number> = Object.create(null);
  if (isPlainObject(value)) {
    for (const [model, v] of Object.entries(value)) {
      if (isPlainObject(v)) {
        if (!Object.prototype.hasOwnProperty.call(v, 'overall')) {
          throw new UserError(`${file}: model ${JSON.stringify(model)} has an object without "overall"; add the overall score`);
        }
        target[model] = checkScore(file, `the "overall" score of model ${JSON.stringify(model)}`, v.overall);
      } else {
        target[model] = checkScore(file, `the score of model ${JSON.stringify(model)}`, v);
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((row, i) => {
      if (!isPlainObject(row) || typeof row.model !== 'string') {
        throw new UserError(`${file}: row ${i} is not an object with a string "model"; write rows as {"model": id, "overall": number}`);
      }
      const model = row.model;
      const key = 'overall' in row ? 'overall' : 'score' in row ? 'score' : undefined;
      if (key === undefined) {
        throw new UserError(`${file}: row ${i} (model ${JSON.stringify(model)}) has no "overall" (or "score"); add it`);
      }
      if (Object.prototype.hasOwnProperty.call(target, model)) {
        throw new UserError(`${file}: duplicate model ${JSON.stringify(model)} (row ${i}); keep one row per model`);
      }
      target[model] = checkScore(file, `row ${i} (model ${JSON.stringify(model)}) field "${key}"`, row[key]);
    });
  } else {
    throw new UserError(
      `${file}: a downstream file must be a JSON object {model: number}, {model: {"overall": number}} or a list of rows {"model": id, "overall": number}`,
    );
  }
  const n = Object.keys(target).length;
  if (n < MIN_MODELS) {
    throw new UserError(`${file}: the downstream file lists ${n} models; at least ${MIN_MODELS} are needed`);
  }
  return target;
}

/**
 * Loads a downstream target. The official file (recognised by its name, wherever it lies) must list exactly the
 * 17 locked models; `expectedModels`, when given, pins the model set of any file.
 */
export function loadDownstream(file: string, options: { expectedModels?: readonly string[] } = {}): DownstreamTarget {
  const json = readJsonFile(file, 'downstream');
  const values = parseDownstream(file, json.value);
  const checks: Array<[readonly string[], string]> = [];
  if (path.basename(file) === path.basename(OFFICIAL_DOWNSTREAM_PATH)) {
    checks.push([LOCKED_MODELS, 'the official downstream file must list exactly the 17 locked models']);
  }
  if (options.expectedModels) {
    checks.push([options.expectedModels, `the downstream file must list exactly the ${options.expectedModels.length} models of the setting`]);
  }
  for (const [expected, rule] of checks) {
    const want = new Set(expected);
    const missing = expected.filter((m) => !Object.prototype.hasOwnProperty.call(values, m)).sort();
    const extra = Object.keys(values).filter((m) => !want.has(m)).sort();
    if (missing.length || extra.length) {
      throw new UserError(
        `${file}: ${rule}; missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}; restore the official file`,
      );
    }
  }
  return { path: file, sha256: json.sha256, values };
}
