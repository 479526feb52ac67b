// Public API of the verifier.
export { verifySubmission, type VerifySubmissionOptions } from './verify-submission.ts';
export { verifyScores, checkVerifyOptions, type VerifyCoreInput, type McdCorrection, DEFAULT_MCD_CORRECTION, DEFAULT_N_BOOT, DEFAULT_SEED, MCD_CORRECTIONS } from './core.ts';
export { skippedSpearman, type SkippedSpearman } from './skipped-spearman.ts';
export { verifyResultToJson, parseVerifyResult, readVerifyResult } from './result-json.ts';
