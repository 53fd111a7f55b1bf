/**
 * What the CSV import commands share: a file with a header row naming its columns (in any order), read whole and
 * checked before anything is sent, every problem reported by line and column. A bad header stops the check there
 * (the rows cannot be read without it); a malformed record (a missing or extra cell) is noted and the rest still
 * checked.
 */
import { parse } from 'csv-parse/sync';
import { CommandError } from './command-line';

/** One problem of the file, as "line N, column C: ..." (or "line N: ..." when no one column is at fault). */
export interface Problem {
  line: number;
  message: string;
}

/** The file's problems, every one, in line order: what the command prints before it exits 1 having sent nothing. */
export class FileProblems extends CommandError {
  constructor(readonly problems: Problem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line);
    super(`${sorted.length} problem(s) in the file; nothing was sent:\n${sorted.map((p) => `  ${p.message}`).join('\n')}`);
  }
}

export interface CsvRecord<C extends string> {
  line: number;
  /** The cell of a column ('' for an optional column the header leaves out). */
  cell(column: C): string;
}

export interface CsvFile<C extends string> {
  records: Array<CsvRecord<C>>;
  /** Notes a problem of a line (and column); `finish` refuses the file if any was noted. */
  problem(line: number, column: string | null, message: string): void;
  /** Throws FileProblems when any problem was noted. */
  finish(): void;
}

/**
 * Parses `text` and checks its header against the columns (`required` must be there, nothing outside `columns`, none
 * twice). `noun` names a row in messages ("product", "labour operation").
 */
export function readCsv<C extends string>(text: string, columns: readonly C[], required: readonly C[], noun: string): CsvFile<C> {
  const problems: Problem[] = [];
  const problem = (line: number, column: string | null, message: string) =>
    problems.push({ line, message: `line ${line}${column ? `, column ${column}` : ''}: ${message}` });
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      info: true,
      bom: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error: { lines?: number; message: string } | undefined) => {
        if (error) problem(error.lines ?? 0, null, error.message);
      },
    }) as unknown as typeof records;
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string };
    throw new CommandError(lines ? `line ${lines}: ${message}` : message);
  }
  if (records.length === 0 && problems.length === 0) throw new CommandError(`the file is empty: it needs a header row and at least one ${noun}`);
  if (records.length === 0) throw new FileProblems(problems);

  const header = records[0].record.map((name) => name.trim());
  const headerLine = records[0].info.lines;
  const headerProblems: Problem[] = [];
  const unknown = header.filter((name) => !(columns as readonly string[]).includes(name));
  if (unknown.length > 0) headerProblems.push({ line: headerLine, message: `line ${headerLine}: unknown column(s) ${unknown.join(', ')}; the columns are ${columns.join(', ')}` });
  const missing = required.filter((name) => !header.includes(name));
  if (missing.length > 0) headerProblems.push({ line: headerLine, message: `line ${headerLine}: missing column(s) ${missing.join(', ')}` });
  const repeated = [...new Set(header.filter((name, index) => header.indexOf(name) !== index))];
  for (const name of repeated) headerProblems.push({ line: headerLine, message: `line ${headerLine}: column ${name} appears twice` });
  if (headerProblems.length > 0) throw new FileProblems(headerProblems);
  if (records.length === 1 && problems.length === 0) throw new CommandError(`the file has a header but no ${noun}`);

  const position = new Map(header.map((name, index) => [name as C, index]));
  return {
    records: records.slice(1).map(({ record, info }) => ({
      line: info.lines,
      cell: (column: C) => (position.has(column) ? record[position.get(column)!] : ''),
    })),
    problem,
    finish() {
      if (problems.length > 0) throw new FileProblems(problems);
    },
  };
}
