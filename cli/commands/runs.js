'use strict';
const { openStore, options, table, formatTime, printJson } = require('../util');

function register(program) {
  program
    .command('runs')
    .description('workflow runs: active ones (queued, started) oldest first, or --all newest first')
    .option('-a, --all', 'every run, newest first')
    .option('-w, --workflow <name>', 'only runs of this workflow')
    .option('--json', 'print the runs as a JSON array')
    .addHelpText(
      'after',
      `
Examples:
  nerve-store runs
  nerve-store runs --all --workflow disk-cleanup`,
    )
    .action((_o, command) => {
      const opts = options(command);
      const store = openStore(command, { readOnly: true });
      let runs;
      try {
        runs = opts.all ? store.getAllWorkflowRuns(opts.workflow ?? null) : store.getActiveWorkflowRuns(opts.workflow);
        if (!opts.json) {
          runs = runs.map((r) => ({ ...r, rounds: store.getThreadRoundCount(r.runId) }));
        }
      } finally {
        store.close();
      }
      if (opts.json) return printJson(runs);
      if (runs.length === 0) {
        process.stdout.write(opts.all ? 'no workflow runs\n' : 'no active workflow runs (--all lists every run)\n');
        return;
      }
      const rows = runs.map((r) => [
        r.runId,
        r.workflow,
        r.status,
        formatTime(r.timestamp),
        r.exitCode ?? '',
        r.rounds,
      ]);
      process.stdout.write(`${table(['run', 'workflow', 'status', 'updated (UTC)', 'exit', 'rounds'], rows)}\n`);
    });
}

module.exports = { register };
