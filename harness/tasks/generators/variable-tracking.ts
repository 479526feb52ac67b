// RULER-style variable tracking: chains of assignments (VAR A = 12345. ... VAR B = VAR A. ... VAR C = VAR B.)
// scattered through GovReport prose, with distractor chains. The question asks for the value of the chain's last
// variable and the answer traces it back one assignment at a time ("VAR C = VAR B. VAR B = VAR A. VAR A = 12345"):
// every hop is a lookup of a different statement somewhere in the context, and every hop must be right.
// (Tracing in the direction the assignments are written keeps each hop a single lookup; asking "which variables
// hold 12345" would need lookups against the writing direction, which no model of the zoo can do at any length.)
import { concatIds, concatParts, insertAtDepths, takeExactly, type Insert, type Part } from '../assemble.ts';
import type { GenContext } from '../context.ts';
import type { Rng } from '../../util/rng.ts';
import type { GeneratedItem } from '../types.ts';
import { randomNumbers } from './needles.ts';

const HEADER = 'Memorize and track the chain of variable assignments hidden in the following text.\n';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

interface Statement {
  /** " VAR B = VAR" or " VAR A =" */
  lhs: Int32Array;
  /** " A" or " 12345" */
  rhs: Int32Array;
}

function chainStatements(ctx: GenContext, names: string[], value: string): Statement[] {
  return names.map((name, j) =>
    j === 0
      ? { lhs: ctx.tok(` VAR ${name} =`), rhs: ctx.tok(` ${value}`) }
      : { lhs: ctx.tok(` VAR ${name} = VAR`), rhs: ctx.tok(` ${names[j - 1]}`) },
  );
}

export function variableTracking(ctx: GenContext, rng: Rng, length: number, depth: number): GeneratedItem {
  const { vtChainLength: n, vtDistractorChains: nd, numberDigits } = ctx.config;
  if (n < 2) throw new Error('vtChainLength must be at least 2');
  const used = new Set<string>();
  const newName = (): string => {
    let s: string;
    do s = rng.chars(5, UPPER);
    while (used.has(s));
    used.add(s);
    return s;
  };
  const values = randomNumbers(rng, 1 + nd, numberDigits);
  const chains = values.map((v) => {
    const names = Array.from({ length: n }, newName);
    return { names, statements: chainStatements(ctx, names, v) };
  });
  const period = ctx.tok('.');
  const inserts: Insert[] = [];
  chains.forEach((chain, c) => {
    // The queried chain starts at the cell's depth and runs on towards the question; distractors anywhere.
    const depths =
      c === 0
        ? [depth, ...Array.from({ length: n - 1 }, () => depth + (1 - depth) * rng.next())]
        : Array.from({ length: n }, () => rng.next());
    depths.sort((a, b) => a - b);
    chain.statements.forEach((st, j) => inserts.push({ ids: concatIds([st.lhs, st.rhs, period]), depth: depths[j] }));
  });
  const queried = chains[0];
  const last = queried.names[n - 1];
  const header = ctx.tok(HEADER);
  const question = ctx.tok(
    `\n\nQuestion: What value does VAR ${last} hold? Trace its assignments back to the number.\nAnswer:`,
  );
  const answerParts: Part[] = [];
  for (let j = n - 1; j >= 0; j--) {
    const st = queried.statements[j];
    if (j < n - 1) answerParts.push({ ids: period });
    answerParts.push({ ids: st.lhs }, { ids: st.rhs, answer: true });
  }
  const fixed =
    header.length +
    inserts.reduce((s, x) => s + x.ids.length, 0) +
    question.length +
    answerParts.reduce((s, p) => s + p.ids.length, 0);
  const haystackTokens = length - fixed;
  if (haystackTokens < 0) throw new Error(`variable tracking item does not fit in ${length} tokens`);
  const units = takeExactly(ctx.sentenceSource(ctx.randomSentence(rng), 1), haystackTokens);
  const context = insertAtDepths(units, inserts);
  return concatParts([{ ids: header }, ...context.map((ids) => ({ ids })), { ids: question }, ...answerParts]);
}
