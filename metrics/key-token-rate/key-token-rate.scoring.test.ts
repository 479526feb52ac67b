import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import keyTokenRate from './key-token-rate.ts';

defineScoringSuites(keyTokenRate);
