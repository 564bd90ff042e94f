// Numbers as the pages show them (like `awsmesh local stat`).

import type { Health, Rates } from '../../src/console/api-types';

export function rps(v: number): string {
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} rps`;
}

export function pct(v: number): string {
  return `${Number((v * 100).toFixed(v >= 0.999 && v < 1 ? 2 : 1))}%`;
}

export function ms(v: number): string {
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

/** `12.3 rps · 99.5% · p99 4.1 ms`, or `no traffic`. */
export function ratesText(r: Rates | undefined): string {
  if (!r || r.requests === 0) return 'no traffic';
  return [rps(r.rps), r.successRate === null ? '' : `${pct(r.successRate)} ok`, r.p99Ms === null ? '' : `p99 ${ms(r.p99Ms)}`].filter(Boolean).join(' · ');
}

export const HEALTH_TEXT: Record<Health, string> = {
  ok: 'healthy', warn: 'some errors', bad: 'failing', down: 'no proxy running', idle: 'no traffic',
};

export const KIND_TEXT: Record<string, string> = {
  virtualService: 'virtual service', virtualRouter: 'virtual router', route: 'route',
  virtualNode: 'virtual node', virtualGateway: 'virtual gateway', gatewayRoute: 'gateway route',
};

export function time(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
