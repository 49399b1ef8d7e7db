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
    // The client core and the relay meet only in protocol/ (what both speak) and in entry/
    // (the hosts' composition roots): main/ never imports server/, server/ never main/.
    files: ['main/**/*.ts'],
    ignores: ['main/app/**', 'main/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only main/app and preload import electron.' }],
          patterns: [{ group: ['**/server/**'], message: 'main/ reaches the relay through protocol/ only.' }],
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The relay never touches Electron.' }],
          patterns: [
            {
              group: ['**/main/**', '**/shared/**', '**/renderer/**'],
              message: 'server/ imports protocol/ only.',
            },
          ],
        },
      ],
    },
  },
  {
    // What client and relay both speak: it imports neither, nor any host.
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'protocol/ runs everywhere.' }],
          patterns: [
            {
              group: ['**/main/**', '**/server/**', '**/shared/**', '**/renderer/**', '**/entry/**'],
              message: 'protocol/ imports nothing of the client, the relay or the hosts.',
            },
          ],
        },
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
    // The CLI is argv → MeowService → views: shared/, createService and the logger, nothing else of the core.
    files: ['main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only main/app and preload import electron.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+(?!core/service/service\\.js$|core/log\\.js$)(core|net|protocol|server)/',
              message: 'The CLI talks to the core through MeowService (shared/, createService) only.',
            },
          ],
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
