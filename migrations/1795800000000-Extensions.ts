import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Extension sales (rule 7): each policy row gets the price of each tier it offers (policy data, exact decimals
 * with a currency), seeded for the example policies of the demo organisation; each sale is a row of its own.
 */
const PRICES: Record<string, Record<string, { amount: string; currency: string }>> = {
  'INVERTER/EU': { EXTENDED_5Y: { amount: '349.00', currency: 'EUR' }, EXTENDED_10Y: { amount: '599.00', currency: 'EUR' } },
  'INVERTER/DE-AT-CH': { EXTENDED_5Y: { amount: '369.00', currency: 'EUR' }, EXTENDED_10Y: { amount: '629.00', currency: 'EUR' } },
  'INVERTER/PL': { EXTENDED_5Y: { amount: '1499.00', currency: 'PLN' }, EXTENDED_10Y: { amount: '2599.00', currency: 'PLN' } },
  'INVERTER/UK-IE': { EXTENDED_5Y: { amount: '299.00', currency: 'GBP' }, EXTENDED_10Y: { amount: '519.00', currency: 'GBP' } },
  'BATTERY/EU': { EXTENDED_5Y: { amount: '899.00', currency: 'EUR' }, EXTENDED_10Y: { amount: '1599.00', currency: 'EUR' } },
  'BATTERY/DE-AT-CH': { EXTENDED_5Y: { amount: '949.00', currency: 'EUR' } },
  'BATTERY/PL': { EXTENDED_5Y: { amount: '3899.00', currency: 'PLN' }, EXTENDED_10Y: { amount: '6899.00', currency: 'PLN' } },
  'BATTERY/UK-IE': { EXTENDED_5Y: { amount: '779.00', currency: 'GBP' }, EXTENDED_10Y: { amount: '1389.00', currency: 'GBP' } },
};

export class Extensions1795800000000 implements MigrationInterface {
  name = 'Extensions1795800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"extension_purchase\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"tier\" text NOT NULL, \"order_reference\" text NOT NULL, \"purchase_date\" date NOT NULL, \"price_amount\" numeric(19,4) NOT NULL, \"price_currency\" text NOT NULL, \"purchased_by_id\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_extension_tier\" CHECK (\"tier\" IN ('EXTENDED_5Y', 'EXTENDED_10Y')), CONSTRAINT \"PK_56da31ad2f44e3039580d74177c\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_extension_record\" ON \"extension_purchase\" (\"warranty_record_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_extension_order\" ON \"extension_purchase\" (\"org_id\", \"order_reference\") ");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"extension_prices\" jsonb NOT NULL DEFAULT '{}'");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" ADD CONSTRAINT \"fk_extension_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    for (const [key, prices] of Object.entries(PRICES)) {
      const [family, region] = key.split('/');
      await queryRunner.query(`UPDATE "warranty_policy" SET "extension_prices" = $1 WHERE "org_id" = 'sofar' AND "product_family" = $2 AND "region" = $3`, [
        JSON.stringify(prices), family, region,
      ]);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"extension_purchase\" DROP CONSTRAINT \"fk_extension_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"extension_prices\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_extension_order\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_extension_record\"");
    await queryRunner.query("DROP TABLE \"extension_purchase\"");
  }
}
