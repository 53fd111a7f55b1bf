/**
 * Prints a development bearer token signed with JWT_SECRET (or the built-in development secret).
 *   npm run token -- --org sofar --role AGENT [--role WARRANTY_ADMIN] [--sub alice] [--customer cust-1001] [--expires 12h]
 */
import { ROLES, type Role } from '../src/auth/actor';
import { signToken } from '../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET } from '../src/config';
import { CommandError, parseCommandLine, runCommand } from './command-line';

const USAGE = 'usage: npm run token -- [--org sofar] [--role AGENT|WAREHOUSE|... ...] [--sub <who>] [--customer <id>] [--expires 12h]';

async function main(): Promise<void> {
  const { values } = parseCommandLine(
    process.argv.slice(2),
    {
      org: { type: 'string' },
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      customer: { type: 'string' },
      expires: { type: 'string' },
    },
    USAGE,
  );
  const org = values.org || 'sofar';
  const roles = (values.role ?? []).flatMap((r) => r.split(',')).map((r) => r.trim().toUpperCase()).filter(Boolean);
  if (roles.length === 0) roles.push('AGENT');
  const unknown = roles.filter((r) => !ROLES.includes(r as Role));
  if (unknown.length > 0) throw new CommandError(`unknown role(s) ${unknown.join(', ')}; use ${ROLES.join(', ')}`, 2);
  const token = await signToken(
    process.env.JWT_SECRET || DEVELOPMENT_JWT_SECRET,
    { sub: values.sub || `dev-${roles[0].toLowerCase()}`, org, roles: roles as Role[], customerId: values.customer || undefined },
    { expiresIn: values.expires || '12h', issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE },
  );
  process.stdout.write(`${token}\n`);
}

runCommand('token', main);
