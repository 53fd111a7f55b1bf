import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTokenVerifier } from '../../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { transpiledPath } from '../support/transpiled';

const ROOT = join(__dirname, '..', '..');
const runTokenScript = (...args: string[]) =>
  execFileSync(process.execPath, [transpiledPath('scripts/token.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, JWT_SECRET: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

// The script runs transpiled once (support/transpiled.ts); the README walkthroughs' test runs it through `npm run token`.
describe('npm run token', () => {
  beforeAll(() => void transpiledPath('scripts/token.ts'), 120_000);

  it('prints a development token the subgraph accepts, with the organisation, roles and customer asked for', async () => {
    const token = runTokenScript('--org', 'acme', '--role', 'customer', '--customer', 'cust-5', '--sub', 'alice');
    const actor = await createTokenVerifier({ jwtSecret: DEVELOPMENT_JWT_SECRET })(token);
    expect(actor).toEqual({ id: 'alice', orgId: 'acme', roles: ['CUSTOMER'], customerId: 'cust-5' });
  });

  it('refuses an unknown role', () => {
    expect(() => runTokenScript('--role', 'ROOT')).toThrow(/unknown role/);
    expect(() => runTokenScript('--rol', 'AGENT')).toThrow(/Unknown option '--rol'/);
  });
});
