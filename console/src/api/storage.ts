/** sessionStorage that degrades to memory where the browser forbids it (privacy modes). */
const memory = new Map<string, string>();

export const tabStorage = {
  get(key: string): string | null {
    try {
      return window.sessionStorage.getItem(key) ?? memory.get(key) ?? null;
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key: string, value: string): void {
    memory.set(key, value);
    try {
      window.sessionStorage.setItem(key, value);
    } catch {
      // memory only
    }
  },
  remove(key: string): void {
    memory.delete(key);
    try {
      window.sessionStorage.removeItem(key);
    } catch {
      // memory only
    }
  },
};
