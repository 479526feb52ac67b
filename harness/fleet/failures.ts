// What went wrong with which model, at which stage, and what to do: one row per failed model, printed as a table
// at the end of a fill that went on past it.
import { WorkerDiedError, WorkerRequestError } from '../engine/torch-worker.ts';

export const STAGES = ['resolve', 'config check', 'tokenizer', 'load', 'forward'] as const;
export type Stage = (typeof STAGES)[number];

export interface ModelFailure {
  model: string;
  stage: Stage;
  message: string;
  fix: string;
}

const DEFAULT_FIX: Record<Stage, string> = {
  resolve: 'put the weights under $LONGPROXY_MODEL_DIR/<org>/<name> or in the Hugging Face cache (HF_HOME), or set the setting\'s folder for the model',
  'config check': 'correct the checkpoint\'s config.json, or pass the override the message names',
  tokenizer: 'add the tokenizer.json the model was trained with to its folder',
  load: 'check the weight files and the Python environment (LONGPROXY_PYTHON); the message says which',
  forward: 're-run the same command (finished documents are kept); if it repeats, run the model alone with LONGPROXY_WORKER_STDERR=1',
};

/** The failure of `model` at `stage`: the message's own "fix: ..." when it has one, else the stage's advice. */
export function describeFailure(model: string, stage: Stage, err: unknown): ModelFailure {
  let raw = err instanceof Error ? err.message : String(err);
  // An error raised inside the Python worker: its Python type says what failed (e.g. SafetensorError).
  if (err instanceof WorkerRequestError) raw = `${err.kind} in the torch worker: ${raw}`;
  const m = /\bfix:\s*([\s\S]*)$/i.exec(raw);
  let message = (m ? raw.slice(0, m.index) : raw).trim().replace(/[;,.\s]+$/, '');
  let fix = m ? m[1].trim() : DEFAULT_FIX[stage];
  if (err instanceof WorkerDiedError) {
    message = raw.split('\n').slice(0, 4).join(' ');
    fix = 'the worker process died (out of host memory, killed, crashed): ' + DEFAULT_FIX.forward;
  } else if (/out of memory|too_large|does not fit/i.test(raw) && !m) {
    fix = 'a device with more memory (the fill never falls back to the CPU)';
  }
  return { model, stage, message: oneLine(message), fix: oneLine(fix) };
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** A Markdown table of the failures (empty string when none). */
export function failureTable(failures: readonly ModelFailure[]): string {
  if (failures.length === 0) return '';
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = failures.map((f) => `| ${esc(f.model)} | ${f.stage} | ${esc(f.message)} | ${esc(f.fix)} |`);
  return ['| model | stage | message | fix |', '|---|---|---|---|', ...rows].join('\n');
}
