import { readFileSync } from 'node:fs';
import { EXIT, InterruptedError, type StopCode } from './exit-codes.js';
import { removePartialsSync } from './partial-files.js';

/** The signals that stop a run, each with its exit code. */
const STOP_SIGNALS: ReadonlyArray<[NodeJS.Signals, StopCode]> = [
  ['SIGHUP', EXIT.hangup],
  ['SIGINT', EXIT.interrupted],
  ['SIGTERM', EXIT.terminated],
];

/** How often the launcher processes are checked; reading a few /proc files costs next to nothing. */
const PARENT_POLL_MS = 500;

/** How soon after a launcher is seen gone a signal still names the stop (a group signal's own delivery). */
const SIGNAL_AFTER_LAUNCHER_MS = 1000;

/** How long a stopped run may take to wind down before the process deletes its partials and exits. */
const GRACE_MS = 3000;

/** One process of the chain that started this one, identified by pid and start time (pids are reused). */
interface Launcher {
  pid: number;
  startTime: string;
}

/**
 * Aborts `controller` with an InterruptedError carrying the exit code when SIGHUP, SIGINT or SIGTERM
 * arrives, or when a process that launched this one exits: `npm run score` is npm → sh → node,
 * and npm does not pass a signal it receives down, so each of them is watched. The launchers
 * are the parent and the ancestors above it that share this process's group (the shell that ran
 * `npm` is in another group under job control, so `nohup`/`setsid` still detach a run). A second
 * signal is ignored rather than fatal (a wrapper may relay the signal its group already got); if the run has
 * not finished `GRACE_MS` after the first, the partial files are deleted and the process exits.
 * Returns the launcher check, to run at once where a stop must not be missed (before publishing).
 */
export function stopOnSignalsAndParentExit(controller: AbortController): () => void {
  const stop = (reason: InterruptedError) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    setTimeout(() => {
      removePartialsSync();
      process.exit(reason.code);
    }, GRACE_MS).unref();
  };
  // A signal to the whole group ends npm at once, and the launcher check may see that before this
  // process's own handler runs: a signal that follows a launcher stop closely names the stop.
  let launcherStop: { reason: InterruptedError; at: number } | undefined;
  for (const [name, code] of STOP_SIGNALS)
    process.on(name, () => {
      if (launcherStop && performance.now() - launcherStop.at < SIGNAL_AFTER_LAUNCHER_MS) {
        launcherStop.reason.code = code;
        launcherStop.reason.message = `stopped by ${name}`;
        launcherStop = undefined;
        return;
      }
      stop(new InterruptedError(`stopped by ${name}`, code));
    });
  const launchers = launcherChain();
  const initialParent = process.ppid;
  const check = () => {
    if (controller.signal.aborted) return;
    const gone =
      launchers === undefined ? process.ppid !== initialParent : launchers.some((launcher) => !isRunning(launcher));
    if (!gone) return;
    clearInterval(poll);
    const reason = new InterruptedError('stopped because the process that started score exited', EXIT.hangup);
    launcherStop = { reason, at: performance.now() };
    stop(reason);
  };
  const poll = setInterval(check, PARENT_POLL_MS);
  poll.unref();
  return check;
}

/** The parent and the ancestors in this process's group, or undefined where /proc cannot be read. */
function launcherChain(): Launcher[] | undefined {
  const self = procStat(process.pid);
  if (self === undefined) return undefined;
  const chain: Launcher[] = [];
  for (let pid = self.ppid; pid > 1;) {
    const stat = procStat(pid);
    if (stat === undefined || (chain.length > 0 && stat.pgrp !== self.pgrp)) break;
    chain.push({ pid, startTime: stat.startTime });
    pid = stat.ppid;
  }
  return chain;
}

function isRunning(launcher: Launcher): boolean {
  const stat = procStat(launcher.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === launcher.startTime;
}

/** Fields of /proc/<pid>/stat (proc(5)); the command name may hold spaces, so split after its ')'. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
}
