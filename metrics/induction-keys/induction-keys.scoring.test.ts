import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import inductionKeys from './induction-keys.ts';

defineScoringSuites(inductionKeys);
