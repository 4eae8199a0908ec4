// A counting semaphore: at most `size` holders at once, served in arrival order.
export interface Slots {
  use<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Waits for a slot and returns its release, for a holder that gives the slot back
   * before its work is done (a promote gives it back once the app is undeployed).
   * Releasing twice releases once.
   */
  acquire(): Promise<() => void>;
}

export function slots(size: number): Slots {
  let free = size;
  const waiting: (() => void)[] = [];
  const take = () =>
    new Promise<void>((resolve) => {
      if (free > 0) {
        free -= 1;
        resolve();
      } else waiting.push(resolve);
    });
  const give = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  const acquire = async () => {
    await take();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      give();
    };
  };
  return {
    acquire,
    async use(work) {
      const release = await acquire();
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

/** Runs `work` over `items` with at most `size` at a time. */
export async function inPool<T>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, size), items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}
