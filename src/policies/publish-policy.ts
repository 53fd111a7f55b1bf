import {
  ArrayUnique, IsIn, IsInt, IsNumber, IsOptional, Matches, Max, Min,
} from 'class-validator';

/** The input rules of a policy version; the database checks repeat the essential ones. */
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
  labourMonths?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(100)
  sohGuaranteePct?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.001)
  throughputMwhPerKwh?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  mileageLimitKm?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
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
  extensionCliffMonths?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  extensionWindowMonths?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  lateStartCapMonths?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.25)
  slaResponseHours?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.25)
  slaOnsiteHours?: number | null;
}
