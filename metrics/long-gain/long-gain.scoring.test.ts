import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import longGain from './long-gain.ts';

defineScoringSuites(longGain);
