// Prints the dependency numbers of src/ (circles, upward arrows) by the layers of dependency-rule.js.
// Usage: npx depcruise src --config .dependency-cruiser.js --output-type json | node scripts/deps-report.js
// With --docs (`npm run deps:docs`) it rewrites the generated block of docs/ARCHITECTURE.md instead
// (dependency-docs.js: the arrows between the domain modules and the totals).
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { measure } = require('../dependency-rule');
const { docsBlock, readBlock, writeBlock } = require('../dependency-docs');

const ARCHITECTURE = join(__dirname, '..', 'docs', 'ARCHITECTURE.md');

function report(result) {
  const { files, rooms, roomArrows, circles, upward } = measure(result);
  console.log(`${files} files in ${rooms} rooms, ${roomArrows} arrows between rooms`);
  console.log(`${circles.length} import circles`);
  for (const circle of circles) console.log(`  ${circle.join(' , ')}`);
  console.log(`${upward.size} arrows run back up (${[...upward.values()].flat().length} file imports)`);
  for (const [pair, imports] of upward) console.log(`  ${pair}  (${imports.length})`);
}

function rewriteDocs(result) {
  const markdown = readFileSync(ARCHITECTURE, 'utf8');
  const block = docsBlock(result);
  if (readBlock(markdown) === block) {
    console.log('docs/ARCHITECTURE.md: the generated block is up to date');
    return;
  }
  writeFileSync(ARCHITECTURE, writeBlock(markdown, block));
  console.log('docs/ARCHITECTURE.md: the generated block rewritten');
}

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const result = JSON.parse(input);
  if (process.argv.includes('--docs')) rewriteDocs(result);
  else report(result);
});
