// Scores the metric on every registered setting (held-out Spearman, submission, verifier, floor, golden check).
import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import metric from './novel-passage.ts';

defineScoringSuites(metric);
