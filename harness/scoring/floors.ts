// Recorded floors of the held-out mean Spearman per (setting, metric), in results/floors.json. Floors are
// written only from a measured value (measured minus FLOOR_MARGIN, rounded down), by an explicit request:
// `longproxy floors --update` or LONGPROXY_UPDATE_FLOORS=1 while the scoring suites run (like `vitest -u`).
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../util/atomic.ts';

export const FLOORS_PATH = 'results/floors.json';
/** Slack below the measured value, so that harmless float noise across machines does not fail CI. */
export const FLOOR_MARGIN = 0.05;
export const UPDATE_FLOORS_ENV = 'LONGPROXY_UPDATE_FLOORS';

export interface FloorEntry {
  floor: number;
  /** The held-out mean Spearman the floor was recorded from. */
  measured: number;
  margin: number;
  nSplits: number;
  seed: number;
  codeRevision: string;
}

export interface FloorsFile {
  floors: Record<string, FloorEntry>;
}

export const floorKey = (setting: string, metric: string) => `${setting}/${metric}`;

export function floorFrom(measured: number, margin = FLOOR_MARGIN): number {
  // toFixed(6) first: (-0.1 - 0.05) * 1e4 is -1500.0000000000002, which must not floor to -1501.
  return Math.floor(Number(((measured - margin) * 1e4).toFixed(6))) / 1e4;
}

export function readFloors(file = FLOORS_PATH): FloorsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { floors: {} };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); restore it from git or re-record with \`npx longproxy floors --update\``);
  }
  const floors = (parsed as FloorsFile | null)?.floors;
  if (typeof floors !== 'object' || floors === null || Array.isArray(floors)) {
    throw new UserError(`${file}: field "floors" must be an object {"<setting>/<metric>": {...}}; restore it from git`);
  }
  for (const [k, e] of Object.entries(floors)) {
    if (typeof e?.floor !== 'number' || !Number.isFinite(e.floor)) {
      throw new UserError(`${file}: field "floors.${k}.floor" must be a finite number; re-record it with \`npx longproxy floors --update\``);
    }
  }
  return { floors };
}

export function getFloor(setting: string, metric: string, file = FLOORS_PATH): FloorEntry | undefined {
  return readFloors(file).floors[floorKey(setting, metric)];
}

/** Records the floor of (setting, metric) from a measured held-out mean; keys stay sorted so the file diffs
 *  cleanly. Returns the entry written. */
export function recordFloor(
  setting: string,
  metric: string,
  measured: { mean: number; nSplits: number; seed: number },
  codeRevision: string,
  file = FLOORS_PATH,
): FloorEntry {
  if (!Number.isFinite(measured.mean)) throw new Error(`cannot record a floor for ${floorKey(setting, metric)} from ${measured.mean}`);
  const current = readFloors(file).floors;
  const entry: FloorEntry = {
    floor: floorFrom(measured.mean),
    measured: Number(measured.mean.toPrecision(12)),
    margin: FLOOR_MARGIN,
    nSplits: measured.nSplits,
    seed: measured.seed,
    codeRevision,
  };
  const next: Record<string, FloorEntry> = { ...current, [floorKey(setting, metric)]: entry };
  const sorted = Object.fromEntries(Object.keys(next).sort().map((k) => [k, next[k]]));
  writeFileAtomic(file, `${JSON.stringify({ floors: sorted }, null, 2)}\n`);
  return entry;
}

export function updateRequested(): boolean {
  const v = process.env[UPDATE_FLOORS_ENV];
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** Why a held-out mean fails its floor, or undefined when it passes. */
export function floorFailure(setting: string, metric: string, mean: number, floor: FloorEntry | undefined): string | undefined {
  const key = floorKey(setting, metric);
  if (!floor) {
    return `no floor recorded for ${key} in ${FLOORS_PATH} (measured held-out mean Spearman ${mean.toFixed(4)}); record it with \`npx longproxy floors --update --setting ${setting} --metric ${metric}\` or run the suite with ${UPDATE_FLOORS_ENV}=1`;
  }
  if (!(mean >= floor.floor)) {
    return `held-out mean Spearman of ${key} is ${mean.toFixed(4)}, below its floor ${floor.floor} (recorded from ${floor.measured} at ${floor.codeRevision}); fix the regression, or if the change is intended re-record with \`npx longproxy floors --update --setting ${setting} --metric ${metric}\``;
  }
  return undefined;
}
