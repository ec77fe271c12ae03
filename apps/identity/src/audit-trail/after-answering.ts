/**
 * Runs `task` once the answer being prepared has gone out. Nest writes a handler's result to the socket in
 * the promise callbacks that follow the handler's own; `setImmediate` runs only after those have drained
 * (the event loop's check phase), so the task's database round trips never come before the answer. What it
 * writes is lost if the process dies in between (a crash, not a SIGTERM: see `IdentityAuditTrail`).
 */
export function afterAnswering(task: () => Promise<unknown>, onError: (error: unknown) => void): void {
  setImmediate(() => {
    task().catch(onError);
  });
}
