// Type-level check, compiled only by tsconfig.reference.json (where "@uncaged/nerve-store" is the
// TypeScript reference): every public type and value of this package is mutually assignable
// with the reference's, so code typed against either compiles against the other. The one
// exceptions are createLogStore and createBlobStore, which return the reference's LogStore and
// BlobStore plus this package's additions: they are assignable where the reference's are expected.
import type * as Ref from '@uncaged/nerve-store';
import type * as Ours from '../../index.mjs';

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** One way only: what this package returns may carry more than the reference's type. */
type Extends<A, B> = [A] extends [B] ? true : false;

type MismatchedLogStoreMembers = {
  [K in keyof Ref.LogStore]: K extends keyof Ours.LogStore
    ? Mutual<Ref.LogStore[K], Ours.LogStore[K]> extends true
      ? never
      : K
    : K;
}[keyof Ref.LogStore];

export type TypeCompat = [
  Assert<Mutual<Ref.LogEntry, Ours.LogEntry>>,
  Assert<Mutual<Ref.LogQuery, Ours.LogQuery>>,
  Assert<Mutual<Ref.LogStore, Ours.LogStore>>,
  Assert<Mutual<Ref.WorkflowRun, Ours.WorkflowRun>>,
  Assert<Mutual<Ref.WorkflowRunStatus, Ours.WorkflowRunStatus>>,
  Assert<Mutual<Ref.ThreadRoundRow, Ours.ThreadRoundRow>>,
  Assert<Mutual<Ref.GetThreadRoundsParams, Ours.GetThreadRoundsParams>>,
  Assert<Mutual<Ref.ArchiveLogsOptions, Ours.ArchiveLogsOptions>>,
  Assert<Mutual<Ref.ArchiveLogsResult, Ours.ArchiveLogsResult>>,
  Assert<Mutual<Ref.ArchiveLogsDayResult, Ours.ArchiveLogsDayResult>>,
  Assert<Mutual<Ref.BlobStore, Ours.BlobStore>>,
  // Each LogStore member on its own: on failure, hover MismatchedLogStoreMembers for the names.
  Assert<Mutual<MismatchedLogStoreMembers, never>>,
  Assert<Mutual<keyof Ref.LogStore, keyof Ours.LogStore>>,
  Assert<Mutual<keyof typeof Ref, keyof typeof Ours>>,
  // createLogStore returns LogStore plus the additions (appendMany, appendAsync, ...).
  Assert<Extends<typeof Ours.createLogStore, typeof Ref.createLogStore>>,
  Assert<Extends<Ours.ExtendedLogStore, Ref.LogStore>>,
  Assert<Extends<ReturnType<typeof Ours.createLogStore>, Ours.ExtendedLogStore>>,
  // createBlobStore returns BlobStore plus the additions (writeAsync, readAsync, ...).
  Assert<Extends<typeof Ours.createBlobStore, typeof Ref.createBlobStore>>,
  Assert<Extends<Ours.ExtendedBlobStore, Ref.BlobStore>>,
  Assert<Mutual<typeof Ref.normalizeBlobHash, typeof Ours.normalizeBlobHash>>,
  Assert<Mutual<typeof Ref.LOG_ARCHIVE_META_KEY, typeof Ours.LOG_ARCHIVE_META_KEY>>,
  Assert<Mutual<typeof Ref.DEFAULT_LOG_RETENTION_MS, typeof Ours.DEFAULT_LOG_RETENTION_MS>>,
  Assert<Mutual<typeof Ref.utcDateStringFromMs, typeof Ours.utcDateStringFromMs>>,
  Assert<Mutual<typeof Ref.assertValidUtcDay, typeof Ours.assertValidUtcDay>>,
  Assert<Mutual<typeof Ref.utcDayStartMs, typeof Ours.utcDayStartMs>>,
  Assert<Mutual<typeof Ref.utcDayEndExclusiveMs, typeof Ours.utcDayEndExclusiveMs>>,
  Assert<Mutual<typeof Ref.prevUtcDay, typeof Ours.prevUtcDay>>,
  Assert<Mutual<typeof Ref.nextUtcDay, typeof Ours.nextUtcDay>>,
  Assert<Mutual<typeof Ref.lastArchivableUtcDay, typeof Ours.lastArchivableUtcDay>>,
  Assert<Mutual<typeof Ref.compareIsoDays, typeof Ours.compareIsoDays>>,
];
