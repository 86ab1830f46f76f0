#!/usr/bin/env node
'use strict';
// `nerve-store`: look at and look after a nerve data directory (logs.db, blobs/, archive/).
const { Command, CommanderError } = require('commander');
const { EXIT, CliError } = require('./util');
const pkg = require('../package.json');

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  error (missing database, unknown run or blob, I/O or SQLite failure)
  2  usage error (unknown command or option, bad argument)
  3  damage found (check, blob verify)`;

function buildProgram() {
  const program = new Command('nerve-store')
    .description('Inspect and maintain a nerve data directory: logs.db, blobs/ and archive/.')
    .version(pkg.version, '-V, --version')
    .option('-d, --data <dir>', 'data directory', './data')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({
      // Usage errors as one line, named like every other error of this command.
      outputError: (str, write) =>
        write(
          `nerve-store: ${str
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')} (see --help)\n`,
        ),
    })
    .exitOverride();
  const commands = ['stats', 'logs', 'runs', 'thread', 'archive', 'blob', 'check', 'clean', 'search', 'remote', 'demo'];
  for (const name of commands) {
    require(`./commands/${name}`).register(program);
  }
  // Subcommands inherit the error handling and the exit-code note.
  const inherit = (cmd) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput(program.configureOutput());
      sub.addHelpText('after', EXIT_CODES_HELP);
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

function fail(message, code) {
  process.stderr.write(`nerve-store: ${message}\n`);
  process.exitCode = code;
}

async function main(argv) {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander reports is usage.
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    if (e instanceof CliError) return fail(e.message, e.exitCode);
    const msg = e && typeof e.message === 'string' ? e.message : String(e);
    return fail(msg.split('\n')[0], EXIT.ERROR);
  }
}

// A closed stdout (`nerve-store logs | head`) ends the command quietly.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(EXIT.OK);
  throw e;
});

main(process.argv);
