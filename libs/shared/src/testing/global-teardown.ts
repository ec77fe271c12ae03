export default async function globalTeardown(): Promise<void> {
  const global = globalThis as {
    __LAPSE_PG__?: { stop(): Promise<void> };
    __LAPSE_KAFKA__?: { stop(): Promise<void> };
  };
  await global.__LAPSE_KAFKA__?.stop();
  await global.__LAPSE_PG__?.stop();
}
