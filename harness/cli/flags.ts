// Strict flag parsing shared by the CLI commands: an unknown or malformed flag is a UsageError (exit 2) that shows
// the command's usage; --help / -h prints the usage and yields null (the command then exits 0).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values'];

export function parseFlags<O extends Options>(args: string[], options: O, usage: string): Values<O> | null {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return null;
  }
  return values as Values<O>;
}
