import { defineScoringSuites } from '../../harness/scoring/suite.ts';
import bpb from './bpb.ts';

defineScoringSuites(bpb);
