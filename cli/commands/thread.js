'use strict';
const { openStore, options, table, cell, formatTime, printJson, CliError } = require('../util');

function register(program) {
  program
    .command('thread')
    .description("a run's thread: its trigger, role rounds (messages) and command events")
    .argument('<runId>', 'the workflow run id')
    .option('--full', 'print whole message contents instead of one line each')
    .option('--json', 'print { run, trigger, rounds, messages, events } as JSON')
    .addHelpText('after', '\nExample:\n  nerve-store thread run-42 --full')
    .action((runId, _o, command) => {
      const opts = options(command);
      const store = openStore(command, { readOnly: true });
      let data;
      try {
        const run = store.getWorkflowRun(runId);
        const roundCount = store.getThreadRoundCount(runId);
        if (run === null && roundCount === 0 && store.getThreadMessages(runId).length === 0) {
          throw new CliError(`no workflow run "${runId}"`);
        }
        data = {
          run,
          trigger: store.getTriggerPayload(runId),
          rounds: store.getThreadRounds(runId, { before: 0, limit: Math.max(roundCount, 1) }).reverse(),
          messages: store.getThreadMessages(runId),
          events: store.getThreadEvents(runId),
        };
      } finally {
        store.close();
      }
      if (opts.json) return printJson(data);
      const { run, trigger, rounds, messages, events } = data;
      const out = [];
      if (run) {
        const exit = run.exitCode === null ? '' : `, exit ${run.exitCode}`;
        out.push(
          `run ${run.runId}: workflow ${run.workflow}, ${run.status}${exit}, updated ${formatTime(run.timestamp)} UTC`,
        );
      } else {
        out.push(`run ${runId}: no workflow_runs row`);
      }
      if (trigger) out.push(`trigger: ${JSON.stringify(trigger)}`);
      out.push(`${rounds.length} rounds, ${messages.length} messages, ${events.length} command events`);
      if (rounds.length > 0) {
        const rows = rounds.map((r) => [
          r.round,
          formatTime(r.timestamp),
          r.message.role,
          opts.full ? r.message.content : cell(r.message.content, 80),
        ]);
        out.push('', table(['round', 'time (UTC)', 'role', 'content'], rows));
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}

module.exports = { register };
