// The exit status of every longproxy command (docs/cli.md lists them): scripts and CI tell a refused input from
// a misused command and from a metric that fell below its recorded floor.
import { UserError } from '../errors.ts';

export const EXIT = {
  /** Done. */
  OK: 0,
  /** A user error: a bad or missing input file, a refused output path; the message names the file and the fix. */
  USER_ERROR: 1,
  /** Usage: an unknown command or option, a missing required option, a malformed flag value. */
  USAGE: 2,
  /** `longproxy score`: a metric's held-out Spearman is below its recorded floor (results/floors.json). */
  BELOW_FLOOR: 3,
} as const;

/** A misused command line (unknown or missing option): printed like a UserError, exit status 2. */
export class UsageError extends UserError {
  readonly usage = true;
}

export function isUsageError(err: unknown): boolean {
  return err instanceof Error && (err as { usage?: unknown }).usage === true;
}
