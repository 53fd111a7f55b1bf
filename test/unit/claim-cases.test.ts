import { caseOpenedProblem, responseClockStart } from '../../src/claims/claim-cases';
import { readCaseLink, WebhookRefusal } from '../../src/webhooks/webhook-rules';

/** Rule 14's pure parts: when a case may have opened, where the response clock starts, and CSP's answer as read. */
describe('caseOpenedProblem: a case cannot have opened in the future (beyond the clock skew)', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  const skew = 300_000;
  it.each([
    ['long before', '2026-11-01T08:00:00Z', false],
    ['at submission', '2026-11-24T12:00:00Z', false],
    ['within the skew ahead', '2026-11-24T12:04:59Z', false],
    ['at the edge of the skew', '2026-11-24T12:05:00Z', false],
    ['a millisecond past the skew', '2026-11-24T12:05:00.001Z', true],
    ['tomorrow', '2026-11-25T12:00:00Z', true],
  ])('%s', (_, at, refused) => {
    const problem = caseOpenedProblem(new Date(at), now, skew);
    expect(problem !== null).toBe(refused);
    if (refused) expect(problem).toContain('in the future');
  });
  it('with no skew allowed, a millisecond ahead is the future', () => {
    expect(caseOpenedProblem(new Date(now.getTime() + 1), now, 0)).not.toBeNull();
  });
  it('refuses an invalid instant', () => expect(caseOpenedProblem(new Date(Number.NaN), now, skew)).toBe('not an instant'));
});

describe('responseClockStart: the opening of the case, never after submission', () => {
  const submitted = new Date('2026-11-24T12:00:00Z');
  it.each([
    ['no case opening', null, '2026-11-24T12:00:00.000Z'],
    ['the case opened before', new Date('2026-11-23T15:00:00Z'), '2026-11-23T15:00:00.000Z'],
    ['the case opened at submission', new Date('2026-11-24T12:00:00Z'), '2026-11-24T12:00:00.000Z'],
    ['a sender clock a little ahead', new Date('2026-11-24T12:03:00Z'), '2026-11-24T12:00:00.000Z'],
  ])('%s', (_, opened, start) => expect(responseClockStart(submitted, opened).toISOString()).toBe(start));
});

describe("readCaseLink: CSP's answer", () => {
  const claimId = '7f1c2b8e-4a55-4d0b-9b1e-1f2a3b4c5d6e';
  const refusal = (body: Record<string, unknown>) => {
    try {
      readCaseLink(body);
    } catch (error) {
      if (error instanceof WebhookRefusal) return { status: error.status, code: error.code, field: error.field };
      throw error;
    }
    throw new Error('expected a refusal');
  };
  it('reads the claim, the case and when it opened', () => {
    expect(readCaseLink({ claimId, caseId: 'CSP-1', openedAt: '2026-11-24T09:30:00+01:00' })).toEqual({ claimId, caseId: 'CSP-1', openedAt: new Date('2026-11-24T08:30:00Z') });
    expect(readCaseLink({ claimId, caseId: 'CSP-1' })).toEqual({ claimId, caseId: 'CSP-1', openedAt: null });
  });
  it.each([
    ['no claim id', { caseId: 'CSP-1' }, ['claimId']],
    ['a claim id that is no UUID', { claimId: '42', caseId: 'CSP-1' }, ['claimId']],
    ['no case id', { claimId }, ['caseId']],
    ['a case id that is a number', { claimId, caseId: 42 }, ['caseId']],
    ['an opening without its offset', { claimId, caseId: 'CSP-1', openedAt: '2026-11-24T09:30:00' }, ['openedAt']],
    ['an opening on 31 February', { claimId, caseId: 'CSP-1', openedAt: '2026-02-31T09:30:00Z' }, ['openedAt']],
  ])('refuses %s', (_, body, field) => expect(refusal(body)).toEqual({ status: 400, code: 'MALFORMED_BODY', field }));
});
