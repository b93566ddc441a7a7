// kt_args.c: every system call against bad arguments.
//
// Contract: each pointer argument is tried with each kind of bad user
// address (unmapped, the stack guard page, the kernel-only trap frame and
// trampoline, MAXVA and beyond, and a buffer or string that starts mapped
// and runs into an unmapped page); each fd argument with fds that are out
// of range or closed; path arguments also unterminated and over MAXPATH;
// exec also with too many arguments and oversized strings. xv6 answers -1
// for all of these (a read into a bad buffer may also answer 0), changes
// nothing, and the caller goes on.
#include "ktest.h"

struct bad {
  const char *kind;
  uint64 addr;
};

#define NBAD 8
static struct bad bads[NBAD];
static int nbad;                 // pointer kinds: bads[0 .. nbad-1]
static int npathbad;             // path kinds: one more, the unterminated string
static uint64 strtop;            // the end of the 'a' run behind the last two kinds

// The last 100 mapped bytes must be non-NUL for the straddling and the
// unterminated string to run off the page; a straddling copyout of an
// earlier probe (fstat, wait, pipe) may have written zeros there.
static void
refill(void)
{
  memset((char *)strtop - 100, 'a', 100);
}

// Fills bads[]. The straddling address leaves 2 mapped bytes ('a') before
// the unmapped page, so a buffer, an int, a pointer or a path all cross.
static void
setup_bad(void)
{
  uint64 top = heap_top();
  struct bad table[NBAD] = {
    { "unmapped",   unmapped_addr() },
    { "guard",      guard_addr() },
    { "trapframe",  TRAPFRAME },
    { "trampoline", TRAMPOLINE },
    { "maxva",      MAXVA },
    { "all-ones",   ~0UL },
    { "straddle",   top - 2 },
    { "unterminated", top - 100 },
  };

  strtop = top;
  refill();
  memmove(bads, table, sizeof(table));
  nbad = NBAD - 1;
  npathbad = NBAD;
}

typedef long (*probe)(uint64 addr);

// Runs fn on the first n bad addresses; passes if each gives -1 (or, if
// zero_ok, 0).
static void
check_bad(const char *name, probe fn, int n, int zero_ok)
{
  int i, failed = 0;
  long r;

  for(i = 0; i < n; i++){
    refill();
    r = fn(bads[i].addr);
    if(r == -1 || (zero_ok && r == 0))
      continue;
    fail(name, "%s address %p: returned %ld", bads[i].kind, (void *)bads[i].addr, r);
    failed = 1;
  }
  if(!failed)
    pass(name);
}

// ---------------------------------------------------------------- probes

static int pfd;          // an fd the probes use, set before each check

static long p_read(uint64 a)   { return read(pfd, (void *)a, 64); }
static long p_write(uint64 a)  { return write(pfd, (void *)a, 64); }
static long p_fstat(uint64 a)  { return fstat(pfd, (struct stat *)a); }
static long p_pipe(uint64 a)   { return pipe((int *)a); }
static long p_open(uint64 a)   { return open((char *)a, O_RDONLY); }
static long p_create(uint64 a) { return open((char *)a, O_CREATE | O_RDWR); }
static long p_mkdir(uint64 a)  { return mkdir((char *)a); }
static long p_chdir(uint64 a)  { return chdir((char *)a); }
static long p_unlink(uint64 a) { return unlink((char *)a); }
static long p_mknod(uint64 a)  { return mknod((char *)a, CONSOLE, 0); }
static long p_link1(uint64 a)  { return link((char *)a, "kt.lnk"); }
static long p_link2(uint64 a)  { return link("kt.a", (char *)a); }

// wait() into a bad pointer fails and leaves the zombie for a later wait.
static long
p_wait(uint64 a)
{
  int pid, r, st = 0;

  pid = fork();
  if(pid == 0)
    exit(5);
  r = wait((int *)a);
  if(wait(&st) != pid || st != 5)
    return -2;                   // the zombie was lost: report as a failure
  return r;
}

static char *good_argv[] = { "ktest", "exit-argc", 0 };

static long
p_exec_path(uint64 a)
{
  return exec_status((char *)a, good_argv) == CALL_FAILED ? -1 : 0;
}

static long
p_exec_argv(uint64 a)
{
  return exec_status(ktest_path, (char **)a) == CALL_FAILED ? -1 : 0;
}

