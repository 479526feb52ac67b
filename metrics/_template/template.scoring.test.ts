// Scores the metric on every registered setting (held-out Spearman, submission, verifier, floor, golden check).
// vitest.config.ts leaves this file of the template out (the template has no floor); in a copy it runs.
import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import metric from './template.ts';

defineScoringSuites(metric);
