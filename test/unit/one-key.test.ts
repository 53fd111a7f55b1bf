import { oneKeyForm } from '../../src/db/one-key';

const BY_SERIAL = 'SELECT id FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = ANY($2::text[])';

describe('a batch of one key is sent as the one-key statement', () => {
  it.each([
    ['one key: `= $2::text` and the key itself', BY_SERIAL, ['org-a', ['SN-1']], 'SELECT id FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = $2::text', ['org-a', 'SN-1']],
    ['several keys: as it was', BY_SERIAL, ['org-a', ['SN-1', 'SN-2']], BY_SERIAL, ['org-a', ['SN-1', 'SN-2']]],
    ['no key: as it was (the statement finds nothing either way)', BY_SERIAL, ['org-a', []], BY_SERIAL, ['org-a', []]],
    ['a null key: `= NULL` finds nothing, as `= ANY(\'{NULL}\')` does', BY_SERIAL, ['org-a', [null]], 'SELECT id FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = $2::text', ['org-a', null]],
    [
      'the same parameter twice: both places',
      'SELECT 1 FROM a WHERE a.id = ANY($2::uuid[]) UNION SELECT 1 FROM b WHERE b.id =ANY($2::uuid[])',
      ['org-a', ['u-1']],
      'SELECT 1 FROM a WHERE a.id = $2::uuid UNION SELECT 1 FROM b WHERE b.id = $2::uuid',
      ['org-a', 'u-1'],
    ],
    [
      'two array parameters: only the one that holds one key',
      'SELECT 1 FROM p WHERE p.family = ANY($2::text[]) UNION SELECT 1 FROM p WHERE p.sku = ANY($3::text[])',
      ['org-a', ['F'], ['S-1', 'S-2']],
      'SELECT 1 FROM p WHERE p.family = $2::text UNION SELECT 1 FROM p WHERE p.sku = ANY($3::text[])',
      ['org-a', 'F', ['S-1', 'S-2']],
    ],
    [
      'a parameter also used otherwise: as it was',
      'SELECT 1 FROM r WHERE ($1::text[] IS NULL OR r.org_id = ANY($1::text[]))',
      [['org-a']],
      'SELECT 1 FROM r WHERE ($1::text[] IS NULL OR r.org_id = ANY($1::text[]))',
      [['org-a']],
    ],
    [
      '$1 is not $10',
      'SELECT 1 FROM r WHERE r.a = ANY($1::text[]) AND r.b = $10',
      [['x'], 2, 3, 4, 5, 6, 7, 8, 9, 10],
      'SELECT 1 FROM r WHERE r.a = $1::text AND r.b = $10',
      ['x', 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ],
    ['no array parameter: as it was', 'SELECT 1 WHERE $1 = $2', [1, 2], 'SELECT 1 WHERE $1 = $2', [1, 2]],
  ])('%s', (_case, text, values, expectedText, expectedValues) => {
    const sent = oneKeyForm(text, values);
    expect(sent.text).toBe(expectedText);
    expect(sent.values).toEqual(expectedValues);
  });

  it('leaves the caller\'s values as they were, and gives the same text for the same shape', () => {
    const values = ['org-a', ['SN-1']];
    const first = oneKeyForm(BY_SERIAL, values);
    expect(values).toEqual(['org-a', ['SN-1']]);
    expect(oneKeyForm(BY_SERIAL, ['org-b', ['SN-9']]).text).toBe(first.text);
  });
});
