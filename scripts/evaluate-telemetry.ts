/**
 * Applies rule 8 (§5.5.19) to every unit of an organisation, through a running subgraph's evaluateTelemetry
 * mutation, chunk by chunk in unit order, with a progress bar on stderr and a summary on stdout.
 *
 *   npm run evaluate-telemetry -- [--dry-run] [--url <subgraph URL>] [--token <JWT> | --org <org>] [--chunk 50000]
 *
 * The subgraph is --url, else SUBGRAPH_URL, else the one `npm start` runs with the same environment
 * (http://localhost:$PORT/, PORT defaulting to 4001); the command says which on stderr before it calls.
 * The token comes from --token, else the TOKEN variable; outside production, --org mints a development
 * WARRANTY_ADMIN token for that organisation (like `npm run token`). Each chunk is one transaction: a unit decided in
 * a chunk is never decided again, so an interrupted run is simply run again. A dry run changes nothing and lists
 * the first decisions it would take.
 *
 * Exit codes: 0 done, 1 refused (unreachable subgraph, refused call), 2 usage.
 */
import { SingleBar } from 'cli-progress';
import { subgraphEndpoint, type Endpoint } from '../src/endpoints';
import { announce, CommandError, parseCommandLine, resolveEndpoint, runCommand } from './command-line';
import { adminToken, callSubgraph } from './subgraph-client';

const USAGE = 'usage: npm run evaluate-telemetry -- [--dry-run] [--url <subgraph URL>] [--token <JWT> | --org <org>] [--chunk 1..1000000]';

interface Options {
  dryRun: boolean;
  subgraph: Endpoint;
  token: string | null;
  org: string | null;
  chunk: number;
}

export function parseArguments(argv: string[], env: Record<string, string | undefined> = process.env): Options {
  const { values } = parseCommandLine(
    argv,
    { 'dry-run': { type: 'boolean' }, url: { type: 'string' }, token: { type: 'string' }, org: { type: 'string' }, chunk: { type: 'string' } },
    USAGE,
  );
  for (const name of ['url', 'token', 'org', 'chunk'] as const) {
    if (values[name] === '') throw new CommandError(`--${name} needs a value\n${USAGE}`, 2);
  }
  const chunk = Number(values.chunk ?? 50_000);
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 1_000_000) throw new CommandError('--chunk must be a whole number from 1 to 1000000', 2);
  const token = values.token ?? (env.TOKEN || null);
  const org = values.org ?? null;
  if (!token && !org) throw new CommandError(`give --token (or TOKEN), or --org to mint a development admin token\n${USAGE}`, 2);
  if (!token && env.NODE_ENV === 'production') throw new CommandError('in production, give a token with --token or TOKEN; --org only mints development tokens', 2);
  const subgraph = resolveEndpoint(() => subgraphEndpoint(env, values.url));
  return { dryRun: values['dry-run'] ?? false, subgraph, token, org, chunk };
}

const COUNT = `query TelemetryFleet { warranties(first: 1) { totalCount } }`;
const EVALUATE = `mutation EvaluateTelemetry($input: EvaluateTelemetryInput!) { evaluateTelemetry(input: $input) {
  voided flagged unitsConsidered lastWarrantyId done decisions { serialNumber outcome reason } userErrors { code message } } }`;

interface Chunk {
  voided: number;
  flagged: number;
  unitsConsidered: number;
  lastWarrantyId: string | null;
  done: boolean;
  decisions: Array<{ serialNumber: string; outcome: string; reason: string }>;
  userErrors: Array<{ code: string; message: string }>;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const token = await adminToken(options.token, options.org, 'evaluate-telemetry');
  announce('evaluate-telemetry', 'calling the subgraph at', options.subgraph);
  const url = options.subgraph.url;
  const started = Date.now();
  const { totalCount } = await callSubgraph<{ totalCount: number }>(url, token, COUNT, {}, 'warranties', 'the count of units');
  // A bar on a terminal; a line per chunk in a log (a bar redrawn in a file is noise).
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'evaluate-telemetry [{bar}] {value}/{total} units | {voided} voided, {flagged} flagged', stream: process.stderr, hideCursor: true })
    : null;
  bar?.start(totalCount, 0, { voided: 0, flagged: 0 });
  const totals = { units: 0, voided: 0, flagged: 0 };
  const listed: Chunk['decisions'] = [];
  let after: string | null = null;
  try {
    for (;;) {
      const chunk: Chunk = await callSubgraph<Chunk>(url, token, EVALUATE, { input: { dryRun: options.dryRun, afterWarrantyId: after, limit: options.chunk } }, 'evaluateTelemetry', 'the evaluation');
      if (chunk.userErrors.length > 0) throw new CommandError(`${chunk.userErrors[0].code} ${chunk.userErrors[0].message}`);
      totals.units += chunk.unitsConsidered;
      totals.voided += chunk.voided;
      totals.flagged += chunk.flagged;
      if (listed.length < 20) listed.push(...chunk.decisions.slice(0, 20 - listed.length));
      bar?.update(Math.min(totals.units, totalCount), { voided: totals.voided, flagged: totals.flagged });
      if (!bar) process.stderr.write(`evaluate-telemetry: ${Math.min(totals.units, totalCount)}/${totalCount} units, ${totals.voided} voided, ${totals.flagged} flagged\n`);
      if (chunk.done || !chunk.lastWarrantyId) break;
      after = chunk.lastWarrantyId;
    }
  } finally {
    bar?.stop();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const verb = options.dryRun ? 'would void' : 'voided';
  process.stdout.write(`evaluated ${totals.units} unit(s) in ${seconds} s${options.dryRun ? ' (dry run: nothing changed)' : ''}: ${verb} ${totals.voided}, flagged ${totals.flagged} for review\n`);
  for (const decision of listed) process.stdout.write(`  ${decision.outcome} ${decision.serialNumber}: ${decision.reason}\n`);
}

if (require.main === module) runCommand('evaluate-telemetry', main);
