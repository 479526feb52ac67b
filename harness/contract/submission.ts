// Submission loader: a JSON object {model: score} or a list of rows {"model": id, <metricKey>: score}.
// Metric-side code may import this file; it never touches downstream targets.
import { UserError } from '../errors.ts';
import { readJsonFile, type JsonValue } from './json-file.ts';
import { checkScore, isPlainObject } from './scores.ts';
import type { ScoresByModel } from './types.ts';

export interface Submission {
  path: string;
  sha256: string;
  metricKey: string;
  scores: ScoresByModel;
}

export function parseSubmission(path: string, value: JsonValue, metricKey: string): ScoresByModel {
  const scores: ScoresByModel = Object.create(null);
  const has = (m: string) => Object.prototype.hasOwnProperty.call(scores, m);
  if (isPlainObject(value)) {
    for (const [model, v] of Object.entries(value)) {
      scores[model] = checkScore(path, `the score of model ${JSON.stringify(model)}`, v);
    }
  } else if (Array.isArray(value)) {
    value.forEach((row, i) => {
      if (!isPlainObject(row)) {
        throw new UserError(`${path}: row ${i} is not an object; write rows as {"model": id, "${metricKey}": score}`);
      }
      const model = row.model;
      if (typeof model !== 'string') {
        throw new UserError(`${path}: row ${i} has no string field "model"; add the model id`);
      }
      if (!Object.prototype.hasOwnProperty.call(row, metricKey)) {
        throw new UserError(
          `${path}: row ${i} (model ${JSON.stringify(model)}) has no metric key "${metricKey}"; add it or pass the right --metric-key`,
        );
      }
      if (has(model)) {
        throw new UserError(`${path}: duplicate model ${JSON.stringify(model)} (row ${i}); keep one row per model`);
      }
      scores[model] = checkScore(path, `row ${i} (model ${JSON.stringify(model)}) field "${metricKey}"`, row[metricKey]);
    });
  } else {
    throw new UserError(
      `${path}: a submission must be a JSON object {model: score} or a list of rows {"model": id, "${metricKey}": score}`,
    );
  }
  if (Object.keys(scores).length === 0) {
    throw new UserError(`${path}: the submission holds no models; score every model of the setting`);
  }
  return scores;
}

export function loadSubmission(path: string, metricKey = 'score'): Submission {
  const file = readJsonFile(path, 'submission');
  return { path, sha256: file.sha256, metricKey, scores: parseSubmission(path, file.value, metricKey) };
}

/** Refuses a submission whose model set differs from `expected` (the downstream file's models). */
export function checkModelSet(path: string, scores: ScoresByModel, expected: readonly string[]): void {
  const want = new Set(expected);
  const got = Object.keys(scores);
  const missing = expected.filter((m) => !Object.prototype.hasOwnProperty.call(scores, m)).sort();
  const extra = got.filter((m) => !want.has(m)).sort();
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length) parts.push(`missing models ${JSON.stringify(missing)}`);
    if (extra.length) parts.push(`extra models ${JSON.stringify(extra)}`);
    throw new UserError(
      `${path}: ${parts.join('; ')}; the submission must score exactly the ${expected.length} models of the downstream file`,
    );
  }
}

/** Serialises scores as the row format, models in the given order (used by writers of submissions). */
export function submissionRows(scores: ScoresByModel, models: readonly string[], metricKey = 'score'): object[] {
  return models.map((model) => ({ model, [metricKey]: scores[model] }));
}
