// Whether a process of this host is alive, for the lock files that name their holder's pid. EPERM
// means it exists but belongs to someone else, which counts as alive.

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
