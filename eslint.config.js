// ESLint flat config: typescript-eslint with type information, zero warnings allowed.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'proto/generated', 'coverage', 'data', 'bin/*.js', 'scripts/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      // Public async APIs stay async even when today's body needs no await (callers and the IPC bridge rely on it).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Only the Electron entry and the preload may touch Electron.
    files: ['main/**/*.ts', 'shared/**/*.ts', 'server/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    ignores: ['main/app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only main/app and preload import electron.' }] },
      ],
    },
  },
  {
    // The renderer runs in a page: it reaches its host through the bridge (window.meow) and
    // shared/ only — no Electron, no Node, no main-side code.
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to its host through window.meow only.' }],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a page: no Node modules.' },
            {
              group: [
                '**/main/**',
                '**/server/**',
                '**/preload/**',
                'fs',
                'path',
                'os',
                'child_process',
                'crypto',
                'ws',
              ],
              message: 'The renderer imports shared/ and the bridge only.',
            },
          ],
        },
      ],
      // Text from peers is rendered by React as text, never as HTML.
      'no-restricted-syntax': [
        'error',
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'Never render HTML from data.',
        },
        {
          selector: 'MemberExpression[property.name=/^(innerHTML|outerHTML)$/]',
          message: 'Never render HTML from data.',
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
