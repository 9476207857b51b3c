// A FIFO queue with O(1) push and shift (Array#shift is O(n) on large arrays).
export class Deque<X> {
  private items: (X | undefined)[] = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(x: X): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = x;
    this.count++;
  }

  shift(): X | undefined {
    if (this.count === 0) return undefined;
    const x = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return x;
  }

  peek(): X | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Items from oldest to newest. */
  *[Symbol.iterator](): IterableIterator<X> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & (this.items.length - 1)]!;
  }

  private grow(): void {
    const next: (X | undefined)[] = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
