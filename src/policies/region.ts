/**
 * Rule 1: the warranty region of a site, from its ISO 3166-1 alpha-2 country, and the policy row that applies.
 * The country lists are the rule itself (rule 1, docs/RULES.md); the terms behind each region are policy rows.
 */
export const FALLBACK_REGION = 'EU';

const EXPLICIT_REGIONS: Record<string, string> = {
  DE: 'DE-AT-CH',
  AT: 'DE-AT-CH',
  CH: 'DE-AT-CH',
  PL: 'PL',
  GB: 'UK-IE',
  IE: 'UK-IE',
};

/**
 * EU member states, the EEA's Iceland, Liechtenstein and Norway, and the parts of the EU that ISO 3166-1 lists
 * under codes of their own (Åland; the French outermost regions Guadeloupe, French Guiana, Martinique, Mayotte,
 * Réunion and Saint-Martin).
 */
const EU_EEA = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
  'AX', 'GP', 'GF', 'MQ', 'YT', 'RE', 'MF',
]);

/** The region of a country, or null when the country is outside every warranty region we serve. */
export function regionForCountry(countryCode: string): string | null {
  const country = countryCode.trim().toUpperCase();
  if (EXPLICIT_REGIONS[country]) return EXPLICIT_REGIONS[country];
  if (EU_EEA.has(country)) return FALLBACK_REGION;
  return null;
}

export interface PolicyCandidate {
  productFamily: string;
  region: string;
  version: number;
  effectiveFrom: string;
}

/**
 * The version in force at `asOf` for (family, region); failing any, the EU row for the family; failing that,
 * null (the caller answers NO_POLICY). "In force" = the latest effectiveFrom on or before asOf, the highest
 * version breaking a tie.
 */
export function choosePolicy<P extends PolicyCandidate>(
  policies: readonly P[],
  productFamily: string,
  region: string,
  asOf: string,
): P | null {
  const inForce = (wantedRegion: string): P | null => {
    let best: P | null = null;
    for (const policy of policies) {
      if (policy.productFamily !== productFamily || policy.region !== wantedRegion) continue;
      if (policy.effectiveFrom > asOf) continue;
      if (
        best === null ||
        policy.effectiveFrom > best.effectiveFrom ||
        (policy.effectiveFrom === best.effectiveFrom && policy.version > best.version)
      ) {
        best = policy;
      }
    }
    return best;
  };
  return inForce(region) ?? (region === FALLBACK_REGION ? null : inForce(FALLBACK_REGION));
}
