// Where `longproxy stats` writes when no --cache is given: $LONGPROXY_CACHE_DIR, else a folder of the user's cache
// ($XDG_CACHE_HOME/longproxy/stats or ~/.cache/longproxy/stats). Never the committed results/cache, which holds
// the settings' recorded statistics and changes only when asked for by name (--cache results/cache).
import os from 'node:os';
import path from 'node:path';

export function defaultStatsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LONGPROXY_CACHE_DIR) return env.LONGPROXY_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'longproxy', 'stats');
}
