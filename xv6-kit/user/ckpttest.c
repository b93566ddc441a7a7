// ckpttest: the kit's end-to-end test, run inside xv6 (test.sh drives it).
//
//   ckpttest a       checks in one boot: a counting process checkpointed
//                    from outside while it sleeps, killed and restored; a
//                    self-checkpoint restored with its memory; restart of a
//                    process captured in wait; every refusal with its code,
//                    the caller intact afterwards; crash-safe replacement
//                    (a hard link keeps the old image). Leaves /boot.img (a
//                    counter captured mid-run) for "ckpttest b".
//   ckpttest b       after a reboot of the same disk: restores /boot.img
//                    and checks the counter finished exactly as an
//                    uninterrupted run.
//   ckpttest reader  leaves /rd.img: a process captured inside a console
//                    read (test.sh then runs "restore /rd.img" and types).
//
// Prints "ckpttest: ok NAME" per check, "ckpttest: FAIL NAME: ..." on a
// failure, and last "ckpttest MODE: ALL PASSED" or "ckpttest MODE: n FAILED".
// Exit 0 if all passed, 1 otherwise.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "user/user.h"
#define CK_RULE_NAMES
#include "kernel/checkpoint.h"

#define STEPS 40      // lines a counter writes
#define PAUSE 12      // the step a counter sleeps after

static int failures;

static void
ok(char *name)
{
  printf("ckpttest: ok %s\n", name);
}

static void
fail(char *name, char *why, int got)
{
  printf("ckpttest: FAIL %s: %s (got %d)\n", name, why, got);
  failures++;
}

static void
expect(char *name, int got, int want)
{
  if(got == want)
    ok(name);
  else {
    printf("ckpttest: FAIL %s: want %d %s, got %d %s\n", name, want,
           want < 0 ? ck_rulename(want) : "", got, got < 0 ? ck_rulename(got) : "");
    failures++;
  }
}

// "i sum\n" for step i, sum = 1^2 + ... + i^2, appended at out.
static int
line(char *out, int i, uint64 sum)
{
  char tmp[24];
  int n = 0, k = 0;
  for(int v = i; v > 0 || k == 0; v /= 10)
    tmp[k++] = '0' + v % 10;
  while(k > 0)
    out[n++] = tmp[--k];
  out[n++] = ' ';
  for(uint64 v = sum; v > 0 || k == 0; v /= 10)
    tmp[k++] = '0' + v % 10;
  while(k > 0)
    out[n++] = tmp[--k];
  out[n++] = '\n';
  return n;
}

// What a counter writes when it runs to the end.
static int
expected(char *out)
{
  int n = 0;
  uint64 sum = 0;
  for(int i = 1; i <= STEPS; i++){
    sum += (uint64)i * i;
    n += line(out + n, i, sum);
  }
  return n;
}

// The counting process: writes STEPS lines to path, sleeping `pause` ticks
// after step PAUSE, then exits 7.
static void
counter(char *path, int pause)
{
  char buf[48];
  uint64 sum = 0;
  int fd = open(path, O_CREATE | O_TRUNC | O_WRONLY);
  if(fd < 0)
    exit(90);
  for(int i = 1; i <= STEPS; i++){
    sum += (uint64)i * i;
    int n = line(buf, i, sum);
    if(write(fd, buf, n) != n)
      exit(91);
    if(i == PAUSE)
      sleep(pause);
  }
  close(fd);
  exit(7);
}

static int
filesize(char *path)
{
  struct stat st;
  if(stat(path, &st) < 0)
    return -1;
  return st.size;
}

// Waits (in ticks) until path holds at least n bytes; -1 after 200 ticks.
static int
waitsize(char *path, int n)
{
  for(int t = 0; t < 200; t++){
    if(filesize(path) >= n)
      return 0;
    sleep(1);
  }
  return -1;
}

// Whether the file at path holds exactly what a full counter run writes.
static int
counted(char *path)
{
  static char want[STEPS * 24], got[STEPS * 24 + 1];
  int n = expected(want);
  int fd = open(path, O_RDONLY);
  if(fd < 0)
    return 0;
  int m = read(fd, got, sizeof(got));
  close(fd);
  return m == n && memcmp(got, want, n) == 0;
}

static int
waitfor(int pid)
{
  int st = -1;
  if(wait(&st) != pid)
    return -1000;
  return st;
}

// Starts a counter and checkpoints it from outside while it sleeps after
// step PAUSE: 0 or the checkpoint's code. *pid is the counter's.
static int
capture_counter(char *out, char *img, int *pid)
{
  int bytes = 0;
  char buf[48];
  uint64 sum = 0;
  for(int i = 1; i <= PAUSE; i++){
    sum += (uint64)i * i;
    bytes += line(buf, i, sum);
  }
  unlink(out);
  *pid = fork();
  if(*pid == 0)
    counter(out, 30);
  if(waitsize(out, bytes) < 0)
    return -999;
  sleep(2);   // well inside its sleep
  return checkpoint(*pid, img);
}

