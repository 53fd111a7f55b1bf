import { buildWarrantySchema } from '../../src/schema';
import { operationLimits } from '../../src/server/limits';
import { createShapeGate } from '../../src/server/shape-gate';

describe('shape gate', () => {
  const schema = buildWarrantySchema();
  const limits = { maxAliases: 30, maxDepth: 12, maxTokens: 5000, maxDirectives: 30, maxCost: 20000, heavyCost: 2000, maxHeavyRequests: 1, heavyLoopShare: 0.5, maxRepresentations: 500, maxSqlStatements: 300, requestTimeoutMs: 10000, statementTimeoutMs: 5000 };
  const { validationRules } = operationLimits(limits, { hideFieldSuggestions: true });
  const hostile = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: warranties(first: 100) { edges { node { id history { totalCount } } } }`).join(' ')} }`;

  it('refuses an operation over a limit, naming the limit, and remembers the verdict for the same text', () => {
    const gate = createShapeGate(schema, validationRules, limits.maxTokens);
    const first = gate.refusal(hostile);
    expect(first?.map((e) => e.message).join('\n')).toMatch(/Aliases limit of 30 exceeded, found 100/);
    expect(gate.refusal(hostile)).toBe(first); // the same answer object: not parsed or validated again
  });

  it('lets through what is within the limits, and leaves syntax errors and unknown fields to Apollo Server', () => {
    const gate = createShapeGate(schema, validationRules, limits.maxTokens);
    expect(gate.refusal('{ warranty(serialNumber: "X") { id tier expiresAt } }')).toBeNull();
    expect(gate.refusal('{ warranty(serialNumber: ')).toBeNull();
    expect(gate.refusal('{ noSuchField }')).toBeNull();
  });

  it('keeps at most its capacity of verdicts', () => {
    const gate = createShapeGate(schema, validationRules, limits.maxTokens, { capacity: 2 });
    const a = gate.refusal(hostile);
    gate.refusal('{ __typename }');
    gate.refusal('{ warranty(serialNumber: "Y") { id } }');
    expect(gate.refusal(hostile)).not.toBe(a); // evicted, so checked again
    expect(gate.refusal(hostile)).toEqual(a);
  });
});
