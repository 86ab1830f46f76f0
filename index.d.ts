/**
 * nerve-store-native: a Rust (N-API) implementation of `@uncaged/nerve-store`.
 *
 * Append-only SQLite log store with workflow-run tracking and a JSONL cold archive, plus a
 * content-addressed blob store. Every type below accepts what the TypeScript package's types
 * accept, so code written against `@uncaged/nerve-store` compiles unchanged.
 */

/// <reference types="node" />

// ---------------------------------------------------------------------------------------------
// Log store

/** One row of the `logs` table. `id` is assigned by SQLite on insert. */
export type LogEntry = {
  id?: number;
  source: string;
  type: string;
  refId: string | null;
  payload: string | null;
  timestamp: number;
};

/**
 * Filter for {@link LogStore.query}. A field counts when it is not `undefined`; `since`/`until`
 * are inclusive; a negative `limit` means no limit, and a `limit` that is not a safe integer throws
 * a `RangeError` (`ERR_OUT_OF_RANGE`). Rows come back by `id` ascending.
 */
export type LogQuery = {
  source?: string;
  type?: string;
  refId?: string;
  since?: number;
  until?: number;
  limit?: number;
};

/** The states of a workflow run. */
export type WorkflowRunStatus =
  | 'queued'
  | 'started'
  | 'completed'
  | 'failed'
  | 'crashed'
  | 'dropped'
  | 'interrupted'
  | 'killed';

/** One row of the `workflow_runs` table. */
export type WorkflowRun = {
  runId: string;
  workflow: string;
  status: WorkflowRunStatus;
  timestamp: number;
  exitCode: number | null;
};

/** One role round of a thread, numbered 1.. in log order among role events. */
export type ThreadRoundRow = {
  round: number;
  logId: number;
  timestamp: number;
  message: {
    role: string;
    content: string;
    meta: unknown;
    timestamp: number;
  };
};

/** Parameters for {@link LogStore.getThreadRounds}. */
export type GetThreadRoundsParams = {
  /** Exclusive upper bound on the round number; `0` means no bound. */
  before: number;
  /** Most rows to return, highest round first; below 1 returns `[]`. */
  limit: number;
};

export type LogStore = {
  /** Inserts one row (durable when this returns) and returns `{ ...entry, id }`. */
  append: (entry: Omit<LogEntry, 'id'>) => LogEntry;
  query: (filter?: LogQuery) => LogEntry[];
  getMeta: (key: string) => string | null;
  setMeta: (key: string, value: string) => void;
  /** Appends the entry and upserts the run in one transaction; returns `{ ...entry, id }`. */
  upsertWorkflowRun: (entry: Omit<LogEntry, 'id'>, run: WorkflowRun) => LogEntry;
  /** Same as {@link LogStore.upsertWorkflowRun}. */
  appendWithWorkflowUpdate: (entry: Omit<LogEntry, 'id'>, run: WorkflowRun) => LogEntry;
  getWorkflowRun: (runId: string) => WorkflowRun | null;
  /** Runs that are `queued` or `started`, oldest first; optionally of one workflow. */
  getActiveWorkflowRuns: (workflowName?: string) => WorkflowRun[];
  /** Every run, newest first; `null` means every workflow. */
  getAllWorkflowRuns: (workflowName: string | null) => WorkflowRun[];
  /** The launch parameters stored in the run's `workflow/started` row, or `null`. */
  getTriggerPayload: (runId: string) => unknown;
  /**
   * The run's command events, by id.
   * @deprecated Use getThreadMessages.
   */
  getThreadEvents: (runId: string) => Array<{ type: string; [key: string]: unknown }>;
  /** The run's workflow messages, by id (used to rebuild a thread after a crash). */
  getThreadMessages: (runId: string) => Array<{
    role: string;
    content: string;
    meta: unknown;
    timestamp: number;
  }>;
  /** How many role rounds the run has; rounds are numbered 1..count. */
  getThreadRoundCount: (runId: string) => number;
  getThreadRounds: (runId: string, params: GetThreadRoundsParams) => ThreadRoundRow[];
  /**
   * Moves UTC days older than the retention window to `archive/logs/YYYY-MM-DD.jsonl` beside
   * the database. A day archived again keeps the rows already in its file.
   */
  archiveLogs: (options?: ArchiveLogsOptions) => ArchiveLogsResult;
  /**
   * Closes the database; every later call throws with `code` `ERR_INVALID_STATE`. Appends
   * started with {@link LogStore.appendAsync} are committed (and their promises settle) first.
   */
  close: () => void;
};