// A counter captured while asleep, killed, and restored in a new process,
// finishes writing exactly the uninterrupted run's lines.
// sleep(n) with n < 0 returns at once, as the reference kernel and xv6
// since 2024 have it: the kit's own sleep must not make it wait for ever
// (an unsigned compare would). The child gets 10 ticks, then is killed.
static void
test_negative_sleep(void)
{
  int pid = fork();
  if(pid == 0){
    sleep(-1);
    exit(7);
  }
  sleep(10);
  kill(pid);
  expect("sleep(-1) returns at once, as sleep(0)", waitfor(pid), 7);
}

static void
test_other(void)
{
  int pid, r = capture_counter("/c.out", "/c.img", &pid);
  expect("checkpoint a sleeping counter by pid", r, 0);
  kill(pid);
  waitfor(pid);
  if(counted("/c.out"))
    fail("counter killed", "the killed counter finished anyway", 0);
  int child = fork();
  if(child == 0){
    r = restore("/c.img");
    fprintf(2, "ckpttest: restore /c.img: %s (%d)\n", ck_rulename(r), r);
    exit(92);
  }
  expect("restored counter exits as the original would", waitfor(child), 7);
  if(counted("/c.out"))
    ok("restored counter's output equals an uninterrupted run");
  else
    fail("restored counter's output equals an uninterrupted run", "differs", filesize("/c.out"));
}

// A process checkpoints itself; restored, its call returns 1 and its
// memory (heap, stack, an open file at its offset) is as it was.
static void
test_self(void)
{
  int pid = fork();
  if(pid == 0){
    char *heap = malloc(16384);
    int canary = 0x5eed;
    for(int i = 0; i < 16384; i++)
      heap[i] = (i * 7) & 0xff;
    int fd = open("/self.out", O_CREATE | O_TRUNC | O_RDWR);
    write(fd, "before\n", 7);
    int r = checkpoint(0, "/self.img");
    if(r == 0)
      exit(10);
    if(r != 1)
      exit(12);
    for(int i = 0; i < 16384; i++)
      if(heap[i] != (char)((i * 7) & 0xff))
        exit(13);
    if(canary != 0x5eed)
      exit(14);
    if(write(fd, "after\n", 6) != 6)
      exit(15);
    exit(11);
  }
  expect("self-checkpoint returns 0 to the caller", waitfor(pid), 10);
  pid = fork();
  if(pid == 0){
    int r = restore("/self.img");
    fprintf(2, "ckpttest: restore /self.img: %s (%d)\n", ck_rulename(r), r);
    exit(93);
  }
  expect("restored self-checkpoint sees 1, memory intact", waitfor(pid), 11);
  char got[32];
  int fd = open("/self.out", O_RDONLY);
  int n = read(fd, got, sizeof(got));
  close(fd);
  if(n == 13 && memcmp(got, "before\nafter\n", 13) == 0)
    ok("restored file descriptor writes at its offset");
  else
    fail("restored file descriptor writes at its offset", "wrong content", n);
}

// A process captured inside wait re-issues wait when restored; the
// restored process has no children, so wait returns -1.
static void
test_wait(void)
{
  int pid = fork();
  if(pid == 0){
    int g = fork();
    if(g == 0){
      sleep(40);
      exit(3);
    }
    int st;
    int r = wait(&st);
    exit(r == -1 ? 20 : r == g ? st : 21);
  }
  sleep(5);
  expect("checkpoint a process inside wait", checkpoint(pid, "/w.img"), 0);
  expect("captured waiter goes on", waitfor(pid), 3);
  pid = fork();
  if(pid == 0){
    restore("/w.img");
    exit(94);
  }
  expect("restored waiter re-issues wait", waitfor(pid), 20);
}

// Copies src to dst, flipping byte `flip` (if >= 0) and keeping `keep`
// bytes (if >= 0).
static int
copyfile(char *src, char *dst, int flip, int keep)
{
  static char buf[1024];
  int in = open(src, O_RDONLY), out = open(dst, O_CREATE | O_TRUNC | O_WRONLY);
  int off = 0, n;
  if(in < 0 || out < 0)
    return -1;
  while((n = read(in, buf, sizeof(buf))) > 0){
    if(keep >= 0 && off + n > keep)
      n = keep - off;
    if(flip >= off && flip < off + n)
      buf[flip - off] ^= 0x40;
    if(n > 0)
      write(out, buf, n);
    off += n;
    if(keep >= 0 && off >= keep)
      break;
  }
  close(in);
  close(out);
  return 0;
}

