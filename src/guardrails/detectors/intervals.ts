/**
 * A set of disjoint [start, end) intervals with an overlap test in O(log n), so keeping the
 * strongest of thousands of overlapping hits (adversarial input) stays n log n, not quadratic.
 */
export class DisjointIntervals {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Adds [start, end) unless it overlaps an interval already in the set; returns whether it was added. */
  tryAdd(start: number, end: number): boolean {
    const s = this.starts;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    // Neighbours: the interval starting before `start` may run into it; the next one may start inside it.
    if (lo > 0 && this.ends[lo - 1] > start) return false;
    if (lo < s.length && s[lo] < end) return false;
    if (lo < s.length && s[lo] === start) return false;
    s.splice(lo, 0, start);
    this.ends.splice(lo, 0, end);
    return true;
  }
}
