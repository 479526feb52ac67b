// CLI dispatcher: `longproxy <command> [...args]`. Each command lives in its own file under ./commands/
// exporting `description` and `run(args): Promise<number>` (the exit code), so commands are added without
// touching this file.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

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
  lines.push('', 'Run `longproxy <command> --help` for the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 2;
  }
  if (!commandNames().includes(name)) {
    console.error(`longproxy: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  const cmd = await loadCommand(name);
  try {
    return await cmd.run(rest);
  } catch (err) {
    // Expected failures (bad input) are thrown as UserError with a message that names file, field and fix.
    if (err instanceof Error && err.name === 'UserError') {
      console.error(`longproxy ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
