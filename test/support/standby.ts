import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/**
 * A PostgreSQL primary and a hot standby streaming from it, each in a folder of its own under the temp folder and
 * on a port of its own, started by the test that needs them and stopped after: the primary by `initdb` (wal_level
 * replica, replication trusted from 127.0.0.1), the standby by `pg_basebackup -R` of it. Built with the machine's
 * PostgreSQL binaries (PG_BIN, else the newest /usr/lib/postgresql/<major>/bin), so that it works whether the suite
 * runs on the embedded server (whose package ships no pg_basebackup) or on DATABASE_URL. As root, the servers run as
 * the `postgres` user, as PostgreSQL requires.
 *
 * The standby logs every statement (`log_statement = all`, the application name on each line), so a test can see
 * from the standby's side which statements reached it.
 */
export interface StreamingPair {
  primaryUrl: string;
  standbyUrl: string;
  /** The standby's log so far. */
  standbyLog(): string;
  /** Stops replaying WAL on the standby (it keeps receiving it), and resumes. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stopStandby(): Promise<void>;
  startStandby(): Promise<void>;
  /** Stops both servers and removes their folders. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The folder of the machine's PostgreSQL binaries with pg_basebackup, or null when there is none. */
export function systemPostgresBin(): string | null {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'pg_basebackup')) ? process.env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) if (existsSync(join(root, major, 'bin', 'pg_basebackup'))) return join(root, major, 'bin');
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startStreamingPair(): Promise<StreamingPair> {
  const bin = systemPostgresBin();
  if (!bin) throw new Error('no PostgreSQL binaries with pg_basebackup (set PG_BIN)');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresIds() : null;
  const dir = mkdtempSync(join(tmpdir(), 'sofar-standby-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const standbyLogFile = join(dir, 'standby.log');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  // PostgreSQL refuses to run as root: as root, every command runs as the postgres user.
  const pg = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { cwd: dir }) : run(join(bin, command), args, { cwd: dir });
  const settings = (port: number) =>
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'wal_level = replica',
      'max_wal_senders = 5',
      'max_connections = 60',
      'shared_buffers = 16MB',
      'fsync = off',
      'full_page_writes = off',
      '',
    ].join('\n');

  let primaryStarted = false;
  let standbyRunning = false;
  const stopServer = (data: string) => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  const startStandby = async () => {
    await pg('pg_ctl', ['-D', standbyDir, '-l', standbyLogFile, '-w', '-t', '120', 'start']);
    standbyRunning = true;
  };
  try {
    await pg('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
    appendFileSync(join(primaryDir, 'postgresql.conf'), settings(primaryPort));
    await pg('pg_ctl', ['-D', primaryDir, '-l', join(dir, 'primary.log'), '-w', '-t', '120', 'start']);
    primaryStarted = true;
    await pg('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast']);
    appendFileSync(
      join(standbyDir, 'postgresql.conf'),
      `${settings(standbyPort)}hot_standby = on\nlog_statement = 'all'\nlog_line_prefix = '%m [%p] app=%a '\n`,
    );
    await startStandby();
  } catch (error) {
    if (primaryStarted) await stopServer(primaryDir);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  const onStandby = async (sql: string, until?: string) => {
    const client = new Client({ connectionString: standbyUrl, application_name: 'standby-test-support' });
    await client.connect();
    try {
      await client.query(sql);
      // A pause is asked for, then takes effect: wait until the standby says it has.
      for (let i = 0; until && i < 600; i++) {
        const { rows } = await client.query('SELECT pg_get_wal_replay_pause_state() AS state');
        if (rows[0].state === until) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await client.end();
    }
  };
  // Streaming before the pair is handed over: the primary sees its WAL sender.
  const primary = new Client({ connectionString: primaryUrl, application_name: 'standby-test-support' });
  await primary.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { rows } = await primary.query(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`);
      if (rows[0].n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await primary.end();
  }

  return {
    primaryUrl,
    standbyUrl,
    standbyLog: () => (existsSync(standbyLogFile) ? readFileSync(standbyLogFile, 'utf8') : ''),
    pauseReplay: () => onStandby('SELECT pg_wal_replay_pause()', 'paused'),
    resumeReplay: () => onStandby('SELECT pg_wal_replay_resume()', 'not paused'),
    async stopStandby() {
      await stopServer(standbyDir);
      standbyRunning = false;
    },
    startStandby,
    async stop() {
      if (standbyRunning) await stopServer(standbyDir);
      await stopServer(primaryDir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
