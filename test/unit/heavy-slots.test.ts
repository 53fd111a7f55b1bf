import { HeavySlots } from '../../src/server/heavy-slots';

describe('heavy slots', () => {
  it('lets `size` requests run at once, the next in line when one is given back, each release counted once', async () => {
    const slots = new HeavySlots(2);
    const a = await slots.take();
    const b = await slots.take();
    const order: string[] = [];
    const c = slots.take().then((release) => (order.push('c'), release));
    const d = slots.take().then((release) => (order.push('d'), release));
    expect(slots.load).toEqual({ running: 2, waiting: 2 });
    a();
    a(); // a second release of the same slot gives nothing back
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(slots.load).toEqual({ running: 2, waiting: 1 });
    b();
    (await d)();
    releaseC();
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
  });

  it('stops waiting when the request is stopped, with its typed error, and leaves its place to the next', async () => {
    const slots = new HeavySlots(1);
    const held = await slots.take();
    const stop = new AbortController();
    const waiting = slots.take(stop.signal);
    const next = slots.take();
    stop.abort('REQUEST_TIMEOUT');
    await expect(waiting).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
    held();
    (await next)();
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
    await expect(slots.take(stop.signal)).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
  });

  /** The loop's busy time as the slots see it, set by the test (Node's own accounting is what production uses). */
  const fakeLoop = () => {
    let busy = 0;
    return { work: (ms: number) => (busy += ms), loopBusy: { mark: () => busy, busySince: (mark: unknown) => busy - (mark as number) } };
  };

  it('with a loop share, gives the slot out again only after a pause as long as the loop was busy (share 0.5)', async () => {
    const loop = fakeLoop();
    const slots = new HeavySlots(1, { loopShare: 0.5, loopBusy: loop.loopBusy });
    const held = await slots.take();
    loop.work(30); // the heavy request's work, on the event loop
    const next = slots.take();
    slots.noteLight();
    held();
    // Not at once: light requests get the loop first.
    expect(slots.load).toEqual({ running: 0, waiting: 1 });
    (await next)();
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
  });

  it('without light requests around, does not pause between heavy ones', async () => {
    const loop = fakeLoop();
    const slots = new HeavySlots(1, { loopShare: 0.5, loopBusy: loop.loopBusy });
    const held = await slots.take();
    loop.work(30);
    const next = slots.take();
    held();
    expect(slots.load).toEqual({ running: 1, waiting: 0 });
    (await next)();
  });
});
