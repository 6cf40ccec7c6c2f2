/**
 * Reads a V8 CPU profile (`node --cpu-prof` writes one `.cpuprofile` per thread) and sums self time
 * by function and by package, for the benchmark's profile summaries.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Node id of each sample, and the microseconds before each sample. */
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Share of all sampled time, idle included, in percent. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the time the thread was idle (waiting for I/O). */
  idlePercent: number;
  functions: SelfTime[];
  packages: SelfTime[];
}

/** Self time per function (`name (file:line)`) and per package (node_modules package, node internals, our code, or V8's own). */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const perNode = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    perNode.set(id, (perNode.get(id) ?? 0) + us);
  });
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of perNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') idle += us;
    const name = `${frame.functionName || '(anonymous)'}${frame.url ? ` (${shortUrl(frame.url)}:${frame.lineNumber + 1})` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const ranked = (map: Map<string, number>, n: number): SelfTime[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: total > 0 ? (us / total) * 100 : 0 }));
  return {
    totalMs: total / 1000,
    idlePercent: total > 0 ? (idle / total) * 100 : 0,
    functions: ranked(functions, top),
    packages: ranked(packages, top),
  };
}

/** Where a frame's code comes from: a node_modules package, Node itself, this repo's code, or V8. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const ours = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

/** A frame's file as a short path: `package/file` under node_modules, `apps/…`, `libs/…` or `tools/…` for ours. */
export function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const ours = /\/((?:apps|libs|tools)\/.*)$/.exec(url);
  return ours ? ours[1] : url.replace(/^file:\/\//, '');
}

/** A summary as markdown: packages, then functions, by self time. */
export function renderProfile(title: string, summary: ProfileSummary): string {
  const lead = `${(summary.totalMs / 1000).toFixed(1)} s sampled, ${summary.idlePercent.toFixed(1)}% idle.`;
  return renderShares(title, lead, 'self ms', (t: SelfTime) => t.ms.toFixed(0), summary.packages, summary.functions);
}

/**
 * A heading, a lead line, then two tables, packages (the first 12) and functions: each row a name,
 * its amount as `amount` writes it, and its share. The layout of every profile summary here.
 */
export function renderShares<T extends { name: string; percent: number }>(
  title: string,
  lead: string,
  column: string,
  amount: (entry: T) => string,
  packages: readonly T[],
  functions: readonly T[],
): string {
  const row = (entry: T) => `| ${entry.name.replace(/\|/g, '\\|')} | ${amount(entry)} | ${entry.percent.toFixed(1)}% |`;
  return [
    `### ${title}`,
    '',
    lead,
    '',
    `| package | ${column} | share |`,
    '|---|---:|---:|',
    ...packages.slice(0, 12).map(row),
    '',
    `| function | ${column} | share |`,
    '|---|---:|---:|',
    ...functions.map(row),
    '',
  ].join('\n');
}
