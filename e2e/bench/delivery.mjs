//! Counting delivery errors of an ordered message stream (the fault scenario): what was
//! expected against what arrived, in arrival order.
//!
//! `lost`: expected, never arrived. `duplicated`: arrivals beyond the first of a message.
//! `reordered`: the fewest first arrivals that must move for the rest to be in order
//! (arrivals minus the longest increasing run of expected positions). Arrivals nobody sent
//! are `unexpected`.

export function deliveryErrors(expected, arrived) {
  const position = new Map(expected.map((m, i) => [m, i]));
  const seen = new Map();
  const firsts = [];
  let unexpected = 0;
  for (const m of arrived) {
    if (!position.has(m)) {
      unexpected += 1;
      continue;
    }
    seen.set(m, (seen.get(m) ?? 0) + 1);
    if (seen.get(m) === 1) firsts.push(position.get(m));
  }
  let duplicated = 0;
  for (const n of seen.values()) duplicated += n - 1;
  // Longest strictly increasing subsequence, O(n log n).
  const tails = [];
  for (const p of firsts) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = p;
  }
  return {
    lost: expected.length - seen.size,
    duplicated,
    reordered: firsts.length - tails.length,
    unexpected,
  };
}
