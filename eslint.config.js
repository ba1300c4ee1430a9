// Lint: typescript-eslint recommended + Astro components. Style is prettier's job.
import eslintPluginAstro from 'eslint-plugin-astro';
import tseslint from 'typescript-eslint';

export default [
  {
    ignores: ['dist/**', 'dist-*/**', '.astro/**', '.tools/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.bench/**'],
  },
  ...tseslint.configs.recommended,
  ...eslintPluginAstro.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
];
