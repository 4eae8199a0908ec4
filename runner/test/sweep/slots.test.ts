import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { inPool, slots } from '../../src/sweep/slots.js';

test('slots never admit more than their size, and every piece of work runs once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 20 }), async (size, delays) => {
      const gate = slots(size);
      let inside = 0;
      let most = 0;
      const ran: number[] = [];
      await Promise.all(
        delays.map((delay, index) =>
          gate.use(async () => {
            inside += 1;
            most = Math.max(most, inside);
            for (let i = 0; i < delay; i += 1) await Promise.resolve();
            ran.push(index);
            inside -= 1;
          }),
        ),
      );
      assert.ok(most <= size);
      assert.deepEqual([...ran].sort((a, b) => a - b), delays.map((_, i) => i));
    }),
  );
});

test('a failing piece of work gives its slot back', async () => {
  const gate = slots(1);
  await assert.rejects(gate.use(async () => Promise.reject(new Error('boom'))));
  assert.equal(await gate.use(async () => 'next'), 'next');
});

test('inPool covers every item once with at most size at a time', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(), { maxLength: 30 }), async (size, items) => {
      let inside = 0;
      let most = 0;
      const seen: number[] = [];
      await inPool(items, size, async (_item, index) => {
        inside += 1;
        most = Math.max(most, inside);
        await Promise.resolve();
        seen.push(index);
        inside -= 1;
      });
      assert.ok(most <= size);
      assert.deepEqual([...seen].sort((a, b) => a - b), items.map((_, i) => i));
    }),
  );
});
