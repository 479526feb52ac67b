// Model id -> local folder. Never the network: an explicit folder, $LONGPROXY_MODEL_DIR/<org>/<name>, or the local
// Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), whose layout is
// models--<org>--<name>/snapshots/<revision>/ with refs/main naming the revision to use.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.ts';

export interface ResolveOptions {
  /** A folder given for this model (setting.modelDirs, --model): used when it exists. */
  explicitDir?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative explicit folders (default: the current directory). */
  root?: string;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

export function hfHubCache(env: NodeJS.ProcessEnv): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'hub');
  return path.join(env.HOME ?? os.homedir(), '.cache', 'huggingface', 'hub');
}

/** The snapshot folder of a model in a Hugging Face hub cache, or the reason there is none. */
function hfSnapshot(hub: string, modelId: string): { dir?: string; looked: string } {
  const repo = path.join(hub, `models--${modelId.replaceAll('/', '--')}`);
  const snapshots = path.join(repo, 'snapshots');
  if (!isDir(snapshots)) return { looked: `${snapshots} (absent)` };
  const ref = path.join(repo, 'refs', 'main');
  if (existsSync(ref)) {
    const rev = readFileSync(ref, 'utf8').trim();
    const dir = path.join(snapshots, rev);
    if (isDir(dir)) return { dir, looked: dir };
    return { looked: `${dir} (refs/main names revision ${rev}, which has no snapshot folder)` };
  }
  const revs = readdirSync(snapshots).filter((r) => isDir(path.join(snapshots, r)));
  if (revs.length === 1) return { dir: path.join(snapshots, revs[0]), looked: snapshots };
  return { looked: `${snapshots} (${revs.length} snapshots and no refs/main to choose one)` };
}

export function resolveModelDir(modelId: string, options: ResolveOptions = {}): string {
  const env = options.env ?? process.env;
  const looked: string[] = [];
  if (options.explicitDir) {
    const dir = path.resolve(options.root ?? process.cwd(), options.explicitDir);
    if (isDir(dir)) return dir;
    looked.push(`${dir} (explicit folder, absent)`);
  }
  if (env.LONGPROXY_MODEL_DIR) {
    const dir = path.join(env.LONGPROXY_MODEL_DIR, ...modelId.split('/'));
    if (isDir(dir)) return dir;
    looked.push(`${dir} (LONGPROXY_MODEL_DIR, absent)`);
  }
  const snap = hfSnapshot(hfHubCache(env), modelId);
  if (snap.dir) return snap.dir;
  looked.push(`${snap.looked} (Hugging Face cache)`);
  throw new UserError(
    `model ${modelId}: no local folder found; looked in:\n  ${looked.join('\n  ')}\n` +
      'Download it on a machine with hub access, then set LONGPROXY_MODEL_DIR=<root> (holding <org>/<name>/) or HF_HOME / HF_HUB_CACHE, or pass the folder explicitly',
  );
}
