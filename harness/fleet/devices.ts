// The device list of a fill: --devices, or the environment of a scoring run (the suites fill through it).
import { UserError } from '../errors.ts';

/** --devices, else LONGPROXY_DEVICES, else LONGPROXY_TORCH_DEVICE, else the worker's default ("" = cuda:0 or cpu). */
export function devicesFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = flag ?? env.LONGPROXY_DEVICES ?? env.LONGPROXY_TORCH_DEVICE ?? '';
  const list = raw.split(',').map((d) => d.trim()).filter(Boolean);
  const bad = list.filter((d) => !/^(cpu|cuda(:\d+)?|mps)$/.test(d));
  if (bad.length) throw new UserError(`${flag !== undefined ? '--devices' : 'LONGPROXY_DEVICES'} ${raw}: ${bad.join(', ')} not a device; use cpu, cuda:0, cuda:1, ...`);
  return list.length ? list : [''];
}

