// Report entries from disk: the claim bundles under results/claims/<setting>/<metric>.json (written by the
// scoring suites), with the submitted scores from the submission file the claim names and the downstream scores
// from the setting's downstream file (only for plotting, and only when its sha256 is the one the verifier saw).
// Tolerant: optional claim fields may be missing; a claim that cannot be used becomes a problem line, not a crash.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadDownstream } from '../contract/downstream.ts';
import { getSetting } from '../contract/settings/index.ts';
import { loadSubmission } from '../contract/submission.ts';
import { sha256 } from '../util/hash.ts';
import type { HeldOutResult, ProbeCost, ScoringCurve, ScoringRecord } from '../scoring/types.ts';
import { parseVerifyResult } from '../verify/result-json.ts';
import { entryFromRecord, type ClaimExtras, type FileCheck, type ModelCost, type ReportEntry } from './entry.ts';

export const CLAIMS_DIR = 'results/claims';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function fileSha(root: string, rel: string): string | null {
  const abs = path.resolve(root, rel);
  try {
    return sha256(readFileSync(abs));
  } catch {
    return null;
  }
}

/** The submission and the verifier output a record names, hashed now. */
export function fileChecks(root: string, paths: { submission: string; verify: string }, submissionSha: string | null): FileCheck[] {
  return [
    { label: 'submission', path: paths.submission, expectedSha256: submissionSha, actualSha256: fileSha(root, paths.submission) },
    { label: 'verifier output', path: paths.verify, expectedSha256: null, actualSha256: fileSha(root, paths.verify) },
  ];
}

/** Claim-only fields, each kept only when it has the expected type. */
export function claimExtras(claim: Record<string, any>): ClaimExtras {
  const compute = isObj(claim.compute) ? claim.compute : {};
  const models = Array.isArray(compute.models)
    ? (compute.models as unknown[]).filter(
        (m): m is ModelCost => isObj(m) && typeof m.model === 'string' && typeof m.tokensProcessed === 'number' && typeof m.wallSeconds === 'number',
      )
    : undefined;
  return {
    direction: str(claim.direction),
    scoreMeaning: str(claim.scoreMeaning),
    hyperparameterRule: str(claim.hyperparameterRule),
    scoringWallSeconds: num(compute.scoringWallSeconds),
    models,
    seeds: isObj(claim.seeds) ? { heldOutSplits: num(claim.seeds.heldOutSplits), verifierBootstrap: num(claim.seeds.verifierBootstrap) } : undefined,
  };
}

/** Reads a claim file as JSON, or undefined when it is absent or unreadable. */
export function readClaimJson(file: string): Record<string, any> | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A run's record, with what its claim bundle adds when the claim is of the same verification. */
export function entryFromRunRecord(root: string, record: ScoringRecord): ReportEntry {
  const claim = readClaimJson(path.resolve(root, record.paths.claim));
  const same = claim && isObj(claim.verify) && isObj(claim.verify.result) && claim.verify.result.submission_sha256 === record.verify.submission_sha256;
  return entryFromRecord(record, same ? claimExtras(claim) : {}, fileChecks(root, record.paths, record.verify.submission_sha256 ?? null));
}

class ClaimProblem extends Error {}

function isCurve(c: unknown): c is ScoringCurve {
  return isObj(c) && typeof c.xLabel === 'string' && typeof c.yLabel === 'string' && Array.isArray(c.models) &&
    (c.models as unknown[]).every((m) => isObj(m) && typeof m.model === 'string' && Array.isArray(m.points) && (m.points as unknown[]).every((p) => isObj(p) && typeof p.x === 'number' && typeof p.y === 'number'));
}

/** Where a setting's downstream file is, relative to the root (the registry's, unless a test says otherwise). */
export type DownstreamPathOf = (setting: string) => string;
const defaultDownstreamPath: DownstreamPathOf = (setting) => getSetting(setting).downstreamPath;

function need<T>(file: string, field: string, value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new ClaimProblem(`${file}: field "${field}" is missing or not ${what}; re-run the metric's scoring suite to rewrite the claim`);
  }
  return value;
}

function heldOutOf(file: string, v: unknown): HeldOutResult {
  const h = need(file, 'heldOut', isObj(v) ? v : undefined, 'an object');
  const mean = h.mean === null ? NaN : need(file, 'heldOut.mean', num(h.mean), 'a number');
  const sd = h.sd === null ? NaN : need(file, 'heldOut.sd', num(h.sd), 'a number');
  return {
    nSplits: need(file, 'heldOut.nSplits', num(h.nSplits), 'a number'),
    trainFraction: num(h.trainFraction) ?? NaN,
    seed: num(h.seed) ?? NaN,
    testSpearman: Array.isArray(h.testSpearman) ? h.testSpearman.map((x: unknown) => (typeof x === 'number' ? x : NaN)) : [],
    mean,
    sd,
    chosen: Array.isArray(h.chosen) ? h.chosen.filter((c: unknown) => isObj(c) && isObj(c.hyperparameters) && typeof c.count === 'number') : [],
  };
}

/** One claim bundle as a report entry. Throws ClaimProblem (a message naming the file and field) when it lacks
 *  what the leaderboard needs. */
