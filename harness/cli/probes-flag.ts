// The --probes flag of `stats --setting` and the rehearsal: a comma-separated list of probe ids, "none", or absent
// (the caller's default, e.g. the probes the registered metrics declare).
export function probesFromFlag(raw: string | undefined, fallback: readonly string[]): string[] {
  if (raw === undefined) return [...fallback];
  if (raw === 'none') return [];
  return raw.split(',').map((p) => p.trim());
}
