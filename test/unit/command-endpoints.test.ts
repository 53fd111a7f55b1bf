import { parseArguments as evaluateArguments } from '../../scripts/evaluate-telemetry';
import { parseArguments as exportArguments } from '../../scripts/export';
import { parseArguments as importArguments } from '../../scripts/import-products';
import { embeddedDatabaseUrl } from '../../src/db/embedded-postgres';
import { connectionConfig, databaseEndpoint, describeEndpoint, subgraphEndpoint } from '../../src/endpoints';

/**
 * Where the companion commands connect follows the environment `npm start` reads (issue 17, item 12): PORT and HOST
 * for the subgraph, DATABASE_URL and EMBEDDED_PG_PORT for the database, with --url and SUBGRAPH_URL to point
 * anywhere else. test/api/evaluate-telemetry-command.test.ts runs the command against a server on another PORT.
 */
describe('where the commands connect', () => {
  it('the subgraph: --url, else SUBGRAPH_URL, else the server `npm start` runs on PORT (4001 by default)', () => {
    expect(subgraphEndpoint({})).toEqual({ url: 'http://localhost:4001/', from: 'the default PORT, as `npm start`' });
    expect(subgraphEndpoint({ PORT: '4301' })).toEqual({ url: 'http://localhost:4301/', from: 'PORT' });
    expect(subgraphEndpoint({ PORT: '4301', HOST: '0.0.0.0' }).url).toBe('http://localhost:4301/');
    expect(subgraphEndpoint({ PORT: '4301', HOST: '127.0.0.1' }).url).toBe('http://127.0.0.1:4301/');
    expect(subgraphEndpoint({ PORT: '4301', HOST: '::1' }).url).toBe('http://[::1]:4301/');
    expect(subgraphEndpoint({ PORT: '4301', SUBGRAPH_URL: 'https://warranty.example/' })).toEqual({ url: 'https://warranty.example/', from: 'SUBGRAPH_URL' });
    expect(subgraphEndpoint({ PORT: '4301', SUBGRAPH_URL: 'https://warranty.example/' }, 'http://elsewhere:1/')).toEqual({ url: 'http://elsewhere:1/', from: '--url' });
  });

  it('refuses what `npm start` would refuse, and a PORT no client can follow', () => {
    expect(() => subgraphEndpoint({ PORT: 'forty' })).toThrow('PORT must be a whole number');
    expect(() => subgraphEndpoint({ PORT: '0' })).toThrow('--url or SUBGRAPH_URL');
    expect(() => subgraphEndpoint({ SUBGRAPH_URL: 'localhost:4001' })).toThrow('SUBGRAPH_URL must be an http or https URL');
    expect(() => subgraphEndpoint({}, 'not a url')).toThrow('--url is not a valid URL');
    // Only where things are is read: a production environment without its secret still finds the server.
    expect(subgraphEndpoint({ NODE_ENV: 'production', PORT: '4301' }).url).toBe('http://localhost:4301/');
  });

  it('the database: DATABASE_URL, else the embedded PostgreSQL `npm start` runs on EMBEDDED_PG_PORT (54329 by default)', () => {
    expect(databaseEndpoint(connectionConfig({})).url).toBe(embeddedDatabaseUrl(54329));
    expect(databaseEndpoint(connectionConfig({ EMBEDDED_PG_PORT: '55000' }))).toEqual({
      url: embeddedDatabaseUrl(55000),
      from: 'the embedded PostgreSQL of `npm start`, EMBEDDED_PG_PORT 55000',
    });
    expect(databaseEndpoint(connectionConfig({ EMBEDDED_PG_PORT: '55000', DATABASE_URL: 'postgres://u:pw@db:5432/w' }))).toEqual({
      url: 'postgres://u:pw@db:5432/w',
      from: 'DATABASE_URL',
    });
    expect(() => connectionConfig({ EMBEDDED_PG_PORT: '70000' })).toThrow('EMBEDDED_PG_PORT must be a whole number');
  });

  it('says where, without the password', () => {
    expect(describeEndpoint({ url: 'postgres://u:secret@db:5432/w', from: 'DATABASE_URL' })).toBe('postgres://u:***@db:5432/w (from DATABASE_URL)');
    expect(describeEndpoint({ url: 'http://localhost:4301/', from: 'PORT' })).toBe('http://localhost:4301/ (from PORT)');
  });

  it('each command resolves its endpoint from the environment it is given', () => {
    const env = { PORT: '4301' };
    expect(evaluateArguments(['--org', 'acme'], env).subgraph).toEqual({ url: 'http://localhost:4301/', from: 'PORT' });
    expect(importArguments(['products.csv', '--org', 'acme'], env).subgraph).toEqual({ url: 'http://localhost:4301/', from: 'PORT' });
    expect(importArguments(['products.csv', '--org', 'acme', '--url', 'http://127.0.0.1:9/'], env).subgraph.url).toBe('http://127.0.0.1:9/');
    expect(() => evaluateArguments(['--org', 'acme'], { PORT: 'x' })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('reads the command lines with node:util parseArgs: unknown options and missing values are usage errors', () => {
    expect(() => evaluateArguments(['--org', 'acme', '--nope'], {})).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining("Unknown option '--nope'") }));
    expect(() => evaluateArguments(['--org'], {})).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => importArguments(['a.csv', 'b.csv', '--org', 'acme'], {})).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('exactly one CSV file') }));
    expect(exportArguments(['--out', 'f.parquet', '--org', 'a,b', '--org', 'c'], '2026-11-24')).toMatchObject({ asOf: '2026-11-24', orgIds: ['a', 'b', 'c'] });
    expect(() => exportArguments(['--out', 'f.parquet', '--at', '2026-02-30'], '2026-11-24')).toThrow('calendar date');
  });
});
