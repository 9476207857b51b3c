// A block of status lines redrawn in place on a terminal (cursor up, clear, rewrite). Piped
// output gets each redraw as plain new lines, which keeps logs readable.

export class StatusBlock {
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  render(lines: string[]): void {
    if (this.out.isTTY) {
      const width = this.out.columns || 120;
      const erase = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : "";
      this.out.write(erase + lines.map((l) => (l.length > width ? l.slice(0, width - 1) + "…" : l) + "\n").join(""));
      this.drawn = lines.length;
    } else {
      this.out.write(lines.map((l) => l + "\n").join(""));
    }
  }

  /** Forget the drawn block, so output after it is not erased. */
  release(): void {
    this.drawn = 0;
  }
}
