'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { options, layout, printJson, formatBytes, CliError, EXIT, display } = require('../util');
const { verifyBlobs } = require('../blobs');

function blobStore(command) {
  const { createBlobStore } = require('../..');
  return createBlobStore(layout(options(command).data).blobs);
}

function reportVerify(result, json) {
  if (json) {
    printJson(result);
  } else {
    for (const d of result.damaged)
      process.stdout.write(`DAMAGED ${d.hash}: content hashes to ${d.actual} (${display(d.file)})\n`);
    for (const f of result.stray) process.stdout.write(`stray ${display(f)} (not a blob name)\n`);
    const verdict = result.damaged.length === 0 ? 'all intact' : `${result.damaged.length} damaged`;
    process.stdout.write(`${result.count} blobs, ${formatBytes(result.bytes)} rehashed: ${verdict}\n`);
  }
  return result.damaged.length === 0;
}

function register(program) {
  const blob = program
    .command('blob')
    .description('the content-addressed blob store (<data>/blobs)')
    .addHelpText(
      'after',
      '\nExamples:\n  nerve-store blob put report.txt\n  nerve-store blob get <hash> --out copy.txt\n  nerve-store blob verify',
    );

  blob
    .command('put')
    .description('store a file (or - for standard input) and print its sha256')
    .argument('<file>', 'file to store, - for standard input')
    .action(async (file, _o, command) => {
      // A file is streamed (memory stays small whatever its size); standard input is read whole.
      const hash =
        file === '-' ? blobStore(command).write(fs.readFileSync(0)) : await blobStore(command).writeFile(file);
      process.stdout.write(`${hash}\n`);
    });

  blob
    .command('get')
    .description('write a blob to standard output or a file')
    .argument('<hash>', 'sha256 hex of the blob')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (hash, _o, command) => {
      const { normalizeBlobHash } = require('../..');
      const opts = options(command);
      if (normalizeBlobHash(hash) === null) throw new CliError(`not a sha256 hex hash: "${hash}"`, EXIT.USAGE);
      const missing = () => new CliError(`no blob ${normalizeBlobHash(hash)}`);
      if (opts.out) {
        // Streamed and verified into a temporary file beside --out, renamed into place at the end.
        fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
        if (!(await blobStore(command).readToFile(hash, opts.out))) throw missing();
      } else {
        const content = blobStore(command).read(hash);
        if (content === null) throw missing();
        process.stdout.write(content);
      }
    });

  blob
    .command('verify')
    .description(`rehash every blob and report damage (exit ${EXIT.DAMAGE} when any is found)`)
    .option('--json', 'print { count, bytes, damaged, stray } as JSON')
    .action((_o, command) => {
      const opts = options(command);
      const ok = reportVerify(verifyBlobs(layout(opts.data).blobs), opts.json);
      if (!ok) process.exitCode = EXIT.DAMAGE;
    });
}

module.exports = { register, reportVerify };
