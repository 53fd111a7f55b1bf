// Prints the dependency numbers of src/ (circles, upward arrows) by the layers of dependency-rule.js.
// Usage: npx depcruise src --config .dependency-cruiser.js --output-type json | node scripts/deps-report.js
const { measure } = require('../dependency-rule');

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { files, rooms, roomArrows, circles, upward } = measure(JSON.parse(input));
  console.log(`${files} files in ${rooms} rooms, ${roomArrows} arrows between rooms`);
  console.log(`${circles.length} import circles`);
  for (const circle of circles) console.log(`  ${circle.join(' , ')}`);
  console.log(`${upward.size} arrows run back up (${[...upward.values()].flat().length} file imports)`);
  for (const [pair, imports] of upward) console.log(`  ${pair}  (${imports.length})`);
});
