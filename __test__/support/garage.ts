// Garage for specs: a cluster per describe block, started before its tests and stopped after
// them, with the harness's return value typed (scripts/garage.mjs is plain JavaScript).
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import type { RemoteOptions } from '../../index.mjs';
import { startGarage } from '../../scripts/garage.mjs';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface BucketObjects {
  client: S3Client;
  bucket: string;
  list(prefix?: string): Promise<string[]>;
  get(key: string): Promise<Buffer | null>;
  put(key: string, body: Buffer | string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

export interface GarageNode {
  readonly id: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  endpoint: string;
  dir: string;
  logTail(lines?: number): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<string>;
}

export interface Garage extends Credentials {
  dir: string;
  endpoint: string;
  region: string;
  bucket: string;
  nodes: GarageNode[];
  client(node?: number, creds?: Credentials): S3Client;
  objects(node?: number, creds?: Credentials): BucketObjects;
  createKey(name?: string): Promise<Credentials>;
  waitHealthy(): Promise<unknown>;
  env(node?: number): Record<string, string>;
  /** This package's `options.remote` for the bucket under `prefix`, through node `node`. */
  remote(prefix: string, extra?: Partial<RemoteOptions>, node?: number): RemoteOptions;
  stop(): Promise<void>;
}

export interface GarageOptions {
  nodes?: number;
  bucket?: string;
  dir?: string;
}

// Start-up is about a second for one node and a few for three; a loaded CI machine is slower.
export const GARAGE_START_TIMEOUT = 120_000;

export function startTestGarage(options: GarageOptions = {}): Promise<Garage> {
  return startGarage(options);
}

/** Registers beforeAll/afterAll in the calling describe block; call the result inside tests. */
export function useGarage(options: GarageOptions = {}): () => Garage {
  let garage: Garage | undefined;
  beforeAll(async () => {
    garage = await startTestGarage(options);
  }, GARAGE_START_TIMEOUT);
  afterAll(async () => {
    await garage?.stop();
  });
  return () => {
    if (!garage) throw new Error('Garage did not start (see the beforeAll error)');
    return garage;
  };
}
