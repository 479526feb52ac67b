import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import ppl from './ppl.ts';

defineScoringSuites(ppl);
