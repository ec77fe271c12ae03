import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/**
 * A server process the peer bench started, in its own process group (`detached`), so that stopping it
 * stops whatever it started too (Keycloak's launcher script and its JVM; Lapse and its embedded
 * PostgreSQL). Until it is stopped, the bench's own exit or a SIGTERM/SIGINT sent to the bench (the CLI's
 * time limit) kills the group and removes its `scratchDir` (its data directory), so no server and no
 * database outlives the run; `stop()` leaves the folder to its caller.
 */
export class ServerProcess {
  private stderrTail = '';
  private readonly killOnExit = () => {
    this.signal('SIGKILL');
    if (this.scratchDir) rmSync(this.scratchDir, { recursive: true, force: true });
  };
  private readonly killAndExit = () => {
    this.signal('SIGKILL');
    process.exit(1);
  };

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly scratchDir: string | undefined,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-6000);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-6000);
    });
    process.once('exit', this.killOnExit);
    process.once('SIGTERM', this.killAndExit);
    process.once('SIGINT', this.killAndExit);
  }

  static start(
    name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    scratchDir?: string,
  ): ServerProcess {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return new ServerProcess(name, child, scratchDir);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** How it ended (exit code or signal) and the last lines it wrote, once it has; null while it runs. */
  get ended(): string | null {
    if (!this.exited) return null;
    const how = this.child.signalCode ?? `exit code ${this.child.exitCode}`;
    return `${this.name} ended (${how}); its last output:\n${this.output}`;
  }

  /** The last lines it wrote (stdout and stderr), for an error message. */
  get output(): string {
    return this.stderrTail;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the launched process has exited. */
  async stop(graceMs = 20_000): Promise<void> {
    try {
      if (!this.exited) {
        const exited = new Promise((resolve) => this.child.once('exit', resolve));
        this.signal('SIGTERM');
        const late = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
        if (late) {
          this.signal('SIGKILL');
          await Promise.race([exited, sleep(5_000)]);
        }
      }
      // Whatever else of the group is left (a backend, a JVM the launcher left behind).
      this.signal('SIGKILL');
    } finally {
      process.off('exit', this.killOnExit);
      process.off('SIGTERM', this.killAndExit);
      process.off('SIGINT', this.killAndExit);
    }
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone
    }
  }
}

/**
 * Samples the memory of a process and all its descendants every `everyMs`, keeping the peak of their sum.
 * The figure is PSS (proportional set size, /proc/<pid>/smaps_rollup): pages shared between processes
 * (PostgreSQL's shared buffers, seen by every backend) count once in the sum, where adding up RSS would
 * count them once per process. Also kept: the largest peak RSS (VmHWM) of any one process of the tree
 * (the JVM under Keycloak's launcher script; Lapse's node process).
 */
export class TreeMemorySampler {
  private peakPssKib = 0;
  private largestHwmKib = 0;
  private readonly timer: NodeJS.Timeout;
  private sampling = false;

  constructor(
    private readonly root: number,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  /** Takes one more sample, stops sampling and answers the peaks in MB. */
  async finish(): Promise<{ peakTreePssMb: number; peakLargestProcessRssMb: number }> {
    await this.sample();
    this.stop();
    return { peakTreePssMb: mb(this.peakPssKib), peakLargestProcessRssMb: mb(this.largestHwmKib) };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      let total = 0;
      for (const pid of await descendants(this.root)) {
        const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
        total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        this.largestHwmKib = Math.max(this.largestHwmKib, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      }
      this.peakPssKib = Math.max(this.peakPssKib, total);
    } finally {
      this.sampling = false;
    }
  }
}

/** `root` and every process below it, from each process's parent in /proc/<pid>/stat. */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

const mb = (kib: number) => Number((kib / 1024).toFixed(1));
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
