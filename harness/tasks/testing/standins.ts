// Hand-made stand-ins for unit tests of generation and scoring logic: a character tokenizer and an "ideal
// induction" model that predicts the token that followed the longest earlier match of the current suffix,
// optionally seeing only the last `window` tokens. Never used for the downstream file itself.
import type { ForwardResult } from '../../engine/types.ts';
import { TASK_IDS, type TaskConfig, type TaskTokenizer } from '../types.ts';
import type { HaystackDocument } from '../haystack.ts';

export const charTokenizer: TaskTokenizer = {
  tokenize: (text: string) => ({ ids: Int32Array.from(text, (c) => c.charCodeAt(0)) }),
  decode: (ids: ArrayLike<number>) => String.fromCharCode(...Array.from(ids)),
};

const FALLBACK = 0x20; // predicts a space when nothing matches

export class InductionModel {
  readonly bosTokenId: number | null = null;
  forwards = 0;
  constructor(
    readonly window = Infinity,
    readonly maxMatch = 64,
  ) {}

  predict(prefix: ArrayLike<number>): number {
    const n = prefix.length;
    const lo = Math.max(0, n - this.window);
    let bestLen = 0;
    let bestNext = FALLBACK;
    for (let j = n - 1; j > lo; j--) {
      // prefix[j] is the candidate continuation; match prefix[..j) against prefix[..n) backwards.
      let k = 0;
      while (k < this.maxMatch && j - 1 - k >= lo && prefix[j - 1 - k] === prefix[n - 1 - k]) k++;
      if (k > bestLen) {
        bestLen = k;
        bestNext = prefix[j];
      }
    }
    return bestNext;
  }

  async forward(ids: Int32Array, scoreFrom: number): Promise<ForwardResult> {
    this.forwards++;
    const n = ids.length - scoreFrom;
    const r: ForwardResult = { logprob: new Float32Array(n), entropy: new Float32Array(n), top1: new Uint8Array(n) };
    for (let i = scoreFrom; i < ids.length; i++) {
      const hit = this.predict(ids.subarray(0, i)) === ids[i];
      r.top1[i - scoreFrom] = hit ? 1 : 0;
      r.logprob[i - scoreFrom] = hit ? 0 : -5;
    }
    return r;
  }

  async generateGreedy(ids: Int32Array, maxNewTokens: number): Promise<Int32Array> {
    const seq = Array.from(ids);
    const out: number[] = [];
    for (let i = 0; i < maxNewTokens; i++) {
      const t = this.predict(seq);
      seq.push(t);
      out.push(t);
    }
    return Int32Array.from(out);
  }
}

/** GovReport-like prose with figures, written for the tests (two documents of about 1,700 characters). */
export const STANDIN_HAYSTACK: HaystackDocument[] = [
  {
    id: 'standin-a',
    text:
      'The agency reviewed its grant programs during the last fiscal year. Officials told us that 37 programs ' +
      'lacked performance measures. In total, the department obligated $4.6 billion for construction projects. ' +
      'Our analysis found that about 62 percent of the projects were completed on schedule. The remaining projects ' +
      'were delayed by an average of 14 months, according to agency records. We interviewed staff at 9 regional ' +
      'offices and reviewed documentation of their oversight procedures. Several offices did not track corrective ' +
      'actions after site visits. The agency agreed with our recommendations and described steps to address them. ' +
      'Managers said that staffing shortages limited the number of inspections. The inspector general reported ' +
      'similar concerns in prior reviews. Congress has asked the agency to report annually on its progress. ' +
      'The reports have not included data on costs per project, which limits their usefulness. A new information ' +
      'system was planned to collect these data, but its deployment slipped by 2 years. We recommend that the ' +
      'administrator set milestones for the system and report on them to the appropriate committees. ' +
      'Agency officials provided technical comments, which we incorporated as appropriate.',
  },
  {
    id: 'standin-b',
    text:
      'Federal agencies spend large sums each year on information technology. The Office of Management and Budget ' +
      'oversees these investments through a portfolio review. For this report, we examined 24 major investments ' +
      'selected for their size and risk. Of these, 11 investments exceeded their planned budgets by more than ' +
      '10 percent. The total cost overrun across the portfolio was approximately $812 million over the period we ' +
      'reviewed. Agencies cited changing requirements and contractor turnover as the main causes. We found that ' +
      'risk management practices varied widely among the agencies. Some agencies maintained current risk ' +
      'registers, while others had not updated them for several quarters. Chief information officers told us that ' +
      'they lacked authority over component spending. Recent legislation was intended to strengthen that ' +
      'authority. Implementation has been uneven, and several agencies have not yet issued the required policies. ' +
      'We are making 5 recommendations to improve oversight of these investments. The agencies generally agreed ' +
      'with the recommendations and outlined planned actions.',
  },
];

/** An Engine whose models are InductionModels with a character tokenizer; model dir "standin/<window>". */
export function standinEngine(): import('../../engine/types.ts').Engine {
  return {
    id: 'standin',
    version: '1',
    async load(ref) {
      const w = ref.dir.split('/').pop()!;
      const window = w === 'inf' ? Infinity : Number(w);
      const m = new InductionModel(window);
      const lm: import('../../engine/types.ts').LanguageModel = {
        ref,
        engine: 'standin',
        device: 'cpu',
        maxPositions: 1 << 20,
        bosTokenId: null,
        eosTokenId: null,
        fingerprint: `standin-window-${w}`,
        tokenize(text) {
          const ids = charTokenizer.tokenize(text).ids;
          return { ids, byteStart: Int32Array.from(ids, (_, i) => i), byteEnd: Int32Array.from(ids, (_, i) => i + 1) };
        },
        decode: charTokenizer.decode,
        forward: (ids, scoreFrom) => m.forward(ids, scoreFrom),
        runPlan: () => Promise.reject(new Error('not used')),
        generateGreedy: (ids, n) => m.generateGreedy(ids, n),
        dispose: async () => {},
      };
      return lm;
    },
  };
}

/** A small task configuration for stand-in runs: short lengths and small needles; tests override the grid. */
export function standinTaskConfig(grid: Pick<TaskConfig, 'seed' | 'lengths' | 'depths'>): TaskConfig {
  return {
    ...grid,
    tasks: [...TASK_IDS],
    itemsPerCell: 1,
    numberDigits: 5,
    multikeyNeedles: 3,
    multivalueValues: 2,
    qaCandidates: 4,
    kvChars: 6,
    vtChainLength: 3,
    vtDistractorChains: 1,
    qaMinPrefixTokens: 20,
  };
}
