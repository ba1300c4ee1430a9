import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    // A guard against hangs, not a speed target: tests that read the whole course run
    // for seconds on a loaded 2-core CI machine (5 s, the default, timed out there).
    testTimeout: 30_000,
  },
});