export function entryFromClaim(
  root: string,
  rel: string,
  claim: Record<string, any>,
  downstreamPathOf: DownstreamPathOf = defaultDownstreamPath,
): ReportEntry {
  const setting = need(rel, 'setting', str(claim.setting), 'a string');
  const metric = need(rel, 'metric', str(claim.metric), 'a string');
  const verifyField = need(rel, 'verify.result', isObj(claim.verify) && isObj(claim.verify.result) ? claim.verify.result : undefined, 'an object');
  let verify;
  try {
    verify = parseVerifyResult(JSON.stringify(verifyField), `${rel} field "verify.result"`);
  } catch (err) {
    throw new ClaimProblem((err as Error).message);
  }
  const heldOut = heldOutOf(rel, claim.heldOut);
  const submission = isObj(claim.submission) ? claim.submission : {};
  const paths = {
    submission: str(submission.path) ?? `results/submissions/${setting}/${metric}.json`,
    verify: (isObj(claim.verify) && str(claim.verify.path)) || `results/verify/${setting}/${metric}.json`,
    claim: rel,
  };
  const notes: string[] = [];

  let scores: Record<string, number> = {};
  if (isObj(claim.scores)) scores = claim.scores as Record<string, number>;
  else {
    try {
      scores = loadSubmission(path.resolve(root, paths.submission), verify.metric_key ?? 'score').scores;
    } catch (err) {
      notes.push(`the submission could not be read (${(err as Error).message})`);
    }
  }

  let downstream: Record<string, number> | null = null;
  if (isObj(claim.downstream)) downstream = claim.downstream as Record<string, number>;
  else {
    try {
      const file = downstreamPathOf(setting);
      const abs = path.resolve(root, file);
      if (!existsSync(abs)) notes.push(`the downstream file ${file} is missing`);
      else {
        const target = loadDownstream(abs);
        const actual = sha256(readFileSync(abs));
        if (actual !== verify.downstream_sha256) {
          notes.push(`the downstream file ${file} changed since the verification (sha256 ${actual.slice(0, 12)}, verified ${String(verify.downstream_sha256).slice(0, 12)}); re-run the scoring suite`);
        } else downstream = target.values;
      }
    } catch (err) {
      notes.push((err as Error).message);
    }
  }

  const compute = isObj(claim.compute) ? claim.compute : {};
  const code = isObj(claim.code) ? claim.code : {};
  const codeRevision =
    str(claim.codeRevision) ?? (typeof code.commit === 'string' ? `${code.commit}${code.dirty ? '+dirty' : ''}` : 'unknown');
  const record: ScoringRecord = {
    setting,
    metric,
    description: str(claim.description) ?? '',
    hyperparameters: isObj(claim.hyperparameters) ? claim.hyperparameters : {},
    scores,
    downstream: downstream ?? {},
    verify,
    heldOut,
    floor: num(claim.floor) ?? null,
    cost: {
      engine: str(compute.engine) ?? 'unknown',
      device: str(compute.device) ?? 'unknown',
      tokensProcessed: num(compute.tokensProcessed) ?? NaN,
      wallSeconds: num(compute.statsWallSeconds) ?? num(compute.wallSeconds) ?? NaN,
      ...(Array.isArray(compute.probes) ? { probes: (compute.probes as unknown[]).filter((p): p is ProbeCost => isObj(p) && typeof p.probe === 'string' && typeof p.tokensProcessed === 'number') } : {}),
    },
    paths,
    codeRevision,
    ...(isCurve(claim.curve) ? { curve: claim.curve } : {}),
  };
  const entry = entryFromRecord(record, claimExtras(claim), fileChecks(root, paths, verify.submission_sha256 ?? null));
  entry.source = 'claims';
  if (!downstream) {
    entry.downstream = null;
    entry.downstreamNote = notes.join('; ') || 'the downstream scores are not available';
  } else if (notes.length) entry.downstreamNote = notes.join('; ');
  return entry;
}

/** Every claim bundle under root/claimsDir: entries, and a line per file that could not be used. */
export function readClaims(
  root: string,
  claimsDir = CLAIMS_DIR,
  downstreamPathOf: DownstreamPathOf = defaultDownstreamPath,
): { entries: ReportEntry[]; problems: string[] } {
  const entries: ReportEntry[] = [];
  const problems: string[] = [];
  const base = path.resolve(root, claimsDir);
  if (!existsSync(base)) return { entries, problems };
  for (const settingDir of readdirSync(base).sort()) {
    const dir = path.join(base, settingDir);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const rel = path.relative(root, path.join(dir, name)).split(path.sep).join('/');
      let claim: unknown;
      try {
        claim = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
      } catch (err) {
        problems.push(`${rel}: not valid JSON (${(err as Error).message}); re-run the metric's scoring suite to rewrite it`);
        continue;
      }
      if (!isObj(claim)) {
        problems.push(`${rel}: not a JSON object; re-run the metric's scoring suite to rewrite it`);
        continue;
      }
      try {
        entries.push(entryFromClaim(root, rel, claim, downstreamPathOf));
      } catch (err) {
        if (!(err instanceof ClaimProblem)) throw err;
        problems.push(err.message);
      }
    }
  }
  return { entries, problems };
}
