// Unit test of the fault scenario's counting (`node --test e2e/bench/`): not an e2e test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryErrors } from './delivery.mjs';

test('counts lost, duplicated, reordered and unexpected arrivals', () => {
  assert.deepEqual(deliveryErrors(['a', 'b', 'c'], ['a', 'b', 'c']), { lost: 0, duplicated: 0, reordered: 0, unexpected: 0 });
  assert.deepEqual(deliveryErrors(['a', 'b', 'c', 'd'], ['a', 'c', 'b', 'b', 'x']), {
    lost: 1,
    duplicated: 1,
    reordered: 1,
    unexpected: 1,
  });
  assert.equal(deliveryErrors(['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a']).reordered, 3);
});