/**
 * What {@link createLogStore} returns: a {@link LogStore} (exactly the reference's type, so
 * objects written against it still type-check) with this package's batch and asynchronous calls.
 */
export type ExtendedLogStore = LogStore & {
  /**
   * Inserts every entry in one transaction: all of them, or (on any error) none. Returns
   * `{ ...entry, id }` for each, in order. Errors name the entry: `entries[3].timestamp`.
   */
  appendMany: (entries: ReadonlyArray<Omit<LogEntry, 'id'>>) => LogEntry[];
  /**
   * Inserts one row off the JavaScript thread and resolves with `{ ...entry, id }` once the row
   * is on disk. Appends in flight at the same time are committed together, in one transaction
   * and one fsync (group commit); each promise settles on its own, so a bad entry rejects alone.
   * Bad arguments reject with the error `append` would throw.
   */
  appendAsync: (entry: Omit<LogEntry, 'id'>) => Promise<LogEntry>;
  /** {@link LogStore.query} off the JavaScript thread. */
  queryAsync: (filter?: LogQuery) => Promise<LogEntry[]>;
  /**
   * {@link LogStore.archiveLogs} off the JavaScript thread. The store is locked a few days at a
   * time, so other calls are served in between.
   */
  archiveLogsAsync: (options?: ArchiveLogsOptions) => Promise<ArchiveLogsResult>;
  /**
   * The days {@link LogStore.archiveLogs} would move now with these options, oldest first, and
   * how many rows each holds (counted from the timestamp index). Changes nothing. Days with no
   * rows are listed too: the archive counts them toward `maxDays`.
   */
  archivePlan: (options?: ArchiveLogsOptions) => ArchivePlanDay[];
  /**
   * Full-text search of the database's rows, and with `includeArchive` of the archive's too:
   * every word of `text` must occur in the payload's string values, its text, `source`, `type` or
   * `refId` (case and accents ignored, CJK found inside running text). Unseen rows are indexed
   * first, into `<name>.search.db` beside the database. Newest first by default; pass `next` back
   * as `options.before` for the next page. Invalid `syntax: 'fts'` queries throw an Error with
   * code `ERR_SEARCH_SYNTAX`.
   */
  search: (text: string, options?: SearchOptions) => SearchResult;
  /** {@link ExtendedLogStore.search} on the thread pool. */
  searchAsync: (text: string, options?: SearchOptions) => Promise<SearchResult>;
  /**
   * Indexes every row not indexed yet, a step at a time off the JavaScript thread, calling
   * `onProgress` after each step (a search does this by itself; this shows progress).
   */
  buildSearchIndex: (options?: {
    onProgress?: (progress: { indexed: number; total: number }) => void;
  }) => Promise<{ indexed: number }>;
  /**
   * The archive's well-formed `YYYY-MM-DD.jsonl` day files, oldest first. With a remote, the days
   * whose local file was removed after its verified upload (`keepLocal: false`) are listed too,
   * with `remote: true` and their remote size (from local records: no network).
   */
  listArchiveDays: () => ArchiveDayFile[];
  /**
   * Archived rows matching `filter`, with {@link LogStore.query}'s semantics (by `id`, `limit`),
   * each id once. A damaged line throws `ERR_ARCHIVE_CORRUPT` naming the file and line; a torn
   * last line (no newline) is skipped.
   */
  readArchive: (filter?: LogQuery) => LogEntry[];
  /** {@link ExtendedLogStore.readArchive} off the JavaScript thread. */
  readArchiveAsync: (filter?: LogQuery) => Promise<LogEntry[]>;
  /**
   * Matching rows, the archive's (with `includeArchive`) then the database's, each by `id` and
   * each id once, fetched a batch at a time off the JavaScript thread. Bad arguments throw here.
   */
  iterate: (filter?: LogQuery, options?: IterateOptions) => AsyncIterableIterator<LogEntry>;
  /** The archive's upload state now (`enabled: false` without `options.remote`). */
  remoteStatus: () => RemoteStatus;
  /**
   * Settles when every day archived before the call is verified remote, or its upload failed in
   * a pass that started after the call (then `failed` and `lastError` say why).
   */
  syncRemote: () => Promise<RemoteStatus>;
  /**
   * Checks, off the JavaScript thread and without changing anything, every archive day against
   * the remote: each local day file's rows must all be in its remote copy as they are here (the
   * copy may hold more, after late rows), and each evicted day must have one.
   */
  verifyRemote: () => Promise<RemoteDaysVerified>;
};