static char *argv_with_bad[3] = { "ktest", 0, 0 };

static long
p_exec_argstr(uint64 a)
{
  argv_with_bad[1] = (char *)a;
  return exec_status(ktest_path, argv_with_bad) == CALL_FAILED ? -1 : 0;
}

// ---------------------------------------------------------------- pointers

static void
pointer_checks(void)
{
  int fd;
  struct stat st;
  char c;

  if(make_file("kt.a", 100) < 0){
    fail("args.setup", "cannot create kt.a");
    return;
  }
  fd = pfd = open("kt.a", O_RDONLY);
  check_bad("read.badptr", p_read, nbad, 1);
  expect(read(fd, &c, 1) == 1 && c == 1, "read.badptr.offset",
         "a failed read moved the file offset");
  close(fd);

  pfd = open("kt.w", O_CREATE | O_TRUNC | O_RDWR);
  check_bad("write.badptr", p_write, nbad, 0);
  expect(fstat(pfd, &st) == 0 && st.size == 0, "write.badptr.size",
         "file grew to %ld bytes", (long)st.size);
  check_bad("fstat.badptr", p_fstat, nbad, 0);
  close(pfd);

  check_bad("pipe.badptr", p_pipe, nbad, 0);
  check_bad("wait.badptr", p_wait, nbad, 0);
  check_bad("open.badpath", p_open, npathbad, 0);
  check_bad("open.create.badpath", p_create, npathbad, 0);
  check_bad("mkdir.badpath", p_mkdir, npathbad, 0);
  check_bad("chdir.badpath", p_chdir, npathbad, 0);
  check_bad("unlink.badpath", p_unlink, npathbad, 0);
  check_bad("mknod.badpath", p_mknod, npathbad, 0);
  check_bad("link.badold", p_link1, npathbad, 0);
  check_bad("link.badnew", p_link2, npathbad, 0);
  check_bad("exec.badpath", p_exec_path, npathbad, 0);
  check_bad("exec.badargv", p_exec_argv, nbad, 0);
  check_bad("exec.badargstr", p_exec_argstr, npathbad, 0);

  // A zero-length read copies nothing, so even a bad buffer is fine.
  fd = open("kt.a", O_RDONLY);
  expect_eq("read.zerolen.badptr", read(fd, (void *)unmapped_addr(), 0), 0);
  close(fd);
}

// ---------------------------------------------------------------- lengths

static void
length_checks(void)
{
  int fd;

  // readi clamps the count to the bytes left in the file.
  fd = open("kt.a", O_RDONLY);
  expect_eq("read.hugelen", read(fd, scratch, 0x7fffffff), 100);
  close(fd);

  // The copy runs off the end of bss into the stack guard page.
  fd = open("kt.w", O_CREATE | O_TRUNC | O_RDWR);
  expect_err("write.hugelen", write(fd, scratch, 0x7fffffff));
  expect_err("write.neglen", write(fd, scratch, -1));
  close(fd);
}

// ---------------------------------------------------------------- fds

static const int badfds[] = { -1, NOFILE, 1000, 12 };
#define NBADFD (sizeof(badfds) / sizeof(badfds[0]))

static long f_read(int fd)  { return read(fd, scratch, 1); }
static long f_write(int fd) { return write(fd, scratch, 1); }
static long f_close(int fd) { return close(fd); }
static long f_fstat(int fd) { struct stat st; return fstat(fd, &st); }
static long f_dup(int fd)   { return dup(fd); }

static void
check_badfd(const char *name, long (*fn)(int))
{
  int i, failed = 0;
  long r;

  for(i = 0; i < NBADFD; i++){
    if((r = fn(badfds[i])) != -1){
      fail(name, "fd %d: returned %ld", badfds[i], r);
      failed = 1;
    }
  }
  if(!failed)
    pass(name);
}

static void
fd_checks(void)
{
  int fd;

  close(12);                     // the "closed" bad fd
  check_badfd("read.badfd", f_read);
  check_badfd("write.badfd", f_write);
  check_badfd("close.badfd", f_close);
  check_badfd("fstat.badfd", f_fstat);
  check_badfd("dup.badfd", f_dup);

  fd = open("kt.a", O_RDONLY);
  expect_err("write.rdonly", write(fd, "x", 1));
  close(fd);
  fd = open("kt.a", O_WRONLY);
  expect_err("read.wronly", read(fd, scratch, 1));
  close(fd);
  expect_err("close.twice", close(fd));
}

