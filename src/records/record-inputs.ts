import {
  IsIn, IsNotEmpty, IsOptional, IsString, IsTimeZone, Matches, MaxLength, ValidateNested,
} from 'class-validator';
import { SUPPLY_CHAIN_STAGES, type SupplyChainStage } from './warranty-record.entity';

/** Serial numbers and VINs: letters, digits and - _ . /, 3 to 64 characters. Stored upper-case. */
export const SERIAL_NUMBER = /^[A-Za-z0-9][A-Za-z0-9\-_./]{2,63}$/;

export function normaliseSerialNumber(serialNumber: string): string {
  return serialNumber.trim().toUpperCase();
}

export class SiteDto {
  @Matches(/^[A-Za-z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 country code, e.g. DE' })
  countryCode: string;

  @IsOptional()
  @IsTimeZone({ message: 'must be an IANA time zone, e.g. Europe/Berlin' })
  timeZone?: string | null;
}

export class RegisterWarrantyDto {
  @Matches(SERIAL_NUMBER, { message: 'must be 3 to 64 letters, digits or - _ . /' })
  serialNumber: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId?: string | null;

  @ValidateNested()
  site: SiteDto;

  @IsOptional()
  @IsIn(SUPPLY_CHAIN_STAGES)
  supplyChainStage?: SupplyChainStage | null;
}

export class UpdateWarrantyDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId?: string | null;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  installerId?: string | null;

  @IsOptional()
  @ValidateNested()
  site?: SiteDto | null;

  @IsOptional()
  @MaxLength(2000)
  reason?: string | null;
}

export class VoidDto {
  @IsString()
  @Matches(/\S/, { message: 'must not be blank' })
  @MaxLength(2000)
  reason: string;

  @IsOptional()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, { message: 'must be a component scope such as CELLS' })
  component?: string | null;
}

export function toSiteDto(site: { countryCode: string; timeZone?: string | null }): SiteDto {
  return Object.assign(new SiteDto(), site);
}
