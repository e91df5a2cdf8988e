const tails = new Map<string, Promise<void>>();

/**
 * In-process mutex keyed by a string (the repository's git common dir): calls with the same key run one
 * after another, in call order; different keys run concurrently.
 */
export async function withMutex<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => current);
  tails.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
