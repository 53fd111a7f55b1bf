/**
 * Prints a development bearer token signed with JWT_SECRET (or the built-in development secret).
 *   npm run token -- --org sofar --role AGENT [--role WARRANTY_ADMIN] [--sub alice] [--customer cust-1001] [--expires 12h]
 */
import { ROLES, type Role } from '../src/auth/actor';
import { signToken } from '../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET } from '../src/config';

function argument(name: string): string[] {
  const values: string[] = [];
  process.argv.forEach((arg, index) => {
    if (arg === `--${name}` && process.argv[index + 1]) values.push(process.argv[index + 1]);
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  });
  return values;
}

async function main(): Promise<void> {
  const org = argument('org')[0] ?? 'sofar';
  const roles = argument('role').flatMap((r) => r.split(',')).map((r) => r.trim().toUpperCase());
  if (roles.length === 0) roles.push('AGENT');
  const unknown = roles.filter((r) => !ROLES.includes(r as Role));
  if (unknown.length > 0) {
    process.stderr.write(`unknown role(s) ${unknown.join(', ')}; use ${ROLES.join(', ')}\n`);
    process.exit(2);
  }
  const sub = argument('sub')[0] ?? `dev-${roles[0].toLowerCase()}`;
  const token = await signToken(
    process.env.JWT_SECRET || DEVELOPMENT_JWT_SECRET,
    { sub, org, roles: roles as Role[], customerId: argument('customer')[0] },
    { expiresIn: argument('expires')[0] ?? '12h', issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE },
  );
  process.stdout.write(`${token}\n`);
}

void main();
