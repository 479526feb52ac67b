import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import positionCurve from './position-curve.ts';

defineScoringSuites(positionCurve);
