/**
 * CPU accounting, from /proc on Linux: this process (clients, local API,
 * handlers, plus waited-for children such as the cold-start probes), the
 * DynamoDB Local JVM, and everything else on the machine ("background": other
 * work that competed for the same two cores while a figure was measured).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticksPerSecond = Number(r.stdout?.trim()) || 100;
  }
  return ticksPerSecond;
}

/** The pid of the DynamoDB Local JVM listening on `endpoint`'s port (started by this run), if /proc can tell. */
export function dynamoDbLocalPid(endpoint: string): number | undefined {
  const port = new URL(endpoint).port;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (args[0]?.endsWith('java') && args.some((a) => a.endsWith('DynamoDBLocal.jar')) && args.includes(port)) return Number(entry);
      } catch {
        // process went away
      }
    }
  } catch {
    // no /proc (not Linux)
  }
  return undefined;
}

/** CPU seconds (user + system, optionally plus waited-for children) used so far by `pid`. */
function procCpuSeconds(pid: number | 'self' | undefined, withChildren = false): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14..17.
    return (f[11]! + f[12]! + (withChildren ? f[13]! + f[14]! : 0)) / clockTicks();
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq; not idle, iowait or steal). */
function machineBusySeconds(): number | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq] = cpu;
    return (user! + nice! + system! + irq! + softirq!) / clockTicks();
  } catch {
    return undefined;
  }
}

/** CPU seconds used between the call and the returned function's call. */
export interface CpuUse {
  /** This process, and its waited-for children. */
  readonly node: number;
  /** DynamoDB Local, when known. */
  readonly java?: number;
  /** Everything else on the machine, when known. */
  readonly background?: number;
}

/** Starts measuring; call the result to read what was used since. */
export function cpuMeter(javaPid?: number): () => CpuUse {
  const self0 = procCpuSeconds('self', true);
  const usage0 = process.cpuUsage();
  const java0 = procCpuSeconds(javaPid);
  const busy0 = machineBusySeconds();
  return () => {
    const self1 = procCpuSeconds('self', true);
    const node = self0 !== undefined && self1 !== undefined ? self1 - self0 : (() => { const d = process.cpuUsage(usage0); return (d.user + d.system) / 1e6; })();
    const java1 = procCpuSeconds(javaPid);
    const java = java0 !== undefined && java1 !== undefined ? java1 - java0 : undefined;
    const busy1 = machineBusySeconds();
    const background = busy0 !== undefined && busy1 !== undefined ? Math.max(0, busy1 - busy0 - node - (java ?? 0)) : undefined;
    return { node, java, background };
  };
}

/** "0.12 cores" of background load over `secs`, or '' when unknown. */
export function backgroundNote(use: CpuUse, secs: number): string {
  return use.background === undefined ? '' : `background (other processes) ${(use.background / secs).toFixed(2)} cores`;
}
