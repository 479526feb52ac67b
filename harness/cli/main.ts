// CLI dispatcher: `longproxy <command> [...args]`. Each command lives in its own file under ./commands/
// exporting `description` and `run(args): Promise<number>` (the exit code), so commands are added without
// touching this file. Exit statuses: harness/cli/exit-codes.ts (0 ok, 1 user error, 2 usage, 3 below a floor).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import { EXIT, isUsageError } from './exit-codes.ts';
import { fileSystemMessage } from './fs-errors.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const commandsDir = path.join(here, 'commands');

export interface CliCommand {
  description: string;
  run(args: string[]): Promise<number>;
}

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<CliCommand> {
  return (await import(path.join(commandsDir, `${name}.ts`))) as CliCommand;
}

async function usage(): Promise<string> {
  const lines = ['usage: longproxy <command> [options]', '', 'commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    lines.push(`  ${name.padEnd(12)} ${cmd.description}`);
  }
  lines.push(
    '',
    'options: --version (print the version), --help',
    'Run `longproxy <command> --help` for the options of a command.',
    'Exit status: 0 ok, 1 user error (bad input; the message names the file and the fix), 2 usage,',
    '3 a metric below its recorded floor (longproxy score).',
  );
  return lines.join('\n');
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(`longproxy ${version()} (node ${process.version})`);
    return EXIT.OK;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (!commandNames().includes(name)) {
    console.error(`longproxy: unknown command '${name}'\n\n${await usage()}`);
    return EXIT.USAGE;
  }
  const cmd = await loadCommand(name);
  try {
    return await cmd.run(rest);
  } catch (err) {
    // Expected failures (bad input) are thrown as UserError with a message that names file, field and fix.
    if (err instanceof Error && err.name === 'UserError') {
      console.error(`longproxy ${name}: ${err.message}`);
      return isUsageError(err) ? EXIT.USAGE : EXIT.USER_ERROR;
    }
    // A full disk, a read-only or forbidden folder is the machine's state, not a bug: name the path and the fix.
    const fsMessage = fileSystemMessage(err);
    if (fsMessage) {
      console.error(`longproxy ${name}: ${fsMessage}`);
      return EXIT.USER_ERROR;
    }
    throw err;
  }
}
