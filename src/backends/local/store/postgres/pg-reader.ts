// One pipelined connection shared by every single-statement read of a process (getMany: what a
// `describe` needs). Statements sent in one turn of the event loop leave in one socket write and
// their answers come back in few reads, instead of a pool checkout, a write and a read per request
// on a connection of its own: under load most of a describe's CPU in awsmesh was those system
// calls. A single statement needs no transaction (it is its own snapshot), so the statements of
// concurrent requests may follow each other on one connection.
//
// The connection is made on first use and replaced after it breaks; it keeps the process alive
// only while a statement is in flight (like the pool's allowExitOnIdle).

import type { Client, QueryConfig } from 'pg';

interface Stream {
  cork(): void;
  uncork(): void;
  ref(): void;
  unref(): void;
}

const streamOf = (client: Client): Stream | undefined =>
  (client as unknown as { connection?: { stream?: Stream } }).connection?.stream;

export class SharedReader {
  private client?: Promise<Client>;
  private inFlight = 0;
  /** The stream whose writes are held until the end of this turn of the event loop. */
  private corked?: Stream;
  private drained?: () => void;

  /** `connect`: a new connected client in pipeline mode. */
  constructor(private readonly connect: () => Promise<Client>) {}

  private connection(): Promise<Client> {
    if (!this.client) {
      const made = this.connect().then((client) => {
        const drop = () => {
          if (this.client === made) this.client = undefined;
        };
        client.on('error', drop);
        client.on('end', drop);
        streamOf(client)?.unref();
        return client;
      });
      made.catch(() => {
        if (this.client === made) this.client = undefined;
      });
      this.client = made;
    }
    return this.client;
  }

  /** Rows of one statement; a broken connection rejects (the caller may run it again). */
  async rows<R>(query: QueryConfig): Promise<R[]> {
    this.inFlight++;
    let stream: Stream | undefined;
    try {
      const client = await this.connection();
      stream = streamOf(client);
      if (stream) {
        stream.ref();
        if (this.corked !== stream) {
          // Held until this turn of the event loop is over: the statements of every request
          // handled in it leave together.
          const corked = (this.corked = stream);
          corked.cork();
          setImmediate(() => {
            if (this.corked === corked) this.corked = undefined;
            corked.uncork();
          });
        }
      }
      return (await client.query(query)).rows as R[];
    } finally {
      if (--this.inFlight === 0) {
        stream?.unref();
        this.drained?.();
      }
    }
  }

  /** Waits for the statements in flight, then closes the connection. */
  async close(): Promise<void> {
    if (this.inFlight) await new Promise<void>((resolve) => (this.drained = resolve));
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    if (!client) return;
    // Kept alive until the server has seen the goodbye: end() resolves on the socket's end.
    streamOf(client)?.ref();
    await client.end().catch(() => undefined);
  }
}
