// The state directory and its private files: where it is by default, subdirectories of mode 0700 that are never a
// link nor another user's, secrets of mode 0600 created atomically, and files that are never written through a link.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStateDir, resolveStateDir, SYSTEM_STATE_DIR } from "../../src/state/state-dir.js";
import { ensureSecret, readPrivateFile, writePrivateFile } from "../../src/state/secret-file.js";

const scratch = () => mkdtempSync(join(tmpdir(), "fg-state-"));
const modeOf = (path: string) => statSync(path).mode & 0o777;

void describe("resolveStateDir", () => {
  const home = "/home/ann";
  void test("a configured directory wins, made absolute", () => {
    assert.equal(resolveStateDir("/srv/fg", { env: { STATE_DIRECTORY: "/x" }, uid: 0, home }), "/srv/fg");
    assert.equal(resolveStateDir("rel", { env: {}, uid: 0, home }), join(process.cwd(), "rel"));
  });
  void test("systemd's StateDirectory= (the first of a list), then /var/lib/floodgate for root", () => {
    assert.equal(
      resolveStateDir(null, { env: { STATE_DIRECTORY: "/var/lib/fg:/var/lib/b" }, uid: 99, home }),
      "/var/lib/fg",
    );
    assert.equal(resolveStateDir(null, { env: {}, uid: 0, home }), SYSTEM_STATE_DIR);
  });
  void test("another user gets a per-user directory: $XDG_STATE_HOME, else ~/.local/state", () => {
    const uid = 4242; // owns no /var/lib/floodgate
    assert.equal(resolveStateDir(null, { env: { XDG_STATE_HOME: "/x/state" }, uid, home }), "/x/state/floodgate");
    assert.equal(
      resolveStateDir(null, { env: { XDG_STATE_HOME: "relative" }, uid, home }),
      `${home}/.local/state/floodgate`,
    );
    assert.equal(resolveStateDir(null, { env: {}, uid, home }), `${home}/.local/state/floodgate`);
  });
});

void describe("openStateDir", () => {
  void test("creates the directory and its subdirectories 0700", () => {
    const root = join(scratch(), "a", "state");
    const state = openStateDir(root);
    assert.equal(modeOf(root), 0o700);
    const redis = state.subdir("redis");
    assert.equal(redis, join(root, "redis"));
    assert.equal(modeOf(redis), 0o700);
    assert.equal(state.subdir("redis"), redis, "opening it again is the same directory");
  });

  void test("a subdirectory found wider is tightened to 0700", () => {
    const root = scratch();
    mkdirSync(join(root, "spool"), { mode: 0o755 });
    chmodSync(join(root, "spool"), 0o755);
    openStateDir(root).subdir("spool");
    assert.equal(modeOf(join(root, "spool")), 0o700);
  });

  void test("a symbolic link, a file, another user's directory, or a name with a slash is refused", () => {
    const root = scratch();
    const elsewhere = scratch();
    symlinkSync(elsewhere, join(root, "redis"));
    writeFileSync(join(root, "file"), "x");
    mkdirSync(join(root, "theirs"), { mode: 0o700 });
    chownSync(join(root, "theirs"), 12345, 12345);
    const state = openStateDir(root);
    assert.throws(() => state.subdir("redis"), /symbolic link/);
    assert.throws(() => state.subdir("file"), /not a directory/);
    assert.throws(() => state.subdir("theirs"), /belongs to uid 12345/);
    for (const name of ["../etc", "a/b", ".hidden", ""]) assert.throws(() => state.subdir(name), /one plain segment/);
    assert.throws(() => openStateDir(join(root, "redis")), /symbolic link/);
  });

  void test("a top directory others may write into is refused; one only they may read is kept as it is", () => {
    const open = scratch();
    chmodSync(open, 0o777);
    assert.throws(() => openStateDir(open), /writable by group or others/);
    const readable = scratch();
    chmodSync(readable, 0o755);
    openStateDir(readable);
    assert.equal(modeOf(readable), 0o755);
  });
});

void describe("private files", () => {
  void test("ensureSecret writes 64 hex digits 0600 once, and returns the same secret after", () => {
    const path = join(scratch(), "admin-token");
    const first = ensureSecret(path);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(modeOf(path), 0o600);
    assert.equal(ensureSecret(path), first);
    assert.equal(
      ensureSecret(path, () => "other"),
      first,
      "an existing secret is never replaced",
    );
  });

  void test("a secret behind a symbolic link is refused, not followed", () => {
    const dir = scratch();
    writeFileSync(join(dir, "target"), "planted\n", { mode: 0o600 });
    symlinkSync(join(dir, "target"), join(dir, "password"));
    assert.throws(() => readPrivateFile(join(dir, "password")), /symbolic link/);
    assert.throws(() => ensureSecret(join(dir, "password")), /symbolic link/);
  });

  void test("a secret of ours found readable by others is tightened to 0600; one of another user is refused", () => {
    const dir = scratch();
    writeFileSync(join(dir, "token"), "s3cret\n", { mode: 0o644 });
    chmodSync(join(dir, "token"), 0o644);
    assert.equal(readPrivateFile(join(dir, "token")), "s3cret");
    assert.equal(modeOf(join(dir, "token")), 0o600);
    writeFileSync(join(dir, "theirs"), "x\n", { mode: 0o600 });
    chownSync(join(dir, "theirs"), 12345, 12345);
    assert.throws(() => readPrivateFile(join(dir, "theirs")), /belongs to uid 12345/);
    assert.equal(readPrivateFile(join(dir, "missing")), null);
  });

  void test("an operator's file (0640, group-readable) is read as it is; one anyone may read is refused", () => {
    const dir = scratch();
    writeFileSync(join(dir, "t"), "tok\n", { mode: 0o640 });
    chmodSync(join(dir, "t"), 0o640);
    assert.equal(readPrivateFile(join(dir, "t"), "operator"), "tok");
    assert.equal(modeOf(join(dir, "t")), 0o640, "an operator's file keeps its mode");
    chmodSync(join(dir, "t"), 0o644);
    assert.throws(() => readPrivateFile(join(dir, "t"), "operator"), /readable by others \(mode 644\)/);
  });

  void test("writePrivateFile replaces a planted symbolic link instead of writing through it", () => {
    const dir = scratch();
    const victim = join(dir, "victim");
    writeFileSync(victim, "keep me\n");
    symlinkSync(victim, join(dir, "runtime"));
    writePrivateFile(join(dir, "runtime"), "new\n");
    assert.equal(readFileSync(victim, "utf8"), "keep me\n");
    assert.equal(readPrivateFile(join(dir, "runtime")), "new");
    assert.equal(modeOf(join(dir, "runtime")), 0o600);
    assert.ok(!existsSync(join(dir, ".runtime")), "no temporary file is left");
  });
});
