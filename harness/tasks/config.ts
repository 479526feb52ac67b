// The zoo's task set: chosen once for the whole zoo (never per model), recorded in the lock.
import type { TaskConfig } from './types.ts';
import { TASK_IDS } from './types.ts';

export const ZOO_HAYSTACK_PATH = 'data/zoo_haystack.json';

export const ZOO_TASK_CONFIG: TaskConfig = {
  seed: 20260523,
  tasks: [...TASK_IDS],
  lengths: [512, 1024, 2048, 4096],
  depths: [0.1, 0.3, 0.5, 0.7, 0.9],
  itemsPerCell: 1,
  numberDigits: 6,
  multikeyNeedles: 4,
  multivalueValues: 3,
  kvChars: 8,
  vtChainLength: 4,
  vtDistractorChains: 1,
  qaMinPrefixTokens: 8,
  qaCandidates: 6,
};
