// Calls to the console's server: JSON over fetch (same origin, the session cookie goes along;
// writes carry the page's CSRF token), and the server-sent event stream.

import type { ProblemBody } from '../../src/console/api-types';

const csrf = document.querySelector<HTMLMetaElement>('meta[name="awsmesh-csrf"]')?.content ?? '';

/** A refusal from the server, with the message the page shows as it is. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: ProblemBody) {
    super(problem.message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, { code: 'internal', message: `The console's server answered HTTP ${res.status}: ${text.slice(0, 200)}` });
  }
  if (!res.ok) throw new ApiError(res.status, body as ProblemBody);
  return body as T;
}

export async function getJson<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const q = new URLSearchParams(params).toString();
  return parse<T>(await fetch(`api/${path}${q ? `?${q}` : ''}`, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(await fetch(`api/${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  }));
}

/** Subscribes to the server's events for a mesh; returns the unsubscribe. EventSource reconnects by itself. */
export function subscribe(
  mesh: string, topics: string[], events: Record<string, (data: unknown) => void>, status: (connected: boolean) => void,
): () => void {
  const es = new EventSource(`api/events?${new URLSearchParams({ mesh, topics: topics.join(',') })}`);
  for (const [event, fn] of Object.entries(events)) {
    es.addEventListener(event, (e) => fn(JSON.parse((e as MessageEvent<string>).data)));
  }
  es.onopen = () => status(true);
  es.onerror = () => status(false);
  return () => es.close();
}
