export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 10 ms for at most `ms` (8 s by default, for a loaded CI machine). It does not fail
 * by itself: the assertions after it say what did not happen.
 */
export async function until(check: () => boolean, ms = 8000): Promise<void> {
  for (let waited = 0; waited < ms && !check(); waited += 10) await sleep(10);
}
