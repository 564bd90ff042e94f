// The traffic-split bar chart `local demo` prints.

export function barChart(counts: Array<[string, number]>, width = 40): string {
  const total = counts.reduce((s, [, n]) => s + n, 0) || 1;
  const label = Math.max(...counts.map(([k]) => k.length));
  return counts
    .map(([name, n]) => {
      const share = n / total;
      const full = Math.round(share * width);
      const bar = '█'.repeat(full) + '░'.repeat(width - full);
      return `  ${name.padEnd(label)}  ${bar} ${(share * 100).toFixed(1).padStart(5)}%  (${n})`;
    })
    .join('\n');
}
