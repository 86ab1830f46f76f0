'use strict';
// nerve-store remote status|push|verify|pull: the remote tier of a data directory. The remote is
// given by --remote (or NERVE_STORE_REMOTE) and the standard AWS variables; credentials are never
// printed.
const fs = require('node:fs');
const path = require('node:path');
const { options, layout, printJson, CliError, EXIT } = require('../util');

function remoteOptions(opts) {
  const url = opts.remote ?? process.env.NERVE_STORE_REMOTE;
  if (!url) throw new CliError('no remote: give --remote s3://bucket/prefix (or set NERVE_STORE_REMOTE)', EXIT.USAGE);
  return {
    url,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.storeId ? { storeId: opts.storeId } : {}),
    allowHttp: Boolean(opts.allowHttp),
  };
}

function open(command) {
  const { createBlobStore, createLogStore } = require('../..');
  const opts = options(command);
  const remote = remoteOptions(opts);
  const dirs = layout(opts.data);
  const blobs = createBlobStore(dirs.blobs, { remote });
  // A store id adopts another store's archive, for which a database may still have to be made.
  const logs = fs.existsSync(dirs.db) || opts.storeId ? createLogStore(dirs.db, { remote }) : null;
  return { opts, blobs, logs };
}

function line(name, s) {
  const err = s.lastError ? `, last error ${s.lastError.code}: ${s.lastError.message}` : '';
  return `${name}: ${s.uploaded} uploaded, ${s.pending} pending, ${s.failed} failed${err}\n`;
}

function report(json, blobs, days, storeId) {
  if (json) printJson({ blobs, days, storeId });
  else {
    process.stdout.write(line('blobs', blobs));
    if (days) process.stdout.write(line('archive days', days));
  }
  return blobs.failed === 0 && blobs.pending === 0 && (!days || (days.failed === 0 && days.pending === 0));
}

