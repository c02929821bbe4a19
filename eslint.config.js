// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bench/results/', 'bench/.build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The pure core: no I/O, no clock, no timers (design.md §5.1).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'ws', 'undici', 'lowdb', 'pino', 'grammy', '../*/**', '!./**'] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'The clock is a parameter in domain/.' }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process', 'fetch'],
    },
  },
);
