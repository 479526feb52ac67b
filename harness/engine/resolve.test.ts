import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModelDir } from './resolve.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lp-resolve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function hfRepo(hub: string, id: string, revs: string[], main?: string): void {
  const repo = path.join(hub, `models--${id.replace('/', '--')}`);
  for (const r of revs) mkdirSync(path.join(repo, 'snapshots', r), { recursive: true });
  if (main) {
    mkdirSync(path.join(repo, 'refs'), { recursive: true });
    writeFileSync(path.join(repo, 'refs', 'main'), `${main}\n`);
  }
}

describe('resolveModelDir', () => {
  const hub = path.join(tmp, 'hf', 'hub');
  hfRepo(hub, 'Qwen/Qwen2-0.5B-Instruct', ['aaa', 'bbb'], 'bbb');
  hfRepo(hub, 'org/one-snapshot', ['ccc']);
  hfRepo(hub, 'org/ambiguous', ['d1', 'd2']);
  const root = path.join(tmp, 'models');
  mkdirSync(path.join(root, 'Leooyii', 'PI_32k_Slimpajama_1B'), { recursive: true });
  const env = { HF_HOME: path.join(tmp, 'hf'), LONGPROXY_MODEL_DIR: root, HOME: tmp };

  it('prefers an existing explicit folder, then LONGPROXY_MODEL_DIR, then the Hugging Face cache', () => {
    expect(resolveModelDir('Leooyii/PI_32k_Slimpajama_1B', { explicitDir: hub, env })).toBe(hub);
    expect(resolveModelDir('Leooyii/PI_32k_Slimpajama_1B', { explicitDir: path.join(tmp, 'nope'), env })).toBe(path.join(root, 'Leooyii', 'PI_32k_Slimpajama_1B'));
    expect(resolveModelDir('Qwen/Qwen2-0.5B-Instruct', { env })).toBe(path.join(hub, 'models--Qwen--Qwen2-0.5B-Instruct', 'snapshots', 'bbb'));
    expect(resolveModelDir('org/one-snapshot', { env: { HF_HUB_CACHE: hub } })).toBe(path.join(hub, 'models--org--one-snapshot', 'snapshots', 'ccc'));
  });

  it('lists every place it looked when nothing is found', () => {
    expect(() => resolveModelDir('org/missing', { explicitDir: 'x/y', env, root: tmp })).toThrow(
      new RegExp(`${path.join(tmp, 'x/y')} \\(explicit folder, absent\\)[\\s\\S]*${path.join(root, 'org', 'missing')}[\\s\\S]*models--org--missing/snapshots \\(absent\\)`),
    );
    expect(() => resolveModelDir('org/ambiguous', { env })).toThrow(/2 snapshots and no refs\/main/);
  });
});
