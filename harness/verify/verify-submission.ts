// The file-level verifier: load and validate submission and downstream files, run the core, and (when asked)
// write the output JSON atomically. Nothing is written when any input is bad.
import { readFileSync } from 'node:fs';
import type { VerifyResult } from '../contract/types.ts';
import { loadDownstream } from '../contract/downstream.ts';
import { checkModelSet, loadSubmission } from '../contract/submission.ts';
import type { McdCorrection } from './core.ts';
import { verifyScores, DEFAULT_MCD_CORRECTION, checkVerifyOptions } from './core.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { verifyResultToJson } from './result-json.ts';

export interface VerifySubmissionOptions {
  submissionPath: string;
  downstreamPath: string;
  metricKey: string;
  nBoot: number;
  seed: number;
  /** Pins the downstream file's model set (e.g. a setting's models). */
  expectedModels?: readonly string[];
  mcdCorrection?: McdCorrection;
  /** When given, the result is written here (atomically). */
  outPath?: string;
  onProgress?: (done: number, total: number) => void;
}

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

export async function verifySubmission(opts: VerifySubmissionOptions): Promise<VerifyResult> {
  const correction = opts.mcdCorrection ?? DEFAULT_MCD_CORRECTION;
  checkVerifyOptions(opts.nBoot, opts.seed, correction);
  // Same order of checks as the Python reference: downstream first, then the submission against it.
  const downstream = loadDownstream(opts.downstreamPath, { expectedModels: opts.expectedModels });
  const submission = loadSubmission(opts.submissionPath, opts.metricKey);
  checkModelSet(opts.submissionPath, submission.scores, Object.keys(downstream.values));
  const result = verifyScores({
    scores: submission.scores,
    downstream: downstream.values,
    metricKey: opts.metricKey,
    nBoot: opts.nBoot,
    seed: opts.seed,
    mcdCorrection: correction,
    submissionSha256: submission.sha256,
    downstreamSha256: downstream.sha256,
    submissionLabel: opts.submissionPath,
    onProgress: opts.onProgress,
  });
  result.verifier = 'typescript';
  result.versions = { node: process.version, longproxy: packageVersion() };
  if (opts.outPath) writeFileAtomic(opts.outPath, verifyResultToJson(result));
  return result;
}
