// docs/migrate.md documents every report code, and no code it lists is unknown.

import * as fs from 'fs';
import * as path from 'path';
import { MIGRATE_CODES } from '../../src/migrate/codes';
import { ROOT } from '../helpers/run-cli';

test('every MG code has a row in docs/migrate.md, and every row is a code', () => {
  const text = fs.readFileSync(path.join(ROOT, 'docs', 'migrate.md'), 'utf8');
  const rows = [...text.matchAll(/^\| (MG\d{4}) \|/gm)].map((m) => m[1]);
  expect(rows.sort()).toEqual(Object.keys(MIGRATE_CODES).sort());
});
