/** Repeated measurement: a warm-up, then N runs, reported as runs, median and spread. */
import { spawn } from "node:child_process";

export interface Figure {
  unit: string;
  runs: number[];
  median: number;
  min: number;
  max: number;
}

export function figure(unit: string, runs: number[]): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    unit,
    runs: runs.map(round),
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `once` (after one unmeasured warm-up run when `warmUp`) `runs` times; answers the measured runs. */
export async function repeat<T>(runs: number, once: () => Promise<T>, warmUp: boolean): Promise<T[]> {
  if (warmUp) await once();
  const values: T[] = [];
  for (let i = 0; i < runs; i++) values.push(await once());
  return values;
}

/** Wall seconds and peak resident memory (MB) of a command, via GNU time. */
export function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seconds: number; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "__TIME__ %e %M", command, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    child.on("exit", (code) => {
      const match = /__TIME__ ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !match)
        return reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${stderr.slice(-2000)}`));
      resolve({ seconds: Number(match[1]), peakMb: Math.round(Number(match[2]) / 1024) });
    });
  });
}
