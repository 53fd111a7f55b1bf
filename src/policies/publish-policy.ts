import {
  ArrayUnique, IsIn, IsInt, IsNumber, IsOptional, Matches, Max, Min,
} from 'class-validator';

/**
 * The input rules of a policy version; the database checks repeat the essential ones. The upper bounds keep
 * values inside their columns (numeric(10,3), numeric(6,2), integer) and month counts inside the calendar
 * maths (at most 50 years, like termMonths); readings use the same bounds (coverage-check.service.ts).
 */
export class PublishPolicyDto {
  @Matches(/^[A-Z][A-Z0-9_]{1,31}$/, { message: 'must be an upper-case family name such as BATTERY' })
  productFamily: string;

  @Matches(/^[A-Z]{2}(-[A-Z]{2})*$/, { message: 'must be a region code such as EU or DE-AT-CH' })
  region: string;

  @IsInt()
  @Min(1)
  @Max(600)
  termMonths: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600)
  labourMonths?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(100)
  sohGuaranteePct?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.001)
  @Max(1000)
  throughputMwhPerKwh?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  mileageLimitKm?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  engineHoursLimit?: number | null;

  @IsOptional()
  @ArrayUnique()
  @Matches(/^[A-Z][A-Z0-9_]{0,31}$/, { each: true, message: 'each must be a component such as CELLS' })
  componentScopes?: string[] | null;

  @IsOptional()
  @ArrayUnique()
  @IsIn(['EXTENDED_5Y', 'EXTENDED_10Y'], { each: true })
  extensionTiers?: string[] | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600)
  extensionCliffMonths?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600)
  extensionWindowMonths?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600)
  lateStartCapMonths?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.25)
  @Max(8760)
  slaResponseHours?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.25)
  @Max(8760)
  slaOnsiteHours?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  amendmentTolerancePct?: number | null;

  /** Checked in the service (policies.service.ts: one per currency, a known currency, a plain amount). */
  autoApprovalLimits?: Array<{ amount: string; currency: string }> | null;
  amendmentToleranceAmounts?: Array<{ amount: string; currency: string }> | null;

  /** Checked in the service (policies.service.ts: a tier offered, a known currency, a plain amount). */
  extensionPrices?: Array<{ tier: string; price: { amount: string; currency: string } }> | null;
}
