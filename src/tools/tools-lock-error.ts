/** Why `tfpf tools lock` refused to write a lock, or why a lock file cannot be read. */
export class ToolsLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolsLockError';
  }
}
