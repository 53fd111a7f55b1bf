import { ROLES, type Role } from '../../src/auth/actor';
import {
  actionsFrom, CLAIM_ACTIONS, CLAIM_KINDS, CLAIM_STATUSES, decideTransition, FINAL_STATUSES,
  type ClaimAction, type ClaimCover, type ClaimKind, type ClaimStatus,
} from '../../src/claims/claim-states';

/**
 * Every status × kind × cover × action × role against the legal transitions written out below, independently of
 * the module's own table: a transition added or lost there fails here.
 */
const LEGAL: Array<[ClaimStatus, ClaimAction, ClaimStatus, ClaimKind[]]> = [
  ['SUBMITTED', 'APPROVE', 'APPROVED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['SUBMITTED', 'REJECT', 'REJECTED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['SUBMITTED', 'REQUEST_EXCEPTION', 'EXCEPTION_REQUESTED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['SUBMITTED', 'CANCEL', 'CANCELLED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['EXCEPTION_REQUESTED', 'APPROVE_EXCEPTION', 'APPROVED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['EXCEPTION_REQUESTED', 'REJECT_EXCEPTION', 'REJECTED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['EXCEPTION_REQUESTED', 'CANCEL', 'CANCELLED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['APPROVED', 'START_REPAIR', 'IN_REPAIR', ['REPAIR', 'CAMPAIGN', 'REPLACE']],
  ['APPROVED', 'COMPLETE', 'CLOSED', ['REFUND']],
  ['APPROVED', 'CANCEL', 'CANCELLED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['IN_REPAIR', 'COMPLETE', 'CLOSED', ['REPAIR', 'CAMPAIGN', 'REPLACE']],
  ['APPROVED', 'REQUIRE_REAPPROVAL', 'REAPPROVAL_REQUIRED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['IN_REPAIR', 'REQUIRE_REAPPROVAL', 'REAPPROVAL_REQUIRED', ['REPAIR', 'CAMPAIGN', 'REPLACE']],
  ['REAPPROVAL_REQUIRED', 'APPROVE', 'APPROVED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
  ['REAPPROVAL_REQUIRED', 'REJECT', 'REJECTED', ['REPAIR', 'CAMPAIGN', 'REPLACE', 'REFUND']],
];
const ROLES_OF: Record<ClaimAction, Role[]> = {
  APPROVE: ['AGENT', 'WARRANTY_ADMIN'],
  REJECT: ['AGENT', 'WARRANTY_ADMIN'],
  REQUEST_EXCEPTION: ['AGENT', 'WARRANTY_ADMIN'],
  APPROVE_EXCEPTION: ['SERVICE', 'WARRANTY_ADMIN'],
  REJECT_EXCEPTION: ['SERVICE', 'WARRANTY_ADMIN'],
  START_REPAIR: ['AGENT', 'WARRANTY_ADMIN'],
  COMPLETE: ['AGENT', 'WARRANTY_ADMIN'],
  CANCEL: ['AGENT', 'WARRANTY_ADMIN'],
  REQUIRE_REAPPROVAL: ['INSTALLER', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE'],
};
const COVERS: ClaimCover[] = ['COVERED', 'PARTLY_COVERED', 'NOT_COVERED'];

function expected(status: ClaimStatus, kind: ClaimKind, cover: ClaimCover, action: ClaimAction, role: Role) {
  if (!ROLES_OF[action].includes(role)) return { ok: false, code: 'FORBIDDEN' };
  const legal = LEGAL.find(([from, a, , kinds]) => from === status && a === action && kinds.includes(kind));
  if (!legal) return { ok: false, code: 'INVALID_TRANSITION' };
  if (action === 'APPROVE' && cover === 'NOT_COVERED') return { ok: false, code: 'INVALID_TRANSITION' };
  if (action === 'REQUEST_EXCEPTION' && cover === 'COVERED') return { ok: false, code: 'INVALID_TRANSITION' };
  return { ok: true, from: status, to: legal[2] };
}

describe('the claim state machine', () => {
  const cases: Array<[ClaimStatus, ClaimKind, ClaimCover, ClaimAction, Role]> = [];
  for (const status of CLAIM_STATUSES)
    for (const kind of CLAIM_KINDS)
      for (const cover of COVERS)
        for (const action of CLAIM_ACTIONS) for (const role of ROLES) cases.push([status, kind, cover, action, role]);

  it(`decides all ${cases.length} combinations as the rules say`, () => {
    const wrong = cases
      .map(([status, kind, cover, action, role]) => {
        const got = decideTransition({ status, kind, cover, action, roles: [role] });
        const want = expected(status, kind, cover, action, role);
        const gotShape = got.ok ? { ok: true, from: got.from, to: got.to } : { ok: false, code: got.code };
        return JSON.stringify(gotShape) === JSON.stringify(want) ? null : { status, kind, cover, action, role, got: gotShape, want };
      })
      .filter(Boolean);
    expect(wrong).toEqual([]);
  });

  it('explains a refusal in words, with what is possible instead', () => {
    const inRepair = decideTransition({ status: 'IN_REPAIR', kind: 'REPAIR', cover: 'COVERED', action: 'APPROVE', roles: ['AGENT'] });
    expect(inRepair).toEqual({ ok: false, code: 'INVALID_TRANSITION', reason: 'a REPAIR claim that is IN_REPAIR cannot be approved (possible now: COMPLETE)' });
    const closed = decideTransition({ status: 'CLOSED', kind: 'REFUND', cover: 'COVERED', action: 'CANCEL', roles: ['AGENT'] });
    expect(closed).toMatchObject({ code: 'INVALID_TRANSITION', reason: expect.stringContaining('(it is final)') });
    const uncovered = decideTransition({ status: 'SUBMITTED', kind: 'REPAIR', cover: 'NOT_COVERED', action: 'APPROVE', roles: ['AGENT'] });
    expect(uncovered).toMatchObject({ code: 'INVALID_TRANSITION', reason: expect.stringContaining('request an exception') });
    const customer = decideTransition({ status: 'SUBMITTED', kind: 'REPAIR', cover: 'COVERED', action: 'APPROVE', roles: ['CUSTOMER'] });
    expect(customer).toMatchObject({ code: 'FORBIDDEN', reason: expect.stringContaining('AGENT, WARRANTY_ADMIN') });
  });

  it('approved again after an amendment, a repair that had started goes on (rule 15)', () => {
    const request = { status: 'REAPPROVAL_REQUIRED', kind: 'REPAIR', cover: 'COVERED', action: 'APPROVE', roles: ['AGENT'] } as const;
    expect(decideTransition({ ...request, repairStarted: true })).toMatchObject({ ok: true, to: 'IN_REPAIR' });
    expect(decideTransition({ ...request, repairStarted: false })).toMatchObject({ ok: true, to: 'APPROVED' });
    // Repair cannot start before an approval (rule 16): a claim waiting for one cannot be put in repair or completed.
    for (const status of ['SUBMITTED', 'EXCEPTION_REQUESTED', 'REAPPROVAL_REQUIRED'] as const) {
      for (const action of ['START_REPAIR', 'COMPLETE'] as const) {
        expect(decideTransition({ status, kind: 'REPAIR', cover: 'COVERED', action, roles: ['WARRANTY_ADMIN'] })).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
      }
    }
  });

  it('any one of several roles is enough', () => {
    expect(decideTransition({ status: 'EXCEPTION_REQUESTED', kind: 'REPAIR', cover: 'NOT_COVERED', action: 'APPROVE_EXCEPTION', roles: ['AGENT', 'SERVICE'] })).toMatchObject({ ok: true, to: 'APPROVED' });
  });

  // A refund is never repaired, so IN_REPAIR is not a status a REFUND claim can have.
  const reachable = (status: ClaimStatus, kind: ClaimKind) => !(status === 'IN_REPAIR' && kind === 'REFUND');

  it('final statuses have no way out; every other status has one', () => {
    for (const status of CLAIM_STATUSES) {
      for (const kind of CLAIM_KINDS.filter((k) => reachable(status, k))) {
        expect([status, kind, actionsFrom(status, kind).length === 0]).toEqual([status, kind, FINAL_STATUSES.has(status)]);
      }
    }
  });

  it('from SUBMITTED every status a kind can have is reachable', () => {
    for (const kind of CLAIM_KINDS) {
      const seen = new Set<ClaimStatus>(['SUBMITTED']);
      const queue: ClaimStatus[] = ['SUBMITTED'];
      while (queue.length) {
        const status = queue.shift()!;
        for (const action of actionsFrom(status, kind)) {
          for (const cover of COVERS) {
            const decision = decideTransition({ status, kind, cover, action, roles: ['WARRANTY_ADMIN'] });
            if (decision.ok && !seen.has(decision.to)) {
              seen.add(decision.to);
              queue.push(decision.to);
            }
          }
        }
      }
      expect([kind, [...seen].sort()]).toEqual([kind, CLAIM_STATUSES.filter((s) => reachable(s, kind)).sort()]);
    }
  });
});