export type SearchOptions = Pick<LogQuery, 'source' | 'type' | 'refId' | 'since' | 'until'> & {
  /** Rows per page, 1 to 10000 (default 100). */
  limit?: number;
  /** The `next` of the previous page (same text, options and order). */
  before?: number | null;
  /** `'time'`: newest first (default); `'rank'`: best bm25 match first (database rows only). */
  order?: 'time' | 'rank';
  /** `'plain'`: the words literally (default); `'fts'`: SQLite FTS5 query syntax. */
  syntax?: 'plain' | 'fts';
  /**
   * Search the archive's day files too (default `false`: the database's rows alone). The days in
   * the `since`/`until` window are read, with the index's word rules, filters and cursor; hits are
   * merged with the database's, newest first, each id once (also when a crash left a day's rows in
   * both places). Not with `order: 'rank'`: that throws a TypeError, code
   * `ERR_INCOMPATIBLE_OPTION_PAIR`. A damaged line the search reads throws `ERR_ARCHIVE_CORRUPT`.
   */
  includeArchive?: boolean;
};

/** A found row with about 60 characters of its payload text around the first match. */
export type SearchEntry = LogEntry & { snippet: string };
export type SearchResult = { entries: SearchEntry[]; next: number | null };

/** One day of {@link ExtendedLogStore.archivePlan}. */
export type ArchivePlanDay = { day: string; rowCount: number };

/** One file of {@link ExtendedLogStore.listArchiveDays}. */
export type ArchiveDayFile = {
  day: string;
  bytes: number;
  /** Present (`true`) on a day only the remote holds: its local file was evicted after upload. */
  remote?: true;
};

/** Options of {@link ExtendedLogStore.iterate}. */
export type IterateOptions = {
  /** Read the archive's day files first (default `false`: the database alone). */
  includeArchive?: boolean;
  /** Rows per batch fetched off the JavaScript thread, a positive safe integer (default 1000). */
  batchSize?: number;
};

/** Options of {@link createLogStore}. */
export type LogStoreOptions = {
  /**
   * Open an existing database for reading only: nothing is created or changed on disk, every
   * write member throws (or rejects) with `code` `ERR_STORE_READ_ONLY`, and a missing database is
   * `ENOENT`. Works beside a live writer and on a read-only file system.
   */
  readOnly?: boolean;
  /**
   * Copy archived day files to an S3-compatible object store in the background (see
   * {@link RemoteOptions}); `archiveLogs` still writes them locally first. A read-only store
   * uploads nothing.
   */
  remote?: RemoteOptions;
};

/**
 * Where the remote tier lives. Missing credentials, endpoint and region come from
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL` and `AWS_REGION`. Requests are
 * path-style (Garage, MinIO and Ceph need that) and every upload carries a sha256 checksum that
 * the server verifies.
 */
