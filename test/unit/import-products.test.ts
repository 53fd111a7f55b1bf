import { FileProblems, readReferences } from '../../scripts/import-products';

/** The file checks of `npm run import-products`, in process (test/api/import-products.test.ts runs the command). */
describe('import-products file checks', () => {
  it('reads the header in any order, skips blank lines, keeps line numbers, and normalises like the mutation', () => {
    const rows = readReferences('\ufeffproductFamily,sku,productId,capacityKwh\r\nbattery, B-1 ,p1,10.24\r\n\r\n"inverter","I,2",p2,\r\n');
    expect(rows).toEqual([
      { line: 2, reference: { sku: 'B-1', productId: 'p1', productFamily: 'BATTERY', capacityKwh: 10.24 } },
      { line: 4, reference: { sku: 'I,2', productId: 'p2', productFamily: 'INVERTER', capacityKwh: null } },
    ]);
  });

  it('takes a file without the capacity column', () => {
    expect(readReferences('sku,productId,productFamily\nA,p,INVERTER\n')[0].reference.capacityKwh).toBeNull();
  });

  it.each([
    ['a capacity that is not a number', 'sku,productId,productFamily,capacityKwh\nOK-1,p1,INVERTER,\nOK-2,p2,BATTERY,ten\n', 'line 3, column capacityKwh'],
    ['a capacity written with an exponent', 'sku,productId,productFamily,capacityKwh\nOK-1,p1,BATTERY,1e3\n', 'line 2, column capacityKwh'],
    ['a zero capacity', 'sku,productId,productFamily,capacityKwh\nOK-1,p1,BATTERY,0\n', 'line 2, column capacityKwh'],
    ['an empty family', 'sku,productId,productFamily,capacityKwh\nOK-1,p1,INVERTER,\nOK-2,p2,,\n', 'line 3, column productFamily'],
    ['an empty SKU', 'sku,productId,productFamily\n  ,p1,INVERTER\n', 'line 2, column sku'],
    ['a SKU repeated further down', 'sku,productId,productFamily\nOK-1,p1,INVERTER\nOK-2,p2,INVERTER\n OK-1,p3,INVERTER\n', 'line 4, column sku: "OK-1" is already on line 2'],
    ['a row with a missing cell', 'sku,productId,productFamily\nOK-1,p1,INVERTER\nOK-2,p2\n', 'line 3'],
    ['an unclosed quote', 'sku,productId,productFamily\n"OK-1,p1,INVERTER\n', 'line 2'],
    ['an unknown column', 'sku,productId,productFamily,capacity_kwh\nOK-1,p1,INVERTER,5\n', 'line 1: unknown column(s) capacity_kwh'],
    ['a missing column', 'sku,productFamily\nOK-1,INVERTER\n', 'line 1: missing column(s) productId'],
    ['a column named twice', 'sku,productId,productFamily,sku\nA,p,INVERTER,B\n', 'line 1: column sku appears twice'],
    ['a header and no product', 'sku,productId,productFamily\n', 'no product'],
    ['an empty file', '', 'empty'],
  ])('refuses %s, naming the line and column', (_, text, message) => {
    expect(() => readReferences(text)).toThrow(message);
  });

  it('reports every bad line of a file, in line order, not only the first (issue 17, item 13)', () => {
    const text =
      'sku,productId,productFamily,capacityKwh\n' +
      'OK-1,p1,INVERTER,\n' +
      'OK-2,p2,BATTERY,ten\n' + // line 3: capacity
      'OK-3,p3\n' + // line 4: a missing cell
      'OK-4,p4,,\n' + // line 5: empty family
      'OK-1,p5,INVERTER,\n' + // line 6: repeated SKU
      'OK-6,p6,BATTERY,0\n'; // line 7: zero capacity
    let refusal: unknown;
    try {
      readReferences(text);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(FileProblems);
    const lines = (refusal as FileProblems).message.split('\n');
    expect(lines[0]).toBe('5 problem(s) in the file; nothing was sent:');
    expect(lines.slice(1).map((line) => line.trim().replace(/:.*/s, ''))).toEqual([
      'line 3, column capacityKwh',
      'line 4',
      'line 5, column productFamily',
      'line 6, column sku',
      'line 7, column capacityKwh',
    ]);
    expect(lines[4]).toContain('"OK-1" is already on line 2');
  });

  it('reports every problem of the header at once, and stops there', () => {
    expect(() => readReferences('sku,sku,capacity_kwh\nA,B,5\nC\n')).toThrow(
      /line 1: unknown column\(s\) capacity_kwh.*\n.*line 1: missing column\(s\) productId, productFamily\n.*line 1: column sku appears twice$/s,
    );
  });
});

