import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real servers: give them room, and never run two
    // suites that bind servers at once on a 2-core machine.
    projects: [
      {
        test: {
          name: 'unit',
          globalSetup: ['test/setup/privateTmp.ts'],
          setupFiles: ['test/setup/perFile.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          globalSetup: ['test/setup/privateTmp.ts'],
          setupFiles: ['test/setup/perFile.ts'],
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
