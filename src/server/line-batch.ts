// The access log of a busy server: lines are gathered and written together once per turn of the
// event loop (setImmediate), so the requests answered in one turn cost one write(2), not one each.
// flush() writes what is pending at once: before a message that must follow them, and at shutdown.

import type { OutputStream } from '../base/io';

export interface LineBatch {
  /** Queues one line (without its newline). */
  line(text: string): void;
  flush(): void;
}

export function lineBatch(out: OutputStream): LineBatch {
  let pending = '';
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (!pending) return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  return {
    line(text) {
      pending += `${text}\n`;
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
