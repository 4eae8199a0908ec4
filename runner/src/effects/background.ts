// Long-running helper programs (the fake ingress of the sandbox): started, their first
// stdout line awaited, stopped by pid. execProgram is for programs that finish; this is
// the one place that starts a program that keeps running.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface BackgroundProgram {
  pid: number;
  firstLine: string;
  stop(): Promise<void>;
}

export async function startBackground(
  program: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; startTimeoutMs?: number },
): Promise<BackgroundProgram> {
  const child: ChildProcess = spawn(program, [...args], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} printed nothing within ${options.startTimeoutMs ?? 10_000} ms: ${stderr.trim()}`));
    }, options.startTimeoutMs ?? 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const newline = buffer.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(buffer.slice(0, newline).trim());
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${program} exited (${code ?? signal}) before it was ready: ${stderr.trim()}`));
    });
  });
  child.stdout?.resume();
  return {
    pid: child.pid as number,
    firstLine,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
