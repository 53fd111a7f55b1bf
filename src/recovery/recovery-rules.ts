/**
 * Supplier recovery (rule 20), without the database: which supplier contract version answers for a claim's part,
 * whether the repair is inside the contract's window, what is recovered (the share of the covered part, the share of
 * the labour attributed to it, the cap per claim) to the currency's minor unit, and where a recovery claim may move.
 */
import DecimalJs from 'decimal.js';
import { addDays, addMonths, type IsoDate } from '../common/calendar';
import { minorUnits } from '../common/money';

const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_UP });
type Dec = InstanceType<typeof Decimal>;

/** One contract version as the rules need it (stored or being published). */
export interface ContractTerms {
  id: string;
  code: string;
  version: number;
  supplierId: string;
  /** Part numbers the contract answers for; empty when it is for a component. */
  partNumbers: readonly string[];
  /** The component it answers for (e.g. POWERTRAIN), when it is not for part numbers. */
  component: string | null;
  /** Narrows a component contract to one product family; null for every family. */
  productFamily: string | null;
  /** 0–100, exact decimal text. */
  recoverySharePct: string;
  /** Months from the unit's warranty start within which a repair is recovered. */
  windowMonths: number;
  /** 0–100 of the labour attributed to the part; null when the contract does not share labour. */
  labourSharePct: string | null;
  /** The most recovered under this contract on one claim, in its currency; null for no cap. */
  cap: { amount: string; currency: string } | null;
  validFrom: IsoDate;
  /** The last day of the version (inclusive); null for open-ended. */
  validTo: IsoDate | null;
}

/** A version's days in force: from its validFrom to its validTo, or the day before the code's next version starts, whichever is earlier. */
export interface InForce {
  from: IsoDate;
  /** Inclusive; null for open-ended. */
  to: IsoDate | null;
}

/** Each version's period in force: a later version of the same code takes over from its validFrom. */
export function periodsInForce<T extends Pick<ContractTerms, 'code' | 'version' | 'validFrom' | 'validTo'>>(versions: readonly T[]): Map<T, InForce> {
  const byCode = new Map<string, T[]>();
  for (const v of versions) byCode.set(v.code, [...(byCode.get(v.code) ?? []), v]);
  const periods = new Map<T, InForce>();
  for (const list of byCode.values()) {
    const sorted = [...list].sort((a, b) => a.version - b.version);
    sorted.forEach((v, i) => {
      const next = sorted[i + 1];
      const cut = next ? addDays(next.validFrom, -1) : null;
      let to = v.validTo;
      if (cut !== null && (to === null || cut < to)) to = cut;
      periods.set(v, { from: v.validFrom, to });
    });
  }
  return periods;
}

function contains(period: InForce, day: IsoDate): boolean {
  return period.from <= day && (period.to === null || day <= period.to);
}

function overlaps(a: InForce, b: InForce): boolean {
  if (a.to !== null && a.to < a.from) return false;
  if (b.to !== null && b.to < b.from) return false;
  return (a.to === null || b.from <= a.to) && (b.to === null || a.from <= b.to);
}

/** The keys a contract answers for: `P:<part number>` each, or `C:<family or *>:<component>`. */
export function contractKeys(c: Pick<ContractTerms, 'partNumbers' | 'component' | 'productFamily'>): string[] {
  if (c.partNumbers.length > 0) return c.partNumbers.map((p) => `P:${p}`);
  return c.component ? [`C:${c.productFamily ?? '*'}:${c.component}`] : [];
}

/**
 * Two versions of different contracts that answer for the same part number (or the same component of the same
 * family) on a common day: the first pair found, or null. A part has one supplier contract on any day, so that a
 * recovery never has to guess between two suppliers.
 */
export function firstOverlap<T extends ContractTerms>(versions: readonly T[]): { a: T; b: T; key: string } | null {
  const periods = periodsInForce(versions);
  const byKey = new Map<string, T[]>();
  for (const v of versions) for (const key of contractKeys(v)) byKey.set(key, [...(byKey.get(key) ?? []), v]);
  for (const [key, list] of byKey) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (list[i].code !== list[j].code && overlaps(periods.get(list[i])!, periods.get(list[j])!)) return { a: list[i], b: list[j], key };
      }
    }
  }
  return null;
}

/**
 * The contract version in force on `day` for a part: one naming its part number first, else one for its component
 * (the unit's family's before one for every family). Null when none is.
 */
