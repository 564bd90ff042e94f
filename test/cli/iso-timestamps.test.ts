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
