// One large blob through the remote in a fresh process: writeFile, syncRemote (keepLocal: false,
// so it is uploaded and evicted), readToFile back; prints peak RSS growth (VmHWM) as JSON.
//   node bench/remote-big-child.mjs <work dir> <remote JSON> <MiB>
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBlobStore } from '../index.mjs';
import { resetPeak, statusBytes } from './proc-status.mjs';

const [work, remoteJson, mibText] = process.argv.slice(2);
const mib = Number(mibText);
const src = join(work, 'big.bin');
const fd = openSync(src, 'w');
const chunk = Buffer.alloc(1024 * 1024);
for (let i = 0; i < mib; i++) {
  chunk.fill(i & 0xff);
  chunk.writeUInt32LE(i, 0);
  writeSync(fd, chunk);
}
closeSync(fd);
const store = createBlobStore(join(work, 'big-blobs'), { remote: JSON.parse(remoteJson) });
resetPeak();
const base = statusBytes('VmHWM');
let t = performance.now();
const hash = await store.writeFile(src);
const s = await store.syncRemote();
if (s.pending || s.failed) throw new Error(`upload failed: ${s.lastError?.message}`);
const upS = (performance.now() - t) / 1000;
t = performance.now();
const dest = join(work, 'big.out');
if (!(await store.readToFile(hash, dest))) throw new Error('not found remote');
const downS = (performance.now() - t) / 1000;
if (statSync(dest).size !== mib * 1024 * 1024) throw new Error('size differs');
process.stdout.write(JSON.stringify({ growthMiB: (statusBytes('VmHWM') - base) / (1024 * 1024), upS, downS }));
