import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import entropyDrop from './entropy-drop.ts';

defineScoringSuites(entropyDrop);
