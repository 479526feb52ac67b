import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import keyAccuracy from './key-accuracy.ts';

defineScoringSuites(keyAccuracy);
