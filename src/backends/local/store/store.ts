// The local backend's persistence seam. Providers (App Mesh, IAM, Cloud Map) see only this
// interface; SQL lives in the implementations: SQLite (sqlite-store.ts, the embedded default) and
// PostgreSQL (postgres/, shared by any number of processes and machines).

/** State is partitioned like AWS's: per account and region (IAM uses region "global"). */
export interface Partition {
  account: string;
  region: string;
}

export interface StoredResource {
  /** Owning service: 'appmesh' | 'iam' | 'servicediscovery' | 'dataplane'. */
  service: string;
  /** Resource kind within the service, e.g. 'mesh', 'virtualNode', 'route', 'role', 'instance'. */
  kind: string;
  /** Scope the name is unique in: '' at the top, the mesh name for mesh children, 'mesh/router' for routes. */
  parent: string;
  name: string;
  /** Unique within the partition; used for tags and references. */
  arn: string;
  /** Provider-defined JSON document (spec, status, tags, …). */
  data: Record<string, unknown>;
  /** Epoch seconds with fractions. */
  createdAt: number;
  updatedAt: number;
}

/** Where a resource is: unique within a partition. */
export interface ResourceKey {
  service: string;
  kind: string;
  parent: string;
  name: string;
}

export interface ListOptions {
  /** Resume strictly after this (parent, name) position; names compare in binary order. */
  after?: { parent: string; name: string };
  limit?: number;
}

export interface IdempotencyRecord {
  /** Hash of the request the token was first used with. */
  fingerprint: string;
  response: unknown;
}

/** Operations inside one transaction on one partition. */
export interface StoreTx {
  get(service: string, kind: string, parent: string, name: string): Promise<StoredResource | undefined>;
  getByArn(arn: string): Promise<StoredResource | undefined>;
  /** Ordered by (parent, name). `parent` undefined lists every parent. */
  list(service: string, kind: string, parent: string | undefined, opts?: ListOptions): Promise<StoredResource[]>;
  count(service: string, kind: string, parent?: string): Promise<number>;
  /** Insert, or replace the row with the same (service, kind, parent, name). */
  put(resource: StoredResource): Promise<void>;
  delete(service: string, kind: string, parent: string, name: string): Promise<boolean>;
  /** Replace the outgoing references of `fromArn` (used for ResourceInUse checks). */
  setRefs(fromArn: string, toArns: string[]): Promise<void>;
  /** ARNs of the resources that reference `toArn`. */
  referrers(toArn: string): Promise<string[]>;
  getIdempotency(scope: string, token: string): Promise<IdempotencyRecord | undefined>;
  putIdempotency(scope: string, token: string, record: IdempotencyRecord): Promise<void>;
}

/** One reference recorded by setRefs, for export. */
export interface StoredRef {
  partition: Partition;
  from: string;
  to: string;
}

export interface PartitionStats {
  partition: Partition;
  /** Count per `${service}:${kind}`. */
  counts: Record<string, number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the state lives (a file path for SQLite, a URL without its password for PostgreSQL). */
  readonly location: string;
  /** Resolves when the store is usable (connected, migrated); throws StoreUnavailableError when not. */
  ping(): Promise<void>;
  read<T>(p: Partition, fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * The resources at `keys` (undefined where absent), in the order of `keys`, all from one
   * consistent snapshot: what a `describe` needs (the resource and its containers) in one read.
   * PostgreSQL answers it with one statement and no transaction around it.
   */
  getMany(p: Partition, keys: readonly ResourceKey[]): Promise<Array<StoredResource | undefined>>;
  /** Runs `fn` in one serialisable write transaction; a throw rolls everything back. */
  write<T>(p: Partition, fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** A number that changes after every committed write, by any process sharing the store. */
  changeSeq(): Promise<number>;
  /**
   * A cheap stand-in for changeSeq: equal to an earlier value only if nothing has been committed
   * since, by this or any other process or replica, so answers read under it may be reused. SQLite
   * answers synchronously (PRAGMA data_version, behind a read of the WAL index header); PostgreSQL
   * reads its commit counter (one small statement on the shared reading connection). Undefined
   * when it cannot tell now (e.g. a transaction is open).
   */
  readVersion?(): string | undefined | Promise<string | undefined>;
  /**
   * Calls `listener` soon after any committed write, by this or any other process (SQLite polls
   * changeSeq; PostgreSQL listens for NOTIFY). Writes of this process are announced before their
   * write() resolves. Returns an unsubscribe function.
   */
  watch(listener: () => void, intervalMs?: number): () => void;
  stats(): Promise<PartitionStats[]>;
  /** Every resource of a partition (or of all partitions), for export. */
  dump(p?: Partition): Promise<Array<StoredResource & { partition: Partition }>>;
  /** References (setRefs) of a partition (or of all partitions), for export. */
  dumpRefs(p?: Partition): Promise<StoredRef[]>;
  /** One write transaction spanning partitions (import): `tx(p)` gives the operations on p. */
  writeAll<T>(fn: (tx: (p: Partition) => StoreTx) => Promise<T>): Promise<T>;
  /** A random value created once per store and kept in it (e.g. to sign pagination tokens). */
  secret(name: string): Promise<Buffer>;
  /** Deletes everything (all partitions). */
  reset(): Promise<void>;
  close(): Promise<void>;
}
