// Lint: recommended JS + typescript-eslint rules; generated data and build output are ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'dist/',
      'bench/results/',
      'bench/data/',
      'coverage/',
      '.tmp/',
      '.tmp-*',
      'examples/kolscope-api.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['web/**/*.{js,ts}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
