import { defineConfig } from 'vitest/config';

// Integration tests: real bwrap sandboxes with PostgreSQL and MariaDB. One
// file at a time (each starts its own server and sandboxes); generous timeouts.
export default defineConfig({
  test: {
    include: ['tests/integration/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
