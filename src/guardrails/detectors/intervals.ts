/**
 * A set of disjoint [start, end) intervals with an overlap test in O(log n), so keeping the
 * strongest of thousands of overlapping hits (adversarial input) stays n log n, not quadratic.
 * Detectors keep one set per module and clear it per text: the arrays keep their capacity, so a
 * scan allocates nothing here.
 */
export class DisjointIntervals {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Intervals in the set: entries past it in the arrays are stale. */
  private size = 0;

  /** Empties the set; the arrays keep their storage for the next text (see below). */
  clear(): void {
    this.size = 0;
    // Unless a huge text grew them: that storage is dropped rather than kept for the process's life.
    if (this.starts.length > 1 << 16) {
      this.starts.length = 0;
      this.ends.length = 0;
    }
  }

  /** Adds [start, end) unless it overlaps an interval already in the set; returns whether it was added. */
  tryAdd(start: number, end: number): boolean {
    const s = this.starts;
    const e = this.ends;
    const n = this.size;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    // Neighbours: the interval starting before `start` may run into it; the next one may start inside it.
    if (lo > 0 && e[lo - 1] > start) return false;
    if (lo < n && s[lo] < end) return false;
    if (lo < n && s[lo] === start) return false;
    // Insert at lo by hand: splice would allocate the (empty) array of removed elements.
    for (let k = n; k > lo; k--) {
      s[k] = s[k - 1];
      e[k] = e[k - 1];
    }
    s[lo] = start;
    e[lo] = end;
    this.size = n + 1;
    return true;
  }
}

/** Ascending numbers, for sortInPlace and insertionSort (a module-level comparator, not a closure per call). */
export function byNumber(a: number, b: number): number {
  return a - b;
}

/** Stable sorts up to this length run as insertion sort (see sortInPlace). */
const INSERTION_MAX = 32;

/**
 * Stable in-place sort, the same order as `a.sort(cmp)`. Short arrays (the few hits of a text) use
 * insertion sort, which allocates nothing; Array.prototype.sort copies the array into a work array
 * on every call. Longer ones use it, so adversarial input stays n log n. Pass a module-level
 * comparator: an arrow written at the call site is a new closure per call.
 */
export function sortInPlace<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  if (a.length > INSERTION_MAX) return a.sort(cmp);
  insertionSort(a, a.length, cmp);
  return a;
}

/**
 * Stable insertion sort of the first `n` elements of `a`, allocating nothing. Quadratic in how far
 * elements are out of place: for short arrays, or long ones known to be nearly sorted.
 */
export function insertionSort<T>(a: T[], n: number, cmp: (x: T, y: T) => number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && cmp(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * Stable sort of flattened [start, end) pairs (start0, end0, start1, ...) by start, the same order
 * as sorting pair arrays: insertion sort for the usual handful (no allocation), Array.prototype.sort
 * on pair arrays beyond.
 */
export function sortFlatSpans(spans: number[]): void {
  const n = spans.length >> 1;
  if (n > INSERTION_MAX) {
    const pairs: [number, number][] = [];
    for (let k = 0; k < n; k++) pairs.push([spans[2 * k], spans[2 * k + 1]]);
    pairs.sort((x, y) => x[0] - y[0]);
    for (let k = 0; k < n; k++) {
      spans[2 * k] = pairs[k][0];
      spans[2 * k + 1] = pairs[k][1];
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const a = spans[2 * i];
    const b = spans[2 * i + 1];
    let j = i - 1;
    for (; j >= 0 && spans[2 * j] > a; j--) {
      spans[2 * j + 2] = spans[2 * j];
      spans[2 * j + 3] = spans[2 * j + 1];
    }
    spans[2 * j + 2] = a;
    spans[2 * j + 3] = b;
  }
}
