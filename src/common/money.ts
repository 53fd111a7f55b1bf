/** Money helpers shared by claims, policies and extensions: which currencies exist and their minor units. */
import Decimal from 'decimal.js';

/** ISO 4217 codes the runtime knows (its ICU data). */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Minor unit digits per currency, asked of the runtime once each (a NumberFormat is costly to build). */
const MINOR_UNITS = new Map<string, number | null>();

/** The currency's minor unit digits (ISO 4217), from the runtime's own table; null for an unknown code. */
export function minorUnits(currency: string): number | null {
  if (!CURRENCIES.has(currency)) return null;
  let digits = MINOR_UNITS.get(currency);
  if (digits === undefined) {
    const found = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    digits = typeof found === 'number' ? found : null;
    MINOR_UNITS.set(currency, digits);
  }
  return digits;
}

/**
 * Every exact decimal we store (money, quantities, hours, rates, amounts and totals) lives in a NUMERIC(19,4)
 * column: at most 15 digits before the point and 4 after. The `Decimal` scalar holds every argument to it, so a
 * new field gets the bound by its type; a value computed from several (a line's quantity × unit price, a claim's
 * total) is bounded by the domain against `MAX_STORED_DECIMAL`.
 */
export const DECIMAL_INTEGER_DIGITS = 15;
export const DECIMAL_SCALE = 4;
export const MAX_STORED_DECIMAL = new Decimal(`${'9'.repeat(DECIMAL_INTEGER_DIGITS)}.${'9'.repeat(DECIMAL_SCALE)}`);
const STORED_DECIMAL = new RegExp(`^-?\\d{1,${DECIMAL_INTEGER_DIGITS}}(\\.\\d{1,${DECIMAL_SCALE}})?$`);

/** Why a decimal string does not fit a NUMERIC(19,4) column, or null when it does (its form is checked first). */
export function storedDecimalProblem(value: string): string | null {
  if (STORED_DECIMAL.test(value)) return null;
  const [whole, fraction = ''] = value.replace(/^-/, '').split('.');
  if (fraction.length > DECIMAL_SCALE) return `has more than ${DECIMAL_SCALE} decimal places`;
  if (whole.length > DECIMAL_INTEGER_DIGITS) return `has more than ${DECIMAL_INTEGER_DIGITS} digits before the point`;
  return `must be a decimal number written plainly, e.g. "12.50"`;
}

/** Whether a computed amount (a product, a total) can be stored: at most 15 digits before the point. */
export function fitsStoredDecimal(value: Decimal): boolean {
  return value.abs().lessThanOrEqualTo(MAX_STORED_DECIMAL);
}

/** An amount as stored (NUMERIC, scale 4) as the API shows it: exact, at the currency's minor unit. */
export function moneyOf(amount: string, currency: string): { amount: string; currency: string } {
  return { amount: new Decimal(amount).toFixed(minorUnits(currency) ?? 2), currency };
}

/**
 * Why a price cannot be stored, or null: prices live in NUMERIC(19,4) columns, so an amount is at least 0 with at
 * most 15 digits before the point and 4 after, in an ISO 4217 currency. Checked before any write, so a client's
 * oversized amount is a BAD_USER_INPUT on its field, never a database overflow.
 */
export function priceProblem(price: { amount: string; currency: string }): { field: 'amount' | 'currency'; message: string } | null {
  if (minorUnits(price.currency) === null) return { field: 'currency', message: `${JSON.stringify(price.currency)} is not an ISO 4217 currency code` };
  if (!/^\d{1,15}(\.\d{1,4})?$/.test(price.amount)) return { field: 'amount', message: 'the price is an amount of at least 0 with at most 15 digits before the point and 4 after' };
  return null;
}
