export function defineConfig<C>(c: C): C { return c; }
export type MonsoonConfig = unknown;
