/** dependency-cruiser configuration: the rules come from dependency-rule.js (the layers and the allowed list). */
const { LAYERS, ALLOWED_UPWARD, roomPattern } = require('./dependency-rule');

const rooms = LAYERS.flat();

function upwardRule(room, index) {
  const layer = LAYERS.findIndex((l) => l.includes(room));
  const allowed = new Set(ALLOWED_UPWARD.filter(([from]) => from === room).map(([, to]) => to));
  const above = LAYERS.slice(layer + 1).flat().filter((to) => !allowed.has(to));
  if (above.length === 0) return null;
  return {
    name: `upward-from-${room.replace(/[/.]/g, '-').replace(/-$/, '')}`,
    comment: `${room} is on floor ${layer} of dependency-rule.js: it may not import from the floors above it`,
    severity: 'error',
    from: { path: roomPattern(room) },
    to: { path: above.map(roomPattern).join('|') },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circles in src/ (type-only imports count too)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'unknown-room',
      comment: 'Every folder and root file of src/ has a floor in dependency-rule.js',
      severity: 'error',
      from: { path: '^src/', pathNot: rooms.map(roomPattern).concat('^src/generated/').join('|') },
      to: {},
    },
    ...rooms.map(upwardRule).filter(Boolean),
  ],
  options: {
    includeOnly: '^src/',
    exclude: { path: '^src/generated/' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
