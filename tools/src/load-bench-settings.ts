/** The load benchmark's options (see load-bench.ts for what each run does) and the settings made of them. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Scenario, Traffic } from './bench-report.js';
import { settingsEnv } from './bench-server.js';

/** What every part of one load-benchmark run reads. */
export interface LoadSettings {
  model: string;
  seconds: number;
  warmup: number;
  clients: number;
  bulkClients: number;
  bulkRows: number;
  rates: number[];
  repeat: number;
  traffic: Traffic[];
  scenarios: Scenario[];
  limitSizes: number[];
  serverEnv: Record<string, string>;
  /** Output path without extension. */
  out: string;
  smoke: boolean;
}

/** The command line: settings, and which mode runs (`--heavy`, `--soak S`, `--profile DIR`, or the full run). */
export interface LoadArgs {
  settings: LoadSettings;
  heavy: boolean;
  soakSeconds?: number;
  profileDir?: string;
  build: boolean;
}

/** Reads `argv` (paths relative to `root`). With `--heavy`, unknown options are left to heavy-bench.ts. */
export function parseLoadArgs(argv: string[], root: string): LoadArgs {
  // `--heavy` hands the run to the compute-heavy benchmark (heavy-bench.ts), which has options of its own.
  const heavy = argv.includes('--heavy');
  const { values: args } = parseArgs({
    args: argv,
    strict: !heavy,
    options: {
      model: { type: 'string', default: 'mnist' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      clients: { type: 'string', default: '64' },
      'bulk-clients': { type: 'string', default: '8' },
      'bulk-rows': { type: 'string', default: '256' },
      rates: { type: 'string', default: '0.25,0.5,0.75,0.9,1,1.1' },
      repeat: { type: 'string', default: '3' },
      traffic: { type: 'string', default: 'single,bulk-compact,bulk-json' },
      scenarios: { type: 'string', default: 'limit,ceiling,naive,coalesced,coalesced-stock' },
      'limit-sizes': { type: 'string', default: '64,128,256,512,1024' },
      'server-env': { type: 'string', default: '' },
      out: { type: 'string', default: 'tmp/bench/load' },
      smoke: { type: 'boolean', default: false },
      soak: { type: 'string' },
      profile: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const smoke = args.smoke as boolean;
  const settings: LoadSettings = {
    model: args.model as string,
    seconds: smoke ? 0.6 : Number(args.seconds),
    warmup: smoke ? 0.3 : Number(args.warmup),
    clients: Number(args.clients),
    bulkClients: Number(args['bulk-clients']),
    bulkRows: smoke ? 32 : Number(args['bulk-rows']),
    rates: (smoke ? '0.5' : (args.rates as string)).split(',').map(Number),
    repeat: smoke ? 1 : Number(args.repeat),
    traffic: (args.traffic as string).split(',') as Traffic[],
    scenarios: (args.scenarios as string).split(',') as Scenario[],
    limitSizes: (smoke ? '64' : (args['limit-sizes'] as string)).split(',').map(Number),
    serverEnv: settingsEnv((args['server-env'] as string).split(',')),
    out: resolve(root, args.out as string),
    smoke,
  };
  return {
    settings,
    heavy,
    soakSeconds: args.soak === undefined ? undefined : Number(args.soak),
    profileDir: args.profile === undefined ? undefined : resolve(root, args.profile as string),
    build: !args['no-build'],
  };
}

/** The warm-up and window of every load run. */
export const timingOf = (settings: LoadSettings) => ({ warmup: settings.warmup, seconds: settings.seconds });
