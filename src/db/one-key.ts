/**
 * A batch of one key sent as the one-key statement.
 *
 * The loaders batch their keys into one statement, `… WHERE org_id = $1 AND serial_number = ANY($2::text[])`, sent
 * as a named prepared statement. PostgreSQL plans a prepared statement for its values five times, then compares
 * the cost of a plan for any values (a generic plan, made once and reused) with theirs. For an array it does not
 * know, it assumes ten elements, so the generic plan of a unit's check looks ten times dearer than the plan for one
 * serial number, and it plans the statement again at every call: on the bench's data, that planning was more than
 * half of PostgreSQL's CPU for a single check (about 360 µs a check against 155 µs with the plan reused).
 *
 * So a statement whose array parameter holds exactly one key is sent with `= $n::type` in place of
 * `= ANY($n::type[])`, and the key itself as the value: the same rows (`x = ANY('{v}')` is `x = v`, for a null
 * too), a text of its own with a name of its own, and a generic plan PostgreSQL reuses when it costs no more.
 * Only a parameter used nowhere else in the text is rewritten. Every statement the row reader sends inherits it
 * (row-reader.ts); a batch of several keys is sent as it was.
 */

/** `= ANY($n::type[])`, as the loaders write it. */
const ANY_PARAMETER = /=\s*ANY\(\$(\d+)::([A-Za-z_][A-Za-z0-9_]*)\[\]\)/g;

interface Shape {
  /** The 1-based parameters used only as `= ANY($n::type[])`. */
  parameters: number[];
  /** The one-key texts, by which of `parameters` held one key (a bit each). */
  texts: Map<number, string>;
}

const shapes = new Map<string, Shape | null>();
/** Texts kept: the loaders' statements are a few hundred at most; past this, statements are sent as they are. */
const MAX_SHAPES = 1_000;

function shapeOf(text: string): Shape | null {
  let shape = shapes.get(text);
  if (shape !== undefined) return shape;
  const inAny = new Map<number, number>();
  for (const match of text.matchAll(ANY_PARAMETER)) inAny.set(Number(match[1]), (inAny.get(Number(match[1])) ?? 0) + 1);
  const parameters = [...inAny].filter(([n, count]) => (text.match(new RegExp(`\\$${n}(?![0-9])`, 'g'))?.length ?? 0) === count).map(([n]) => n);
  shape = parameters.length > 0 ? { parameters, texts: new Map() } : null;
  if (shapes.size < MAX_SHAPES) shapes.set(text, shape);
  return shape;
}

/** The statement to send for `text` with `values`: the one-key form where an array parameter holds one key. */
export function oneKeyForm<Values extends readonly unknown[]>(text: string, values: Values): { text: string; values: Values } {
  const shape = shapeOf(text);
  if (!shape) return { text, values };
  let single = 0;
  shape.parameters.forEach((n, bit) => {
    const value = values[n - 1];
    if (Array.isArray(value) && value.length === 1) single |= 1 << bit;
  });
  if (single === 0) return { text, values };
  let rewritten = shape.texts.get(single);
  if (rewritten === undefined) {
    const chosen = new Set(shape.parameters.filter((_, bit) => single & (1 << bit)));
    rewritten = text.replace(ANY_PARAMETER, (whole, n: string, type: string) => (chosen.has(Number(n)) ? `= $${n}::${type}` : whole));
    shape.texts.set(single, rewritten);
  }
  const sent = values.slice() as unknown[] as Values & unknown[];
  shape.parameters.forEach((n, bit) => {
    if (single & (1 << bit)) sent[n - 1] = (values[n - 1] as unknown[])[0];
  });
  return { text: rewritten, values: sent };
}
