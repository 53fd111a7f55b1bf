import { getVariableValues, Kind, parse, validate } from 'graphql';
import { buildWarrantySchema } from '../../src/schema';
import { EXAMPLE_OPERATIONS, exampleVariables, isLoopback, playgroundHtml } from '../../src/server/playground';

describe('the playground token is for callers on this machine only', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:10.1.2.3', false],
    ['fe80::1', false],
    ['1127.0.0.1', false],
    [undefined, false],
  ])('%s is loopback: %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });

  it('fills in the token when given one, and explains how to make one when not', () => {
    expect(playgroundHtml('ey.token.here')).toContain('Bearer ey.token.here');
    const remote = playgroundHtml(undefined);
    expect(remote).not.toContain('Bearer ey');
    expect(remote).toContain('npm run token');
  });
});

describe('the playground examples', () => {
  const schema = buildWarrantySchema();
  const document = parse(EXAMPLE_OPERATIONS);

  it('are a valid document against the schema, with no placeholder to replace by hand', () => {
    expect(validate(schema, document)).toEqual([]);
    expect(EXAMPLE_OPERATIONS).not.toMatch(/<[a-z ]+>/);
  });

  it("every operation's variables are given, and valid, by the example variables (VoidCells: the demo battery's id)", () => {
    const variables = JSON.parse(exampleVariables('0b7c1f7e-2f0a-4a53-9d7e-3f1c2b4a5d6e'));
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], variables);
      expect([definition.name?.value, coerced.errors]).toEqual([definition.name?.value, undefined]);
    }
    expect(playgroundHtml('ey.token.here', '0b7c1f7e-2f0a-4a53-9d7e-3f1c2b4a5d6e')).toContain('0b7c1f7e-2f0a-4a53-9d7e-3f1c2b4a5d6e');
  });

  it("name the role of the token they are filled in with, and the role a token made by hand needs", () => {
    expect(EXAMPLE_OPERATIONS).toContain('WARRANTY_ADMIN of org "sofar"');
    expect(playgroundHtml(undefined)).toContain('npm run token -- --org sofar --role WARRANTY_ADMIN');
  });
});
