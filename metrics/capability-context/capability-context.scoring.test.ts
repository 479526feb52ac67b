import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import combo from './capability-context.ts';

defineScoringSuites(combo);