static int
same(char *a, char *b)
{
  static char x[1024], y[1024];
  int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY), n, m, eq = fa >= 0 && fb >= 0;
  while(eq){
    n = read(fa, x, sizeof(x));
    m = read(fb, y, sizeof(y));
    if(n != m || memcmp(x, y, n) != 0)
      eq = 0;
    if(n <= 0)
      break;
  }
  close(fa);
  close(fb);
  return eq;
}

// Every checkpoint refusal of FORMAT.md with its code; nothing written.
static void
test_checkpoint_refusals(void)
{
  int p[2], pid;

  expect("no such pid", checkpoint(99999, "/x.img"), CKPT_NO_PROCESS);
  if(filesize("/x.img") >= 0)
    fail("a refused checkpoint writes nothing", "/x.img exists", 0);

  pid = fork();
  if(pid == 0)
    exit(0);
  sleep(3);
  expect("zombie", checkpoint(pid, "/x.img"), CKPT_ZOMBIE);
  waitfor(pid);

  pipe(p);
  pid = fork();
  if(pid == 0){
    close(p[0]);
    char b[64];
    memset(b, 'x', sizeof(b));
    for(;;)
      write(p[1], b, sizeof(b));   // blocks once the pipe is full
  }
  close(p[1]);
  sleep(3);
  expect("inside write (a full pipe)", checkpoint(pid, "/x.img"), CKPT_BUSY);
  kill(pid);
  close(p[0]);
  waitfor(pid);

  pipe(p);
  pid = fork();
  if(pid == 0){
    sleep(100);
    exit(0);
  }
  sleep(3);
  expect("pipe open", checkpoint(0, "/x.img"), CKPT_PIPE);
  close(p[0]);
  close(p[1]);
  kill(pid);
  waitfor(pid);

  mknod("/dev2", 2, 0);
  int fd = open("/dev2", O_RDONLY);
  expect("device other than the console", checkpoint(0, "/x.img"), CKPT_DEVICE);
  close(fd);
  unlink("/dev2");

  mkdir("/adir");
  expect("path is a directory", checkpoint(0, "/adir"), CKPT_PATH);
  expect("path is /", checkpoint(0, "/"), CKPT_PATH);
  expect("missing parent", checkpoint(0, "/nodir/x.img"), CKPT_PATH);
  expect("path names console", checkpoint(0, "/console"), CKPT_PATH);
  unlink("/adir");
  expect("bad path pointer", checkpoint(0, (char *)0x3fffff000UL), -1);

  pid = fork();
  if(pid == 0){
    sbrk(300 * 1024);
    exit(checkpoint(0, "/big.img") == CKPT_NOSPACE ? 0 : 1);
  }
  expect("larger than the largest file", waitfor(pid), 0);
  if(filesize("/x.img") >= 0 || filesize("/big.img") >= 0)
    fail("refused checkpoints write nothing", "an image exists", 0);
  else
    ok("refused checkpoints write nothing");
}

// Every restore refusal tried here leaves the caller running with its
// memory and descriptors.
static void
test_restore_refusals(void)
{
  int canary = 0xc0ffee;
  int keep = open("/keep.out", O_CREATE | O_TRUNC | O_WRONLY), fd;

  expect("restore: no such file", restore("/nonexistent.img"), RESTORE_NO_FILE);
  expect("restore: a directory", restore("/"), RESTORE_NO_FILE);
  fd = open("/junk.img", O_CREATE | O_TRUNC | O_WRONLY);
  write(fd, "hello, not an image", 19);
  close(fd);
  expect("restore: not an image", restore("/junk.img"), HDR_MAGIC);
  copyfile("/self.img", "/bad.img", 6000, -1);
  expect("restore: one damaged byte", restore("/bad.img"), CRC_MISMATCH);
  copyfile("/self.img", "/bad.img", -1, 5000);
  expect("restore: truncated (torn) image", restore("/bad.img"), COMMIT_MISSING);
  copyfile("/self.img", "/bad.img", 8, -1);
  expect("restore: wrong version", restore("/bad.img"), HDR_VERSION);
  unlink("/junk.img");
  unlink("/bad.img");

  // File records: the image of a process holding /f.txt at offset 5.
  fd = open("/f.txt", O_CREATE | O_TRUNC | O_RDWR);
  write(fd, "hello world", 11);
  close(fd);
  int pid = fork();
  if(pid == 0){
    int f = open("/f.txt", O_RDWR);
    char b[5];
    read(f, b, 5);
    exit(checkpoint(0, "/f.img") == 0 ? 0 : 1);
  }
  expect("checkpoint with a file at offset 5", waitfor(pid), 0);
  fd = open("/f.txt", O_TRUNC | O_WRONLY);
  close(fd);
  expect("restore: record's offset beyond the file", restore("/f.img"), RESTORE_FILE_OFFSET);
  unlink("/f.txt");
  expect("restore: record's file missing", restore("/f.img"), RESTORE_FILE_MISSING);
  mkdir("/f.txt");
  expect("restore: record's path now a directory", restore("/f.img"), RESTORE_FILE_INODE);
  unlink("/f.txt");
  unlink("/f.img");

  if(canary == 0xc0ffee && keep >= 0 && write(keep, "still here\n", 11) == 11
     && filesize("/keep.out") == 11)
    ok("caller intact after every refused restore (memory, descriptors)");
  else
    fail("caller intact after every refused restore", "lost state", keep);
  close(keep);
  unlink("/keep.out");
}

