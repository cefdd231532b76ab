/** A bounded LRU on Map's insertion order: a hit moves the entry to the end, the front is evicted. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {
    if (!(max > 0)) throw new Error('LRU size must be positive');
  }
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, v);
  }
  clear(): void {
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}

/**
 * Hour and day of week in a time zone, recomputed at most once a minute: Intl formatting costs
 * microseconds, which the cached-decision path cannot afford on every request.
 */
export class WallClock {
  private readonly fmt?: Intl.DateTimeFormat;
  private minute = -1;
  private facts = { hour: 0, dayOfWeek: 0 };
  constructor(readonly timeZone = 'UTC') {
    if (timeZone !== 'UTC') {
      // throws RangeError at load on an unknown zone
      this.fmt = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });
    }
  }
  at(ms: number): { hour: number; dayOfWeek: number } {
    const minute = Math.floor(ms / 60_000);
    if (minute === this.minute) return this.facts;
    const d = new Date(ms);
    if (!this.fmt) {
      this.facts = { hour: d.getUTCHours(), dayOfWeek: d.getUTCDay() };
    } else {
      let hour = 0;
      let dayOfWeek = 0;
      for (const part of this.fmt.formatToParts(d)) {
        if (part.type === 'hour') hour = Number(part.value) % 24;
        else if (part.type === 'weekday') dayOfWeek = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part.value);
      }
      this.facts = { hour, dayOfWeek };
    }
    this.minute = minute;
    return this.facts;
  }
}
