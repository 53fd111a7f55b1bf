import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface ScratchDatabase {
  url: string;
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A brand-new, empty database for one test run or check: a fresh database on the server that `databaseUrl`
 * names (dropped afterwards), or, with no URL, a throw-away embedded PostgreSQL on a free port.
 */
export async function createScratchDatabase(databaseUrl?: string): Promise<ScratchDatabase> {
  if (databaseUrl) {
    const name = `warranty_scratch_${process.pid}_${Date.now().toString(36)}`;
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async dispose() {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'warranty-pg-'));
  chmodSync(dataDir, 0o755); // initdb runs as the postgres user when we are root
  const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'data'), port: await freePort(), persistent: false });
  return {
    url: db.url,
    async dispose() {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
