import { ApolloServer } from '@apollo/server';
import { loadConfig } from '../../src/config';
import type { RequestContext } from '../../src/context';
import { buildWarrantySchema } from '../../src/schema';
import { HeavySlots } from '../../src/server/heavy-slots';
import { operationLimits } from '../../src/server/limits';
import { assertOnlyDeclaredPlugins, needsGeneralPath, serverPlugins, type DeclaredPlugin } from '../../src/server/server-plugins';

/**
 * Every Apollo plugin is declared with what a planned read does in its place (src/server/server-plugins.ts), and
 * the server refuses to start with one that is not: a plugin Apollo Server installs by itself would otherwise miss
 * every planned read.
 */
describe('the declared Apollo plugins', () => {
  const schema = buildWarrantySchema();
  const { limits } = loadConfig({ NODE_ENV: 'test' });
  const shape = operationLimits(limits, { hideFieldSuggestions: false });
  const declaredPlugins = () => serverPlugins(limits, new HeavySlots(1), shape.plugins);

  async function started(plugins: readonly DeclaredPlugin[]): Promise<ApolloServer<RequestContext>> {
    const apollo = new ApolloServer<RequestContext>({ schema, plugins: plugins.map((p) => p.plugin), stopOnTerminationSignals: false });
    await apollo.start();
    return apollo;
  }

  it('says, for each plugin, what a planned read does instead or when it hands the request over', () => {
    for (const declared of declaredPlugins()) {
      const planned = declared.planned;
      expect([declared.name, 'same' in planned ? planned.same.length > 5 : planned.why.length > 5]).toEqual([declared.name, true]);
    }
  });

  it('holds: the server runs exactly the declared plugins, with Apollo key variables in the environment too', async () => {
    const saved = { key: process.env.APOLLO_KEY, ref: process.env.APOLLO_GRAPH_REF };
    process.env.APOLLO_KEY = 'service:test:not-a-key';
    process.env.APOLLO_GRAPH_REF = 'test@current';
    try {
      const plugins = declaredPlugins();
      const apollo = await started(plugins);
      try {
        expect(() => assertOnlyDeclaredPlugins(apollo, plugins)).not.toThrow();
      } finally {
        await apollo.stop();
      }
    } finally {
      if (saved.key === undefined) delete process.env.APOLLO_KEY;
      else process.env.APOLLO_KEY = saved.key;
      if (saved.ref === undefined) delete process.env.APOLLO_GRAPH_REF;
      else process.env.APOLLO_GRAPH_REF = saved.ref;
    }
  });

  it('refuses a plugin Apollo Server installed by itself', async () => {
    // Without the declared "cache control (off)", Apollo installs its cache-control plugin on every field.
    const plugins = declaredPlugins().filter((p) => p.name !== 'cache control (off)');
    const apollo = await started(plugins);
    try {
      expect(() => assertOnlyDeclaredPlugins(apollo, plugins)).toThrow(/not declared in server-plugins.ts.*CacheControl/);
    } finally {
      await apollo.stop();
    }
  });

  it('hands a request asking for a federated trace to Apollo, and no other', () => {
    const plugins = declaredPlugins();
    const headers = (given: Record<string, string>) => (name: string) => given[name];
    expect(needsGeneralPath(plugins, headers({ 'apollo-federation-include-trace': 'ftv1' }))).toBe(true);
    expect(needsGeneralPath(plugins, headers({ 'content-type': 'application/json' }))).toBe(false);
  });
});
