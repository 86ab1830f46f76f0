// An S3 client for tests, independent of the package's own: AWS SDK v3 (a devDependency only).
// Set up for an S3-compatible server rather than AWS: path-style URLs (no bucket DNS names on
// loopback), and checksums only where the operation requires one, because since early 2025 the
// SDK defaults to CRC32 with aws-chunked trailers, which many such servers mishandle. The SDK
// does not read AWS_CA_BUNDLE; explicit credentials keep it from reading ~/.aws or the
// environment.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export function s3Client({ endpoint, region, accessKeyId, secretAccessKey, maxAttempts = 3 }) {
  return new S3Client({
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
  });
}

/** list/get/put/delete of whole objects in one bucket: what tests check stored state with. */
export function bucketObjects(client, bucket) {
  return {
    client,
    bucket,
    /** Every key under `prefix`, sorted, following continuation tokens. */
    async list(prefix = '') {
      const keys = [];
      let ContinuationToken;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
        for (const o of page.Contents ?? []) keys.push(o.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    /** The object's bytes, or null if there is no such key. */
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await res.Body.transformToByteArray());
      } catch (e) {
        if (e.name === 'NoSuchKey') return null;
        throw e;
      }
    },
    /** Stores `body` (Buffer or string); returns the ETag without quotes. */
    async put(key, body) {
      const res = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return res.ETag?.replaceAll('"', '');
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
