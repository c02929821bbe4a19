/** API keys the simulator accepts (§1). */
export interface ApiKeysOption {
  /** Full keys (`fxs_live_…`). Default `['fxs_live_demo']`; the first is `sim.apiKey`. */
  full?: string[];
  /** Read-only keys (`fxs_ro_…`); scope `all` or a list of account ids/nicknames. Default `fxs_ro_demo` (all). */
  readOnly?: Array<{ key: string; scope: 'all' | string[] }>;
}

/** What a key may do. */
export interface KeyGrant {
  key: string;
  readOnly: boolean;
  /** undefined = all accounts. */
  scope: Set<string> | undefined;
}

/** Key registry. Scopes hold ids or nicknames, so accounts added later can be named in advance. */
export class KeyRing {
  readonly #keys = new Map<string, KeyGrant>();

  constructor(opts: ApiKeysOption = {}) {
    for (const k of opts.full ?? ['fxs_live_demo']) this.addFull(k);
    for (const r of opts.readOnly ?? [{ key: 'fxs_ro_demo', scope: 'all' as const }]) this.addReadOnly(r.key, r.scope);
  }

  addFull(key: string): void {
    if (!key.startsWith('fxs_live_')) throw new Error(`full API keys start with fxs_live_: ${key}`);
    this.#keys.set(key, { key, readOnly: false, scope: undefined });
  }

  addReadOnly(key: string, scope: 'all' | string[]): void {
    if (!key.startsWith('fxs_ro_')) throw new Error(`read-only API keys start with fxs_ro_: ${key}`);
    this.#keys.set(key, { key, readOnly: true, scope: scope === 'all' ? undefined : new Set(scope) });
  }

  revoke(key: string): void {
    this.#keys.delete(key);
  }

  get(key: string | undefined): KeyGrant | undefined {
    return key === undefined ? undefined : this.#keys.get(key);
  }

  firstFull(): string {
    for (const g of this.#keys.values()) if (!g.readOnly) return g.key;
    return '';
  }
}

/** Whether a grant covers an account. */
export function canSee(grant: KeyGrant, account: { id: string; nickname: string }): boolean {
  return grant.scope === undefined || grant.scope.has(account.id) || grant.scope.has(account.nickname);
}
