// Validation of one score read from a submission or downstream file (shared by both loaders).
import { UserError } from '../errors.ts';
import type { JsonValue } from './json-file.ts';

/** `where` names the field, e.g. `the score of model "x"`. Booleans and strings are not numbers. */
export function checkScore(path: string, where: string, value: JsonValue | undefined): number {
  if (typeof value !== 'number') {
    throw new UserError(`${path}: ${where} is ${JSON.stringify(value) ?? 'missing'}, not a number; write a finite JSON number`);
  }
  if (!Number.isFinite(value)) {
    throw new UserError(`${path}: ${where} is non-finite (${value}); write a finite JSON number`);
  }
  return value;
}

export function isPlainObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Python's sorted() order of str (code points); JS's default sort compares UTF-16 units instead. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortedIds(ids: Iterable<string>): string[] {
  return [...ids].sort(compareCodePoints);
}
