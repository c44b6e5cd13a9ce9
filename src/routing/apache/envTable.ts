/**
 * r->subprocess_env as httpd holds it: an apr_table_t, whose keys compare
 * case-insensitively, where `set` replaces every entry of a name (keeping the
 * first one's spelling) and `add` appends a second entry of the same name.
 * Every entry is sent as a FastCGI param, so the case rules matter: a
 * `SetEnv path /x` is the PATH that ap_add_common_vars reads back.
 */
export class EnvTable {
  private readonly entries: Array<[string, string]> = [];

  static from(record: Readonly<Record<string, string>>): EnvTable {
    const t = new EnvTable();
    for (const [k, v] of Object.entries(record)) t.add(k, v);
    return t;
  }

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    return this.entries.find(([k]) => k.toLowerCase() === key)?.[1];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** apr_table_set: the first entry of the name takes the value, the others go. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const first = this.entries.findIndex(([k]) => k.toLowerCase() === key);
    if (first < 0) {
      this.entries.push([name, value]);
      return;
    }
    const kept = this.entries[first] as [string, string];
    kept[1] = value;
    for (let i = this.entries.length - 1; i > first; i--) {
      if ((this.entries[i] as [string, string])[0].toLowerCase() === key) this.entries.splice(i, 1);
    }
  }

  /** apr_table_add: one more entry, even when the name is there already. */
  add(name: string, value: string): void {
    this.entries.push([name, value]);
  }

  unset(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if ((this.entries[i] as [string, string])[0].toLowerCase() === key) this.entries.splice(i, 1);
    }
  }

  /** apr_table_overlap(this, other, APR_OVERLAP_TABLES_SET): other's values win, name by name. */
  overlap(other: EnvTable): void {
    for (const [k, v] of other.list()) this.set(k, v);
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  list(): ReadonlyArray<readonly [string, string]> {
    return this.entries;
  }

  /**
   * What the backend ends up with: one value per name as the params arrive
   * (a name sent twice keeps the later value, as every FastCGI library we
   * know of stores params in a map).
   */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.entries) out[k] = v;
    return out;
  }
}
