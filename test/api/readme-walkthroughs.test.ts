import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { signToken } from '../../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { postGraphQL, startTestApp, type TestApp } from '../support/harness';

/**
 * The README's walkthroughs, run as a reader would run them (issue 17, item 13). A walkthrough is a fenced block
 * right under a `<!-- walkthrough: NAME … -->` comment:
 *  - a `bash` block runs in bash (`set -euo pipefail`) in the repository, against a subgraph this test starts on a
 *    free port, told only `PORT` (as a reader's shell has `npm start`'s environment); `npm run token` is run as
 *    written. Every JSON answer it prints must have no `errors` and only empty `userErrors`.
 *  - a `graphql` block is what a reader pastes into the playground: its operations are sent in order with the
 *    playground's token (a WARRANTY_ADMIN of the demo organisation, as src/app.ts mints it), each `$id` bound to the
 *    first `id` an earlier answer gave and `$reference` to a new OA reference per run, as the README asks the reader.
 * The subgraph serves a database of its own, seeded with the demo units as `npm start` seeds them. The claim
 * walkthroughs run twice on the same unit and repair date, as a reader trying them again would: the second run
 * passes only once a goodwill coverage pays the one claim it was granted for (issue 17, item 1).
 */
const ROOT = join(__dirname, '..', '..');

interface Block {
  name: string;
  language: string;
  code: string;
}

export function walkthroughBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const match of markdown.matchAll(/<!-- walkthrough: ([\w-]+)[^>]*-->\n```(\w+)\n([\s\S]*?)\n```/g)) {
    blocks.push({ name: match[1], language: match[2], code: match[3] });
  }
  return blocks;
}

const blocks = walkthroughBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const blockNamed = (name: string): Block => {
  const block = blocks.find((b) => b.name === name);
  if (!block) throw new Error(`README.md has no walkthrough named ${name}`);
  return block;
};

/** Every answer's problems: GraphQL errors, and any non-empty userErrors anywhere in the data. */
function problemsOf(answer: unknown): string[] {
  const problems: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'errors' && Array.isArray(inner) && inner.length > 0) problems.push(`errors: ${JSON.stringify(inner)}`);
      else if (key === 'userErrors' && Array.isArray(inner) && inner.length > 0) problems.push(`userErrors: ${JSON.stringify(inner)}`);
      else walk(inner);
    }
  };
  walk(answer);
  return problems;
}

/**
 * A subgraph as `npm start` runs it for a reader (demo units seeded), on a database of its own: each group of
 * walkthroughs below starts from the demo data alone, as a reader who follows only that one would.
 */
function demoSubgraph(): { get: () => TestApp } {
  let scratch: ScratchDatabase | undefined;
  let t: TestApp | undefined;
  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    t = await startTestApp({ databaseUrl: scratch.url, env: { SEED_DEMO_DATA: 'true' } });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    await scratch?.dispose();
  });
  return { get: () => t! };
}

/** Runs a bash walkthrough; resolves with its exit code, output, and the JSON answers it printed. */
function runShell(t: TestApp, code: string): Promise<{ code: number; stdout: string; stderr: string; answers: unknown[] }> {
  const env = { ...process.env, PORT: new URL(t.url).port, HOST: '', SUBGRAPH_URL: '', JWT_SECRET: '', LOG_LEVEL: 'silent' };
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail\n${code}`], { cwd: ROOT, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      const answers = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as unknown);
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr, answers });
    });
  });
}

/** Sends a playground walkthrough's operations in order; `$id` is the first `id` an earlier answer gave. */
async function runPlayground(t: TestApp, code: string, run: number): Promise<unknown[]> {
  const token = await signToken(DEVELOPMENT_JWT_SECRET, { sub: 'playground', org: 'sofar', roles: ['WARRANTY_ADMIN'] });
  const operations = parse(code).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const answers: unknown[] = [];
  let id: string | undefined;
  for (const operation of operations) {
    const variables: Record<string, string> = {};
    for (const name of operation.variableDefinitions?.map((v) => v.variable.name.value) ?? []) {
      if (name === 'id' && !id) throw new Error(`${operation.name?.value} needs the id an earlier operation answered`);
      if (name === 'id') variables.id = id!;
      else if (name === 'reference') variables.reference = `OA-${run}`;
      else throw new Error(`the README's ${operation.name?.value} takes $${name}: say here what a reader gives it`);
    }
    const answer = await postGraphQL(t.url, print(operation), variables, token);
    answers.push(answer);
    id ??= JSON.stringify(answer.data ?? {}).match(/"id":"([^"]+)"/)?.[1];
  }
  return answers;
}

const RUNS = [
  ['first run', 1],
  ['second run on the same unit and day (passes once goodwill pays only its own claim: issue 17, item 1)', 2],
] as const;

describe('the README walkthroughs, run as written', () => {
  it('marks the walkthroughs this test runs', () => {
    expect(blocks.map((b) => `${b.name} (${b.language})`)).toEqual(['lookup (bash)', 'claim-playground (graphql)', 'claim-shell (bash)']);
  });

  describe('from a shell', () => {
    const subgraph = demoSubgraph();

    it('lookup: a demo unit, with the AGENT token `npm run token` mints, on the PORT the server listens on', async () => {
      const run = await runShell(subgraph.get(), blockNamed('lookup').code);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.answers).toHaveLength(1);
      expect(problemsOf(run.answers)).toEqual([]);
      expect(run.answers[0]).toMatchObject({ data: { warranty: { region: expect.any(String), status: expect.any(String) } } });
    }, 300_000);

    it.each(RUNS)('a claim, each step by its own role (AGENT; SERVICE for the OA decision): %s', async () => {
      const run = await runShell(subgraph.get(), blockNamed('claim-shell').code);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(problemsOf(run.answers)).toEqual([]);
      expect(run.answers).toHaveLength(6);
      expect(run.answers.at(-1)).toMatchObject({ data: { claim: { status: 'CLOSED', cover: expect.any(String) } } });
    }, 300_000);
  });

  describe('in the playground', () => {
    const subgraph = demoSubgraph();

    it.each(RUNS)('a claim from intake to closure through an exception: %s', async (_, run) => {
      const answers = await runPlayground(subgraph.get(), blockNamed('claim-playground').code, run);
      expect(problemsOf(answers)).toEqual([]);
      expect(answers.at(-1)).toMatchObject({ data: { claim: { status: 'CLOSED' } } });
    }, 300_000);
  });
});
