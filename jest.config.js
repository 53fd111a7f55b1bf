process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'silent';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // hyparquet-writer (and hyparquet, which it uses) ship ES modules only: Node 20 requires them as they are, jest
    // needs them as CommonJS.
    '^.+/node_modules/hyparquet(-writer)?/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!hyparquet(-writer)?/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // No statement joins across organisations (decision 0012): every file's SQL is checked after it ran.
  setupFilesAfterEnv: ['<rootDir>/test/support/org-joins.setup.ts'],
  // A budget a busy two-core machine fits in (the suite has run at load 20); slow work (spawning, starting servers)
  // sets its own, larger one.
  testTimeout: 60000,
  maxWorkers: 2,
};
