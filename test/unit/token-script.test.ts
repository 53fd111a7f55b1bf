import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTokenVerifier } from '../../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';

const ROOT = join(__dirname, '..', '..');
const runTokenScript = (...args: string[]) =>
  execFileSync(process.execPath, [join(ROOT, 'node_modules/.bin/ts-node'), '--transpile-only', 'scripts/token.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, JWT_SECRET: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

describe('npm run token', () => {
  it('prints a development token the subgraph accepts, with the organisation, roles and customer asked for', async () => {
    const token = runTokenScript('--org', 'acme', '--role', 'customer', '--customer', 'cust-5', '--sub', 'alice');
    const actor = await createTokenVerifier({ jwtSecret: DEVELOPMENT_JWT_SECRET })(token);
    expect(actor).toEqual({ id: 'alice', orgId: 'acme', roles: ['CUSTOMER'], customerId: 'cust-5' });
  });

  it('refuses an unknown role', () => {
    expect(() => runTokenScript('--role', 'ROOT')).toThrow(/unknown role/);
  });
});
