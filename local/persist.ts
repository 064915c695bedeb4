/**
 * `npm start -- --persist <dir>`: a directory that keeps a local stack's data between runs.
 * DynamoDB Local writes its tables there (`dynamodb/`, one SQLite file) and s3rver its buckets
 * (`s3/`); the secrets the runner would otherwise generate per run (the cursor key) and the admin
 * token of tenant `demo` are kept too (`local-state.json`, mode 600), so cursors, download links
 * and the printed token go on working after a restart. A lock file keeps two stacks out of one
 * directory (DynamoDB Local's SQLite file is not meant to be shared).
 *
 * Not kept: sent mails (the SES emulator) and Step Functions executions; an export running at
 * Ctrl-C is not resumed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What a run keeps for the next one, besides the data of DynamoDB Local and S3. */
interface LocalState {
  /** Generated secret variables (e.g. the cursor key), by name. */
  secrets?: Record<string, string>;
  /** The admin token of tenant `demo` printed by the last run. */
  adminToken?: string;
}

/** Another local stack holds the directory. */
export class PersistDirInUseError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`${dir} is in use by another local stack (pid ${pid}); stop it first, or choose another directory`);
    this.name = 'PersistDirInUseError';
  }
}

/** An open (locked) persistence directory. */
export interface PersistDir {
  /** Absolute path. */
  readonly dir: string;
  /** DynamoDB Local's `-dbPath`. */
  readonly dynamodb: string;
  /** s3rver's directory. */
  readonly s3: string;
  /**
   * The values to use for generated secret variables: those an earlier run kept, else the
   * fresh ones given (which are then kept).
   */
  secrets(fresh: Readonly<Record<string, string>>): Record<string, string>;
  /** The admin token an earlier run kept, if any. */
  readonly adminToken: string | undefined;
  saveAdminToken(token: string): void;
  /** Removes the lock. Safe to call twice. */
  release(): void;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
};

/** Creates `dir` if needed and locks it for this process (released on exit at the latest). */
export function openPersistDir(dir: string): PersistDir {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const lock = join(root, 'lock');
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) throw new PersistDirInUseError(root, holder);
      rmSync(lock, { force: true }); // left by a stack that did not stop cleanly
    }
  }
  const release = () => {
    process.removeListener('exit', release);
    try {
      if (Number(readFileSync(lock, 'utf8')) === process.pid) rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  };
  process.once('exit', release);

  const stateFile = join(root, 'local-state.json');
  let state: LocalState = {};
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as LocalState;
  } catch {
    // first run, or an unreadable file: start afresh
  }
  const save = () => writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });

  return {
    dir: root,
    dynamodb: join(root, 'dynamodb'),
    s3: join(root, 's3'),
    secrets(fresh) {
      const kept = { ...fresh, ...Object.fromEntries(Object.entries(state.secrets ?? {}).filter(([name]) => name in fresh)) };
      if (Object.keys(fresh).some((name) => state.secrets?.[name] === undefined)) {
        state = { ...state, secrets: { ...state.secrets, ...kept } };
        save();
      }
      return kept;
    },
    get adminToken() {
      return state.adminToken;
    },
    saveAdminToken(token) {
      state = { ...state, adminToken: token };
      save();
    },
    release,
  };
}