export function contractFor<T extends ContractTerms>(versions: readonly T[], part: { partNumber: string; component: string | null; productFamily: string }, day: IsoDate): T | null {
  const periods = periodsInForce(versions);
  const inForce = versions.filter((v) => contains(periods.get(v)!, day));
  const byPart = inForce.find((v) => v.partNumbers.includes(part.partNumber));
  if (byPart) return byPart;
  if (!part.component) return null;
  return (
    inForce.find((v) => v.partNumbers.length === 0 && v.component === part.component && v.productFamily === part.productFamily) ??
    inForce.find((v) => v.partNumbers.length === 0 && v.component === part.component && v.productFamily === null) ??
    null
  );
}

/** The last day a repair is recovered: the day before the warranty start plus the window (rule 3's month arithmetic). */
export function windowEnd(warrantyStart: IsoDate, windowMonths: number): IsoDate {
  return addDays(addMonths(warrantyStart, windowMonths), -1);
}

/** Whether a repair on `repairDate` is within the window; a unit without a started warranty is outside every window. */
export function withinWindow(warrantyStart: IsoDate | null, windowMonths: number, repairDate: IsoDate): boolean {
  if (warrantyStart === null) return false;
  return repairDate >= warrantyStart && repairDate <= windowEnd(warrantyStart, windowMonths);
}

/** A claim line as recovery sees it once the claim is closed. */
export interface ClosedLine {
  id: string;
  kind: 'PART' | 'LABOUR' | 'TRAVEL' | string;
  partNumber: string | null;
  component: string | null;
  /** What the warranty pays of the line: the covered amount, or the whole amount of a covered line; 0 when self-paid. */
  coveredAmount: string;
  /** The line's part was inspected as NO_FAULT_FOUND or CUSTOMER_DAMAGE (rule 18): never recovered. */
  faultDenied: boolean;
}

export interface RecoveryLinePlan {
  claimLineId: string;
  partNumber: string;
  contract: ContractTerms;
  /** Covered part amount (what warranty paid for the part). */
  partBase: string;
  /** The claim's covered labour attributed to this part (proportionally to the covered part amounts). */
  labourBase: string;
  partAmount: string;
  labourAmount: string;
  /** partAmount + labourAmount, after the contract's cap per claim. */
  amount: string;
  capped: boolean;
  /** Null when recovered; else why not (the line is still the supplier's part, for finance's warranty paid). */
  notRecovered: string | null;
}

export interface SupplierRecoveryPlan {
  supplierId: string;
  lines: RecoveryLinePlan[];
  /** The sum of the recovered lines' amounts. */
  claimed: string;
}

const money = (value: Dec, digits: number): Dec => value.toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);
const text = (value: Dec, digits: number): string => value.toFixed(digits);

/**
 * Shares `total` (already at `digits`) out over `weights` in minor units, the remainders to the largest fractions
 * (ties to the earlier): the parts add up to `total` exactly and none is more than its exact share rounded up.
 */
export function allocate(total: string, weights: readonly string[], digits: number): string[] {
  const unit = new Decimal(10).pow(-digits);
  const units = new Decimal(total).div(unit).toDecimalPlaces(0, Decimal.ROUND_DOWN);
  const sum = weights.reduce((s, w) => s.plus(w), new Decimal(0));
  if (sum.isZero()) return weights.map(() => text(new Decimal(0), digits));
  const exact = weights.map((w) => units.times(w).div(sum));
  const floors = exact.map((e) => e.toDecimalPlaces(0, Decimal.ROUND_DOWN));
  let left = units.minus(floors.reduce((s, f) => s.plus(f), new Decimal(0))).toNumber();
  const order = exact.map((e, i) => ({ i, frac: e.minus(floors[i]) })).sort((a, b) => b.frac.comparedTo(a.frac) || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = floors[i].plus(1);
    left -= 1;
  }
  return floors.map((f) => text(f.times(unit), digits));
}

/**
 * What a closed claim recovers, per supplier (rule 20). Each covered PART line whose part has a contract version in
 * force on the repair date is the supplier's: recovered when the repair is within the contract's window from the
 * warranty start and its part was not inspected NO_FAULT_FOUND or CUSTOMER_DAMAGE. A line recovers its share of the
 * covered part amount and, where the contract shares labour, its labour share of the claim's covered LABOUR
 * attributed to it in proportion to the covered part amounts of all the claim's covered PART lines. Each amount is
 * rounded half-up to the currency's minor unit; a contract's cap per claim (in the claim's currency) then lowers its
 * lines, shared out in proportion so that they add up to the cap exactly.
 */
