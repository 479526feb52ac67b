// The message for a file-system error that the user fixes (full disk, read-only or forbidden path), or undefined
// for any other error (a bug, which keeps its stack trace).
const FIXES: Record<string, string> = {
  ENOSPC: 'no space left on the device; free space (or point the output elsewhere) and run the command again',
  EDQUOT: 'disk quota exceeded; free space (or point the output elsewhere) and run the command again',
  EROFS: 'the file system is read-only; write to another folder (e.g. --cache DIR, --out FILE)',
  EACCES: 'permission denied; fix the permissions or write to another folder',
  EPERM: 'operation not permitted; fix the permissions or write to another folder',
  EISDIR: 'is a folder where a file is expected; give a file path',
  ENOTDIR: 'a part of the path is a file where a folder is expected; give a folder path',
};

export function fileSystemMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  const fix = FIXES[e.code];
  if (!fix) return undefined;
  const where = [e.path, (e as { dest?: string }).dest].filter(Boolean).join(' -> ') || '(path unknown)';
  return `${where}: ${e.code} during ${e.syscall ?? 'a file operation'}: ${fix}`;
}