// ---------------------------------------------------------------- paths

static char longpath[400];

// "./" repeated `pairs` times, then `tail`: a path to the file `tail`.
static char *
dotpath(int pairs, const char *tail)
{
  int i;

  for(i = 0; i < pairs; i++)
    memmove(longpath + 2 * i, "./", 2);
  strcpy(longpath + 2 * pairs, tail);
  return longpath;
}

static void
path_checks(void)
{
  int fd;
  char *p;

  // MAXPATH counts the NUL: 127 characters fit, 128 do not.
  p = dotpath(61, "kt.a5");
  make_file("kt.a5", 10);
  fd = open(p, O_RDONLY);
  expect(strlen(p) == MAXPATH - 1 && fd >= 0, "path.maxpath.fits",
         "open of a %d-character path returned %d", strlen(p), fd);
  close(fd);
  p = dotpath(61, "/kt.a5");     // "//" is a legal separator
  expect(strlen(p) == MAXPATH && open(p, O_RDONLY) == -1, "path.maxpath.over",
         "a %d-character path was accepted", strlen(p));
  p = dotpath(150, "kt.a5");
  expect_err("path.maxpath.far", open(p, O_RDONLY));
  unlink("kt.a5");

  // Components longer than DIRSIZ are cut to DIRSIZ characters.
  fd = open("kt.abcdefghijklmnopq", O_CREATE | O_RDWR);
  close(fd);
  fd = open("kt.abcdefghijk", O_RDONLY);
  expect(fd >= 0, "path.dirsiz", "the truncated name does not open");
  close(fd);
  unlink("kt.abcdefghijk");

  expect_err("open.noent", open("kt.missing", O_RDONLY));
  expect_err("open.noent.dir", open("kt.missing/x", O_CREATE | O_RDWR));
}

// ---------------------------------------------------------------- argv

static char *argvbuf[MAXARG + 1];
static char bigstr[5000];

static void
argv_checks(void)
{
  int i, st;
  uint64 top;
  char **arr;

  // MAXARG entries include the terminating 0: 31 arguments run.
  argvbuf[0] = "ktest";
  argvbuf[1] = "exit-argc";
  for(i = 2; i < MAXARG - 1; i++)
    argvbuf[i] = "x";
  argvbuf[MAXARG - 1] = 0;
  expect_eq("exec.maxarg.fits", exec_status(ktest_path, argvbuf), MAXARG - 1);
  argvbuf[MAXARG - 1] = "x";
  argvbuf[MAXARG] = 0;
  expect_eq("exec.maxarg.over", exec_status(ktest_path, argvbuf), CALL_FAILED);

  // An argv array that runs into unmapped memory without its 0.
  top = heap_top();
  arr = (char **)(top - 4 * sizeof(char *));
  for(i = 0; i < 4; i++)
    arr[i] = "x";
  arr[0] = "ktest";
  expect_eq("exec.argv.unterminated", exec_status(ktest_path, arr), CALL_FAILED);

  // Strings that each fit a page but together overflow the one-page stack.
  memset(bigstr, 'b', 3000);
  bigstr[3000] = 0;
  argvbuf[1] = bigstr;
  argvbuf[2] = bigstr;
  argvbuf[3] = 0;
  expect_eq("exec.argv.toobig", exec_status(ktest_path, argvbuf), CALL_FAILED);

  // One string longer than a page.
  memset(bigstr, 'b', sizeof(bigstr) - 1);
  bigstr[sizeof(bigstr) - 1] = 0;
  argvbuf[2] = 0;
  expect_eq("exec.argstr.toolong", exec_status(ktest_path, argvbuf), CALL_FAILED);

  // And after all that, exec still works.
  argvbuf[1] = "exit-argc";
  argvbuf[2] = "y";
  st = exec_status(ktest_path, argvbuf);
  expect_eq("exec.after", st, 3);
}

void
test_args(void)
{
  setup_bad();
  pointer_checks();
  length_checks();
  fd_checks();
  path_checks();
  argv_checks();
  unlink("kt.a");
  unlink("kt.w");
  unlink("kt.lnk");
}
