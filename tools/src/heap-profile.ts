/**
 * Reads a V8 sampling heap profile (`HeapProfiler.stopSampling`) taken with the objects the GC has
 * collected included, so it counts what was allocated over the window, garbage and all: the churn
 * that drives scavenges, which a profile of live objects alone does not show.
 */
import { packageOf, renderShares, shortUrl } from './cpu-profile.js';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Bytes sampled as allocated by this frame itself. */
  selfSize: number;
  children: HeapNode[];
}

/** The part of a sampling heap profile this reads. */
export interface SamplingHeapProfile {
  head: HeapNode;
}

export interface Allocated {
  name: string;
  bytes: number;
  /** Share of all sampled bytes, in percent. */
  percent: number;
}

export interface AllocationSummary {
  totalBytes: number;
  functions: Allocated[];
  packages: Allocated[];
}

/** Allocated bytes by function (`name (file:line)`) and by package, as cpu-profile.ts groups time. */
export function summarizeAllocations(profile: SamplingHeapProfile, top = 20): AllocationSummary {
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  const stack: HeapNode[] = [profile.head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    const frame = node.callFrame;
    total += node.selfSize;
    const name = `${frame.functionName || '(anonymous)'}${frame.url ? ` (${shortUrl(frame.url)}:${frame.lineNumber + 1})` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + node.selfSize);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + node.selfSize);
  }
  const ranked = (map: Map<string, number>): Allocated[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({ name, bytes, percent: total > 0 ? (bytes / total) * 100 : 0 }));
  return { totalBytes: total, functions: ranked(functions), packages: ranked(packages) };
}

/** A summary as markdown, bytes given per request: packages, then functions. */
export function renderAllocations(title: string, summary: AllocationSummary, requests: number): string {
  const perRequest = (bytes: number) => (requests > 0 ? bytes / requests : 0);
  const lead = `${(summary.totalBytes / 2 ** 20).toFixed(0)} MiB sampled over ${requests} requests: ${(perRequest(summary.totalBytes) / 1024).toFixed(1)} KiB per request.`;
  return renderShares(
    title,
    lead,
    'bytes per request',
    (a: Allocated) => perRequest(a.bytes).toFixed(0),
    summary.packages,
    summary.functions,
  );
}