export type RemoteOptions = {
  /** `s3://bucket/prefix`: blobs go to `<prefix>/blobs/`, day files to `<prefix>/archive/<store id>/logs/`. */
  url: string;
  /** The server, e.g. `http://127.0.0.1:3900` (default: AWS_ENDPOINT_URL, else AWS S3). */
  endpoint?: string;
  /** Signing region (default: AWS_REGION, else `us-east-1`); Garage's is its `s3_region`. */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Allow a plain `http://` endpoint (default `false`). */
  allowHttp?: boolean;
  /**
   * Keep local blobs after their verified upload (default `true`). With `false`, a blob's local
   * file is removed once the server has verified its copy, and reads fetch it back.
   */
  keepLocal?: boolean;
  /** How long a synchronous call (`read`, `exists`) waits for the remote, in ms (default 10000). */
  timeoutMs?: number;
  /** Log stores only: adopt this store id (a restore on a new machine); kept in `meta` once set. */
  storeId?: string;
};

/** What a log store's `verifyRemote()` found. */
export type RemoteDaysVerified = {
  /** Whether the store was opened with `remote` (without, nothing is checked). */
  enabled: boolean;
  /** Days checked: the local day files and the evicted days. */
  days: number;
  /** Days the remote has no copy of (not uploaded yet, or removed there). */
  missing: string[];
  /** Days whose remote copy lacks a local row, holds one changed, or does not parse. */
  differing: string[];
};

/** What `remoteStatus()` and `syncRemote()` report. */
export type RemoteStatus = {
  /** Whether the store was opened with `remote`. */
  enabled: boolean;
  url: string | null;
  /** Items verified remote since the store was opened. */
  uploaded: number;
  /** Items queued on disk and not yet verified remote. */
  pending: number;
  /** Items whose upload failed in the last pass; they stay queued and are retried with backoff. */
  failed: number;
  /** The last failure, with its `code` (`ERR_REMOTE_AUTH`, `ERR_REMOTE_UNAVAILABLE`, ...), or null. */
  lastError: (Error & { code: string }) | null;
};

/**
 * Opens (creating if needed) the log store at `dbPath`, in WAL mode; with `readOnly`, opens an
 * existing one for reading only.
 */
export declare function createLogStore(dbPath: string, options?: LogStoreOptions): ExtendedLogStore;

// ---------------------------------------------------------------------------------------------
// Archive

/** `meta` key holding the last archived UTC day. */
export declare const LOG_ARCHIVE_META_KEY = 'archived_up_to';
/** 30 days. */
export declare const DEFAULT_LOG_RETENTION_MS: number;

export type ArchiveLogsOptions = {
  /** Wall clock in ms for the retention boundary (default `Date.now()`). */
  now?: number;
  /** Run `VACUUM` afterwards. */
  vacuum?: boolean;
  /** At most this many days per call (default: no limit). */
  maxDays?: number;
  /** Rows younger than this stay in SQLite (default {@link DEFAULT_LOG_RETENTION_MS}). */
  retentionMs?: number;
};

export type ArchiveLogsDayResult = {
  day: string;
  /** Rows moved out of SQLite for this day by this call. */
  rowCount: number;
  filePath: string;
};

export type ArchiveLogsResult = {
  days: ArchiveLogsDayResult[];
  vacuumed: boolean;
};

/** `new Date(ms).toISOString().slice(0, 10)`. */
export declare function utcDateStringFromMs(ms: number): string;
/** Throws unless `day` is a real `YYYY-MM-DD` calendar day (years 0100..9999). */
export declare function assertValidUtcDay(day: string): void;
export declare function utcDayStartMs(day: string): number;
export declare function utcDayEndExclusiveMs(day: string): number;
export declare function prevUtcDay(day: string): string;
export declare function nextUtcDay(day: string): string;
/** Last UTC day whose exclusive end is at or before `boundaryMs`. */
export declare function lastArchivableUtcDay(boundaryMs: number): string;
/** -1, 0 or 1, comparing as JavaScript strings compare. */
export declare function compareIsoDays(a: string, b: string): number;