// Whether directory "/" has an entry whose name starts with ".ckpt/".
static int
leftovers(void)
{
  struct dirent de;
  int fd = open("/", O_RDONLY), n = 0;
  while(read(fd, &de, sizeof(de)) == sizeof(de))
    if(de.inum != 0 && memcmp(de.name, ".ckpt/", 6) == 0)
      n++;
  close(fd);
  return n;
}

// Overwriting an image: a hard link to the old image keeps its bytes, the
// path gets the new image, no temporary is left.
static void
test_replace(void)
{
  int pid = fork();
  if(pid == 0)
    exit(checkpoint(0, "/ov.img") == 0 ? 0 : 1);
  expect("first image", waitfor(pid), 0);
  copyfile("/ov.img", "/ov.copy", -1, -1);
  unlink("/ov.old");
  link("/ov.img", "/ov.old");
  pid = fork();
  if(pid == 0)
    exit(checkpoint(0, "/ov.img") == 0 ? 0 : 1);
  expect("second image over the first", waitfor(pid), 0);
  if(same("/ov.old", "/ov.copy") && !same("/ov.img", "/ov.copy"))
    ok("a link to the old image keeps its bytes; the path has the new one");
  else
    fail("a link to the old image keeps its bytes; the path has the new one", "differs", 0);
  // An old image held open when overwritten is parked, then released.
  int fd = open("/ov.img", O_RDONLY);
  pid = fork();
  if(pid == 0)
    exit(checkpoint(0, "/ov.img") == 0 ? 0 : 1);
  expect("third image while the second is open", waitfor(pid), 0);
  char b[8];
  if(read(fd, b, 8) == 8 && memcmp(b, "XV6CKPT", 8) == 0 && leftovers() == 1)
    ok("an open old image is parked and still readable");
  else
    fail("an open old image is parked and still readable", "leftovers", leftovers());
  close(fd);
  pid = fork();
  if(pid == 0)
    exit(checkpoint(0, "/ov.img") == 0 ? 0 : 1);
  expect("fourth image", waitfor(pid), 0);
  if(leftovers() == 0)
    ok("no kernel names left after the last close");
  else
    fail("no kernel names left after the last close", "leftovers", leftovers());
  unlink("/ov.img");
  unlink("/ov.old");
  unlink("/ov.copy");
}

static int
finish(char *mode)
{
  if(failures == 0)
    printf("ckpttest %s: ALL PASSED\n", mode);
  else
    printf("ckpttest %s: %d FAILED\n", mode, failures);
  return failures == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
  if(argc == 2 && strcmp(argv[1], "a") == 0){
    test_negative_sleep();
    test_other();
    test_self();
    test_wait();
    test_checkpoint_refusals();
    test_restore_refusals();
    test_replace();
    int pid, r = capture_counter("/boot.out", "/boot.img", &pid);
    expect("a counter to restore after the reboot", r, 0);
    kill(pid);
    waitfor(pid);
    exit(finish("a"));
  }
  if(argc == 2 && strcmp(argv[1], "b") == 0){
    int pid = fork();
    if(pid == 0){
      int r = restore("/boot.img");
      fprintf(2, "ckpttest: restore /boot.img: %s (%d)\n", ck_rulename(r), r);
      exit(95);
    }
    expect("counter restored after a reboot exits 7", waitfor(pid), 7);
    if(counted("/boot.out"))
      ok("counter restored after a reboot writes the uninterrupted run");
    else
      fail("counter restored after a reboot writes the uninterrupted run", "differs", filesize("/boot.out"));
    exit(finish("b"));
  }
  if(argc == 2 && strcmp(argv[1], "reader") == 0){
    int pid = fork();
    if(pid == 0){
      char b[64];
      int n = read(0, b, sizeof(b) - 1);
      b[n > 0 ? n : 0] = 0;
      printf("reader got: %s", b);
      exit(0);
    }
    sleep(5);
    expect("checkpoint a process inside a console read", checkpoint(pid, "/rd.img"), 0);
    kill(pid);
    waitfor(pid);
    exit(finish("reader"));
  }
  fprintf(2, "usage: ckpttest a | b | reader\n");
  exit(2);
}
