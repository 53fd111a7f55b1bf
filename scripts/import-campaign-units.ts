/**
 * `npm run import-campaign-units -- --campaign CODE units.csv [--url …] [--token …|--org sofar] [--sub …]`: a long
 * serial list into a campaign's affected units (rule 19). The file (a CSV with a serialNumber column; other columns
 * ignored) is streamed to the running subgraph's `POST /campaigns/<code>/units`, never read whole into memory, which
 * writes it set-based in one transaction. A progress bar on stderr (the file's bytes as the subgraph takes them), the
 * summary on stdout: serials received, units added, already affected, unknown (the first 100 listed).
 *
 * The subgraph is SUBGRAPH_URL, else http://localhost:$PORT/ (the same environment as `npm start`); the command says
 * which on stderr first. Exit codes: 0 imported, 1 refused or failed (nothing written), 2 usage.
 */
import { SingleBar } from 'cli-progress';
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { subgraphEndpoint } from '../src/endpoints';
import { announce, CommandError, parseCommandLine, resolveEndpoint, runCommand } from './command-line';
import { adminToken } from './subgraph-client';

const USAGE = 'usage: npm run import-campaign-units -- --campaign <CODE> <file.csv> [--url <subgraph URL>] [--token <JWT> | --org <org> [--sub <who>]]';

export function parseArguments(argv: string[], env: Record<string, string | undefined>) {
  const { values, positionals } = parseCommandLine(
    argv,
    { campaign: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, org: { type: 'string' }, sub: { type: 'string' } },
    USAGE,
    true,
  );
  for (const name of ['campaign', 'url', 'token', 'org', 'sub'] as const) {
    if (values[name] === '') throw new CommandError(`--${name} needs a value\n${USAGE}`, 2);
  }
  if (!values.campaign) throw new CommandError(`--campaign is required\n${USAGE}`, 2);
  if (positionals.length !== 1) throw new CommandError(`give exactly one CSV file\n${USAGE}`, 2);
  const token = values.token ?? (env.TOKEN || null);
  if (!token && !values.org) throw new CommandError(`give --token (or TOKEN), or --org to mint a development admin token\n${USAGE}`, 2);
  if (!token && env.NODE_ENV === 'production') throw new CommandError('in production, give a WARRANTY_ADMIN token with --token or TOKEN; --org only mints development tokens', 2);
  return { campaign: values.campaign, file: positionals[0], subgraph: resolveEndpoint(() => subgraphEndpoint(env, values.url)), token, org: values.org ?? null, sub: values.sub ?? 'import-campaign-units' };
}

interface Summary {
  campaignCode: string;
  received: number;
  added: number;
  alreadyAffected: number;
  unknown: number;
  unknownSerialNumbers: string[];
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2), process.env);
  let size: number;
  try {
    size = statSync(options.file).size;
  } catch (error) {
    throw new CommandError(`cannot read ${options.file}: ${(error as Error).message}`, 2);
  }
  const token = await adminToken(options.token, options.org, options.sub);
  announce('import-campaign-units', 'streaming to the subgraph at', options.subgraph);
  const target = new URL(`campaigns/${encodeURIComponent(options.campaign)}/units`, options.subgraph.url);
  const bar = new SingleBar({ format: 'import-campaign-units |{bar}| {percentage}% {value}/{total} MiB, ETA {eta_formatted}', stream: process.stderr, hideCursor: true });
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  bar.start(mib(size), 0);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      bar.update(mib(sent));
      done(null, chunk);
    },
  });
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = send(target, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('error', reject);
    pipeline(createReadStream(options.file), counter, req).catch(reject);
  });
  let result: { status: number; body: string };
  try {
    result = await answer;
  } catch (error) {
    bar.stop();
    throw new CommandError(`cannot send to the subgraph at ${target.origin}: ${(error as Error).message}; nothing was imported`);
  }
  bar.stop();
  let parsed: Summary & { errors?: Array<{ message: string; extensions?: { code?: string; field?: string[] } }> };
  try {
    parsed = JSON.parse(result.body);
  } catch {
    throw new CommandError(`the subgraph answered HTTP ${result.status} without a summary; nothing was imported`);
  }
  if (result.status !== 200) {
    const errors = (parsed.errors ?? []).map((e) => `${e.extensions?.code ?? 'ERROR'}${e.extensions?.field ? ` (${e.extensions.field.join(' ')})` : ''}: ${e.message}`);
    throw new CommandError(`the subgraph refused the import (HTTP ${result.status}): ${errors.join('; ')}; nothing was imported`);
  }
  process.stdout.write(
    `campaign ${parsed.campaignCode}: ${parsed.received} serials received, ${parsed.added} units added, ${parsed.alreadyAffected} already affected, ${parsed.unknown} unknown\n`,
  );
  if (parsed.unknown > 0) {
    const more = parsed.unknown > parsed.unknownSerialNumbers.length ? ` (the first ${parsed.unknownSerialNumbers.length})` : '';
    process.stdout.write(`unknown serials${more}:\n${parsed.unknownSerialNumbers.map((s) => `  ${s}`).join('\n')}\n`);
  }
}

if (require.main === module) runCommand('import-campaign-units', main);
