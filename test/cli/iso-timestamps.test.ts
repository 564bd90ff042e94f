// Timestamps print as Python's datetime.isoformat() of UTC (as the AWS CLI prints them), built from
// the UTC fields rather than Date#toISOString (which loads the local time zone on first use).

import { isoTimestamp } from '../../src/output/normalize';

it('prints the same date and time as toISOString across the years Python can print, then microseconds', () => {
  const samples = [0, 1, 999, 1_000, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 1_733_592_902_396, -1, -62_135_596_800_000 /* 0001-01-01 */,
    253_402_300_799_999 /* 9999-12-31T23:59:59.999 */];
  for (let i = 0; i < 2_000; i++) samples.push(Math.floor((i / 2_000) * 253_402_300_799_999) - 62_135_596_800_000 * (i % 2));
  for (const ms of samples) {
    const printed = isoTimestamp(new Date(ms)) as string;
    expect(printed.slice(0, 19)).toBe(new Date(ms).toISOString().slice(0, 19));
    expect(printed).toMatch(ms % 1000 === 0 ? /^.{19}\+00:00$/ : /^.{19}\.\d{6}\+00:00$/);
  }
});

it('keeps the forms it printed before: epoch seconds with microseconds, ISO strings, and non-timestamps unchanged', () => {
  expect(isoTimestamp(1_733_592_902.396)).toBe('2024-12-07T17:35:02.396000+00:00');
  expect(isoTimestamp('1733592902')).toBe('2024-12-07T17:35:02+00:00');
  expect(isoTimestamp('2024-12-07T17:35:02.5Z')).toBe('2024-12-07T17:35:02.500000+00:00');
  expect(isoTimestamp('not a time')).toBe('not a time');
  expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
});

it('splits epoch seconds as Python does (modf, then microseconds rounded half to even)', () => {
  // The expected strings are CPython's datetime.fromtimestamp(t, timezone.utc).isoformat().
  expect(isoTimestamp(253_402_300_799.999)).toBe('9999-12-31T23:59:59.998993+00:00');
  expect(isoTimestamp(1_700_000_000.5)).toBe('2023-11-14T22:13:20.500000+00:00');
  expect(isoTimestamp(0.0000005)).toBe('1970-01-01T00:00:00+00:00');
  expect(isoTimestamp(0.0000015)).toBe('1970-01-01T00:00:00.000002+00:00');
  expect(isoTimestamp(1.0000025)).toBe('1970-01-01T00:00:01.000002+00:00');
  expect(isoTimestamp(1_731_001_234.123456)).toBe('2024-11-07T17:40:34.123456+00:00');
  expect(isoTimestamp(-1.5)).toBe('1969-12-31T23:59:58.500000+00:00');
});
