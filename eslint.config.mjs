import oclif from 'eslint-config-oclif'

export default [
  {ignores: ['dist/', 'coverage/', 'node_modules/', 'tmp/', '.cache/']},
  ...oclif,
  {
    rules: {
      // Mocha's `this` (timeouts) needs function callbacks in a few suites; arrows stay the default.
      'mocha/no-mocha-arrows': 'off',
      // Sandbox and tests read process.env and spawn processes on purpose.
      'n/no-process-exit': 'off',
      // fetch is available (and used) on Node 20, the oldest runtime this plugin supports.
      'n/no-unsupported-features/node-builtins': ['error', {ignores: ['fetch']}],
      'unicorn/no-process-exit': 'off',
    },
  },
]