/** Waits for both stores' queues to drain, drawing a bar of items left on a terminal. */
async function syncWithBar(blobs, logs, json) {
  const sync = Promise.all([blobs.syncRemote(), logs ? logs.syncRemote() : null]);
  if (!process.stderr.isTTY || json) return sync;
  const cliProgress = require('cli-progress');
  const pending = () => blobs.remoteStatus().pending + (logs ? logs.remoteStatus().pending : 0);
  const total = Math.max(pending(), 1);
  const bar = new cliProgress.SingleBar(
    { format: 'pushing [{bar}] {value}/{total} items', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  const tick = setInterval(() => bar.update(Math.max(0, total - pending())), 200);
  try {
    return await sync;
  } finally {
    clearInterval(tick);
    bar.update(Math.max(0, total - pending()));
    bar.stop();
  }
}

function register(program) {
  const remote = program
    .command('remote')
    .description('the remote tier: blobs and archive days on an S3-compatible object store')
    .option('--remote <url>', 's3://bucket/prefix (default: NERVE_STORE_REMOTE)')
    .option('--endpoint <url>', 'the S3 endpoint (default: AWS_ENDPOINT_URL)')
    .option('--region <region>', 'the signing region (default: AWS_REGION)')
    .option('--allow-http', 'allow a plain http endpoint')
    .option('--store-id <id>', "read another store's archive (its id, from remote status --json)")
    .addHelpText(
      'after',
      '\nCredentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.\n\nExamples:\n' +
        '  nerve-store remote push --remote s3://nerve/host1 --endpoint http://127.0.0.1:3900 --allow-http\n' +
        '  nerve-store remote pull <hash> --out copy.bin',
    );

  remote
    .command('status')
    .description('what is queued for upload, without waiting')
    .option('--json', 'print JSON')
    .action((_o, command) => {
      const { opts, blobs, logs } = open(command);
      const id = logs?.getMeta('nerve-store-native:remote-store-id') ?? null;
      report(opts.json, blobs.remoteStatus(), logs?.remoteStatus(), id);
      logs?.close();
    });

  remote
    .command('push')
    .description('upload every local blob and archive day the remote lacks, and wait until verified')
    .option('--all', 'send every local blob again, not only those not recorded as sent')
    .option('--json', 'print JSON')
    .action(async (_o, command) => {
      const { opts, blobs, logs } = open(command);
      await blobs.pushRemote({ all: Boolean(opts.all) });
      const [b, d] = await syncWithBar(blobs, logs, opts.json);
      logs?.close();
      if (!report(opts.json, b, d)) throw new CliError('some uploads did not complete (see the last error)');
    });

  remote
    .command('verify')
    .description('check that the remote holds every local blob and every archive day')
    .option('--json', 'print JSON')
    .action(async (_o, command) => {
      const { opts, logs } = open(command);
      let days = null;
      try {
        days = logs ? await logs.verifyRemote() : null;
      } finally {
        logs?.close();
      }
      const root = layout(opts.data).blobs;
      const missing = [];
      let count = 0;
      const { createBlobStore } = require('../..');
      // A store without local blobs answers from the remote alone.
      const remoteOnly = createBlobStore(path.join(root, '.remote', 'verify-empty'), { remote: remoteOptions(opts) });
      for (const shard of fs.existsSync(root) ? fs.readdirSync(root) : []) {
        if (!/^[0-9a-f]{2}$/.test(shard)) continue;
        for (const name of fs.readdirSync(path.join(root, shard))) {
          if (!/^[0-9a-f]{62}$/.test(name)) continue;
          count++;
          if (!(await remoteOnly.existsAsync(shard + name))) missing.push(shard + name);
        }
      }
      if (opts.json)
        printJson({
          count,
          missing,
          days: days && { count: days.days, missing: days.missing, differing: days.differing },
        });
      else {
        process.stdout.write(`${count} local blobs, ${missing.length} missing remote\n`);
        if (days) {
          process.stdout.write(
            `${days.days} archive days, ${days.missing.length} missing remote, ${days.differing.length} differing\n`,
          );
          for (const d of days.missing) process.stdout.write(`  missing: ${d}\n`);
          for (const d of days.differing) process.stdout.write(`  differing: ${d}\n`);
        }
      }
      const problems = [
        missing.length ? `${missing.length} blobs are not on the remote yet` : null,
        days?.missing.length ? `${days.missing.length} archive days are not on the remote yet` : null,
        days?.differing.length ? `${days.differing.length} archive days differ on the remote` : null,
      ].filter(Boolean);
      if (problems.length) throw new CliError(`${problems.join('; ')} (run remote push)`);
    });

  remote
    .command('pull')
    .description(
      'a blob (by hash) or an archived day (YYYY-MM-DD, as JSON lines), verified, to standard output or a file',
    )
    .argument('<hash|day>', 'sha256 hex of a blob, or a UTC day of the archive')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (what, _o, command) => {
      const { normalizeBlobHash } = require('../..');
      const { opts, blobs, logs } = open(command);
      try {
        if (/^\d{4}-\d{2}-\d{2}$/.test(what)) {
          if (!logs) throw new CliError(`no database in ${layout(opts.data).db}`);
          const since = Date.parse(`${what}T00:00:00.000Z`);
          if (Number.isNaN(since)) throw new CliError(`not a day: "${what}"`, EXIT.USAGE);
          const rows = await logs.readArchiveAsync({ since, until: since + 86_400_000 - 1 });
          if (rows.length === 0) throw new CliError(`no archived rows for ${what}`);
          const text = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
          if (opts.out) fs.writeFileSync(opts.out, text);
          else process.stdout.write(text);
          return;
        }
        if (normalizeBlobHash(what) === null)
          throw new CliError(`not a sha256 hex hash or a YYYY-MM-DD day: "${what}"`, EXIT.USAGE);
        if (opts.out) {
          if (!(await blobs.readToFile(what, opts.out))) throw new CliError(`no blob ${normalizeBlobHash(what)}`);
        } else {
          const content = await blobs.readAsync(what);
          if (content === null) throw new CliError(`no blob ${normalizeBlobHash(what)}`);
          process.stdout.write(content);
        }
      } finally {
        logs?.close();
      }
    });
}

module.exports = { register };