export function planRecovery(input: {
  currency: string;
  repairDate: IsoDate;
  warrantyStart: IsoDate | null;
  productFamily: string;
  lines: readonly ClosedLine[];
  contracts: readonly ContractTerms[];
}): SupplierRecoveryPlan[] {
  const digits = minorUnits(input.currency) ?? 2;
  const parts = input.lines.filter((l) => l.kind === 'PART' && l.partNumber && new Decimal(l.coveredAmount).gt(0));
  const partsTotal = parts.reduce((s, l) => s.plus(l.coveredAmount), new Decimal(0));
  const labourTotal = input.lines.filter((l) => l.kind === 'LABOUR').reduce((s, l) => s.plus(l.coveredAmount), new Decimal(0));
  const planned: RecoveryLinePlan[] = [];
  for (const line of parts) {
    const contract = contractFor(input.contracts, { partNumber: line.partNumber!, component: line.component, productFamily: input.productFamily }, input.repairDate);
    if (!contract) continue;
    const partBase = new Decimal(line.coveredAmount);
    const labourBase = partsTotal.isZero() ? new Decimal(0) : money(labourTotal.times(partBase).div(partsTotal), digits);
    const notRecovered = line.faultDenied
      ? 'the part was inspected without a fault of the product (NO_FAULT_FOUND or CUSTOMER_DAMAGE)'
      : !withinWindow(input.warrantyStart, contract.windowMonths, input.repairDate)
        ? input.warrantyStart === null
          ? 'the unit has no warranty start to count the window from'
          : `the repair on ${input.repairDate} is after the ${contract.windowMonths}-month window from the warranty start ${input.warrantyStart} (last day ${windowEnd(input.warrantyStart, contract.windowMonths)})`
        : null;
    const partAmount = notRecovered ? new Decimal(0) : money(partBase.times(contract.recoverySharePct).div(100), digits);
    const labourAmount = notRecovered || contract.labourSharePct === null ? new Decimal(0) : money(labourBase.times(contract.labourSharePct).div(100), digits);
    planned.push({
      claimLineId: line.id,
      partNumber: line.partNumber!,
      contract,
      partBase: text(partBase, digits),
      labourBase: text(labourBase, digits),
      partAmount: text(partAmount, digits),
      labourAmount: text(labourAmount, digits),
      amount: text(partAmount.plus(labourAmount), digits),
      capped: false,
      notRecovered,
    });
  }
  // The cap per claim, contract by contract (a supplier may have several contracts on one claim).
  const byContract = new Map<string, RecoveryLinePlan[]>();
  for (const p of planned) if (!p.notRecovered) byContract.set(p.contract.id, [...(byContract.get(p.contract.id) ?? []), p]);
  for (const group of byContract.values()) {
    const cap = group[0].contract.cap;
    if (!cap || cap.currency !== input.currency) continue;
    const sum = group.reduce((s, p) => s.plus(p.amount), new Decimal(0));
    const limit = money(new Decimal(cap.amount), digits);
    if (sum.lte(limit)) continue;
    const shares = allocate(text(limit, digits), group.map((p) => p.amount), digits);
    group.forEach((p, i) => {
      p.amount = shares[i];
      p.capped = true;
    });
  }
  const bySupplier = new Map<string, RecoveryLinePlan[]>();
  for (const p of planned) bySupplier.set(p.contract.supplierId, [...(bySupplier.get(p.contract.supplierId) ?? []), p]);
  return [...bySupplier.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([supplierId, lines]) => ({
      supplierId,
      lines,
      claimed: text(lines.filter((l) => !l.notRecovered).reduce((s, l) => s.plus(l.amount), new Decimal(0)), digits),
    }));
}

// ---- the recovery claim's states ----

