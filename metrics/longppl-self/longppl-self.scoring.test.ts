import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import longppl from './longppl-self.ts';

defineScoringSuites(longppl);