// ---------------------------------------------------------------------------------------------
// Blob store

export type BlobStore = {
  /** Stores the bytes (UTF-8 for strings) durably; returns their lowercase sha256 hex. */
  write: (content: string | Uint8Array | Buffer) => string;
  /** The bytes, or `null` for a malformed hash or a missing blob; throws if the file is damaged. */
  read: (hash: string) => Buffer | null;
  /** True when the hash is well formed and its blob file exists. */
  exists: (hash: string) => boolean;
};

/** Trimmed, lowercased sha256 hex, or `null` if `hash` is not 64 hex digits. */
export declare function normalizeBlobHash(hash: string): string | null;
/**
 * What {@link createBlobStore} returns: a {@link BlobStore} (exactly the reference's type, so
 * objects written against it still type-check) with this package's asynchronous and file calls.
 */
export type ExtendedBlobStore = BlobStore & {
  // They run on the libuv thread pool; a bad argument rejects with a `TypeError` whose `code` is
  // `ERR_INVALID_ARG_TYPE` (`ERR_INVALID_ARG_VALUE` for a path with a NUL byte), and file-system
  // errors carry `code`, `errno`, `syscall` and `path`.

  /**
   * `write`, off the JavaScript thread: same hash, same durability (temporary file, fsync, rename,
   * directory fsync), same verification of an existing blob. The bytes are copied when called, so
   * the caller may reuse its buffer at once.
   */
  writeAsync: (content: string | Uint8Array | Buffer) => Promise<string>;
  /** `read`, off the JavaScript thread: the bytes, `null` for a malformed hash or a missing blob. */
  readAsync: (hash: string) => Promise<Buffer | null>;
  /**
   * Stores the content of the file at `path` as a blob and returns its hash. The file is streamed
   * in fixed-size chunks (memory stays bounded whatever its size) through a `.tmp.` file in the
   * blob root that is fsynced and renamed into place; when the blob already exists, the existing
   * file is verified instead (rejecting with `ERR_BLOB_MISMATCH` if it is damaged).
   */
  writeFile: (path: string) => Promise<string>;
  /**
   * Copies blob `hash` to the file `path`, streaming and verifying it. The bytes go to a temporary
   * file beside `path` that is fsynced and renamed over `path` only once they hashed to `hash`, so a
   * damaged blob (`ERR_BLOB_MISMATCH`) leaves neither `path` nor a temporary file. Resolves `false`,
   * writing nothing, for a malformed hash or a missing blob.
   */
  readToFile: (hash: string, path: string) => Promise<boolean>;
  /** `exists`, off the JavaScript thread. */
  existsAsync: (hash: string) => Promise<boolean>;
  /** The upload state now (`enabled: false` without `options.remote`). */
  remoteStatus: () => RemoteStatus;
  /**
   * Settles when every blob written before the call is verified remote, or its upload failed in
   * a pass that started after the call.
   */
  syncRemote: () => Promise<RemoteStatus>;
  /**
   * Queues every local blob the remote has not verified (with `all`, every local blob) and waits
   * for the pass that sends them; resolves to how many were queued.
   */
  pushRemote: (options?: { all?: boolean }) => Promise<number>;
};

/** Options of {@link createBlobStore}. */
export type BlobStoreOptions = {
  /**
   * Copy blobs to an S3-compatible object store in the background; `write` still writes locally
   * and durably first. With it, a local miss in `read`/`exists` asks the remote (`read`/`exists`
   * then wait up to `timeoutMs` and throw a coded error when it cannot answer; the async forms
   * never block the JavaScript thread).
   */
  remote?: RemoteOptions;
};

/** A content-addressed store under `blobsRoot` (`<root>/<2 hex>/<62 hex>`). */
export declare function createBlobStore(blobsRoot: string, options?: BlobStoreOptions): ExtendedBlobStore;