export const RECOVERY_STATUSES = ['OPEN', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'PAID', 'WRITTEN_OFF', 'WITHDRAWN'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
export const RECOVERY_ACTIONS = ['SUBMIT', 'ACCEPT', 'REJECT', 'PAY', 'WRITE_OFF'] as const;
export type RecoveryAction = (typeof RECOVERY_ACTIONS)[number];

/** Where each action takes a recovery claim from each status; anything else is refused. */
export const RECOVERY_TRANSITIONS: Readonly<Record<RecoveryAction, Partial<Record<RecoveryStatus, RecoveryStatus>>>> = {
  SUBMIT: { OPEN: 'SUBMITTED' },
  ACCEPT: { SUBMITTED: 'ACCEPTED' },
  REJECT: { SUBMITTED: 'REJECTED' },
  PAY: { ACCEPTED: 'PAID' },
  WRITE_OFF: { ACCEPTED: 'WRITTEN_OFF', REJECTED: 'WRITTEN_OFF' },
};

export interface RecoveryAnswerState {
  status: RecoveryStatus;
  claimed: string;
  accepted: string | null;
  paid: string | null;
  currency: string;
}

export type RecoveryDecision =
  | { ok: true; replay: false; to: RecoveryStatus; accepted: string | null; paid: string | null }
  | { ok: true; replay: true }
  | { ok: false; code: 'INVALID_TRANSITION' | 'BAD_USER_INPUT'; field: string; message: string };

/**
 * An answer on a recovery claim: SUBMIT (the supplier has it), ACCEPT (with the accepted amount, at most the claimed;
 * the claimed amount when none is given), REJECT, PAY (the accepted amount unless another, at most the accepted, is
 * given), WRITE_OFF (an accepted claim the supplier will not pay, or a rejected one the manufacturer gives up). The
 * same answer again once it has been taken (same status, same amount) is a replay that changes nothing.
 */
export function decideRecoveryAnswer(state: RecoveryAnswerState, action: RecoveryAction, amount: string | null): RecoveryDecision {
  const digits = minorUnits(state.currency) ?? 2;
  const to = RECOVERY_TRANSITIONS[action][state.status];
  const target = Object.values(RECOVERY_TRANSITIONS[action]);
  if (!to) {
    if (target.includes(state.status) && isReplay(state, action, amount, digits)) return { ok: true, replay: true };
    const possible = RECOVERY_ACTIONS.filter((a) => RECOVERY_TRANSITIONS[a][state.status]);
    return {
      ok: false,
      code: 'INVALID_TRANSITION',
      field: 'action',
      message: `a ${state.status} recovery claim cannot take ${action}${possible.length ? `; possible: ${possible.join(', ')}` : ' (it is final)'}`,
    };
  }
  if (amount !== null && (action === 'ACCEPT' || action === 'PAY')) {
    const value = new Decimal(amount);
    const places = value.decimalPlaces();
    if (places > digits) return { ok: false, code: 'BAD_USER_INPUT', field: 'amount', message: `${amount} has more decimals than ${state.currency}'s ${digits}` };
    if (value.lte(0)) return { ok: false, code: 'BAD_USER_INPUT', field: 'amount', message: 'the amount must be above 0 (REJECT a claim the supplier accepts nothing of)' };
    const ceiling = action === 'ACCEPT' ? state.claimed : state.accepted ?? state.claimed;
    if (value.gt(ceiling)) {
      return { ok: false, code: 'BAD_USER_INPUT', field: 'amount', message: `${action === 'ACCEPT' ? 'accepted' : 'paid'} ${text(value, digits)} ${state.currency} is more than the ${action === 'ACCEPT' ? 'claimed' : 'accepted'} ${text(new Decimal(ceiling), digits)}` };
    }
  } else if (amount !== null) {
    return { ok: false, code: 'BAD_USER_INPUT', field: 'amount', message: `${action} takes no amount` };
  }
  const accepted = action === 'ACCEPT' ? text(new Decimal(amount ?? state.claimed), digits) : state.accepted;
  const paid = action === 'PAY' ? text(new Decimal(amount ?? state.accepted ?? state.claimed), digits) : state.paid;
  return { ok: true, replay: false, to, accepted, paid };
}

function isReplay(state: RecoveryAnswerState, action: RecoveryAction, amount: string | null, digits: number): boolean {
  if (action === 'ACCEPT') return amount === null || (state.accepted !== null && new Decimal(amount).toDecimalPlaces(digits).eq(state.accepted));
  if (action === 'PAY') return amount === null || (state.paid !== null && new Decimal(amount).toDecimalPlaces(digits).eq(state.paid));
  return amount === null;
}

/** A claimed amount lowered by withdrawn lines; an accepted amount never stays above what is still claimed. */
export function afterWithdrawal(state: { claimed: string; accepted: string | null; currency: string }, withdrawn: readonly string[]): { claimed: string; accepted: string | null } {
  const digits = minorUnits(state.currency) ?? 2;
  const claimed = Decimal.max(new Decimal(0), withdrawn.reduce((s, w) => s.minus(w), new Decimal(state.claimed)));
  const accepted = state.accepted === null ? null : Decimal.min(new Decimal(state.accepted), claimed);
  return { claimed: text(claimed, digits), accepted: accepted === null ? null : text(accepted, digits) };
}

/** The recovery rate: recovered (paid) over warranty paid, 4 decimals (0.2500 = a quarter); null when warranty paid nothing. */
export function recoveryRate(paid: string, warrantyPaid: string): string | null {
  const base = new Decimal(warrantyPaid);
  if (base.isZero()) return null;
  return new Decimal(paid).div(base).toFixed(4);
}
