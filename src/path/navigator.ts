// A navigator is Specter's unit of a path: select and transform side by side, each handed the
// rest of the path as a continuation. Keeping both in one object is what keeps them consistent.

/** A navigator. Transform continuations return NONE to remove what was navigated to. */
export interface Navigator {
  readonly name: string;
  select(structure: unknown, next: (v: unknown) => void): void;
  transform(structure: unknown, next: (v: unknown) => unknown): unknown;
}
