/**
 * Migration drift check: migrates a brand-new database with the real migrations, then asks TypeORM which SQL
 * would make it match the entities (what `typeorm migration:generate --check` does). Any statement means drift.
 *   npm run migration:check                 # exits 1 on drift
 *   npm run migration:check -- --generate Name   # writes migrations/<timestamp>-Name.ts with the missing SQL
 */
import { writeFileSync } from 'node:fs';
import { createDataSource } from '../src/data-source';
import { createScratchDatabase } from '../src/db/scratch-database';

async function main(): Promise<void> {
  const generateIndex = process.argv.indexOf('--generate');
  const name = generateIndex >= 0 ? process.argv[generateIndex + 1] : undefined;
  const scratch = await createScratchDatabase(process.env.DATABASE_URL);
  const dataSource = createDataSource(scratch.url, 2);
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const sql = await dataSource.driver.createSchemaBuilder().log();
    const up = sql.upQueries.map((q) => q.query);
    const down = sql.downQueries.map((q) => q.query).reverse();
    if (up.length === 0) {
      console.log('migration check: entities and migrations agree');
      return;
    }
    if (!name) {
      console.error(`migration check: drift, ${up.length} statement(s) missing from migrations:\n${up.join(';\n')};`);
      process.exitCode = 1;
      return;
    }
    const timestamp = Date.now();
    const className = `${name}${timestamp}`;
    const quote = (q: string) => `    await queryRunner.query(${JSON.stringify(q)});`;
    const file = `migrations/${timestamp}-${name}.ts`;
    writeFileSync(
      file,
      `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\n` +
        `export class ${className} implements MigrationInterface {\n  name = '${className}';\n\n` +
        `  public async up(queryRunner: QueryRunner): Promise<void> {\n${up.map(quote).join('\n')}\n  }\n\n` +
        `  public async down(queryRunner: QueryRunner): Promise<void> {\n${down.map(quote).join('\n')}\n  }\n}\n`,
    );
    console.log(`migration check: wrote ${file}; add it to migrations/index.ts`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
