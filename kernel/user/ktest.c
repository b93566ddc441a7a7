// ktest: tests the kernel from user space.
//
// Usage: ktest [group...]   groups: args fs proc pipe exec (default: all)
//
// Contract: prints "ok NAME" or "FAIL NAME: detail" for every check, then
// "ALL OK" and exits 0, or "FAILED n" and exits 1 (an unknown group name:
// exit 2 before anything runs). The groups run in a child process, so
// that when it has been reaped every page it or its descendants used must
// be free again: ktest counts the free pages before and after (as xv6's
// usertests does, by growing a child with sbrk until the kernel refuses)
// and fails "mem.noleak" if the counts differ.
//
// ktest also serves the exec tests as a target: "ktest exit-argc ..."
// exits with its argc, "ktest fd-type N" with the type of its fd N,
// "ktest argv-check ..." with what it found wrong in its own argv.
#include "ktest.h"

int ktest_failures;
char *ktest_path = "ktest";
char scratch[SCRATCH];

struct group {
  const char *name;
  void (*run)(void);
};

static const struct group groups[] = {
  { "args", test_args },
  { "fs",   test_fs },
  { "proc", test_proc },
  { "pipe", test_pipe },
  { "exec", test_exec },
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

// ---------------------------------------------------------------- framework

void
pass(const char *name)
{
  printf("ok %s\n", name);
}

static void
vfail(const char *name, const char *fmt, va_list ap)
{
  ktest_failures++;
  printf("FAIL %s: ", name);
  vfprintf(1, fmt, ap);
  printf("\n");
}

void
fail(const char *name, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfail(name, fmt, ap);
  va_end(ap);
}

void
expect(int cond, const char *name, const char *fmt, ...)
{
  va_list ap;

  if(cond){
    pass(name);
    return;
  }
  va_start(ap, fmt);
  vfail(name, fmt, ap);
  va_end(ap);
}

void
expect_eq(const char *name, long got, long want)
{
  expect(got == want, name, "got %ld, want %ld", got, want);
}

void
expect_err(const char *name, long r)
{
  expect(r == -1, name, "returned %ld, want -1", r);
}

int
in_child(void (*fn)(uint64), uint64 arg)
{
  int pid, status;

  pid = fork();
  if(pid < 0)
    return -1000;
  if(pid == 0){
    fn(arg);
    exit(0);
  }
  if(wait(&status) != pid)
    return -1001;
  return status;
}

static const char *exec_path;
static char **exec_argv;

static void
do_exec(uint64 unused)
{
  exec(exec_path, exec_argv);
  exit(CALL_FAILED);
}

int
exec_status(const char *path, char **argv)
{
  exec_path = path;
  exec_argv = argv;
  return in_child(do_exec, 0);
}

uint64
heap_top(void)
{
  uint64 brk = (uint64)sbrk(0);

  if(brk % PGSIZE != 0)
    sbrk(PGROUNDUP(brk) - brk);
  sbrk(PGSIZE);
  return (uint64)sbrk(0);
}

uint64
unmapped_addr(void)
{
  return PGROUNDUP((uint64)sbrk(0)) + 64 * PGSIZE;
}

uint64
guard_addr(void)
{
  uint64 sp;

  asm volatile("mv %0, sp" : "=r"(sp));
  return PGROUNDDOWN(sp) - PGSIZE;
}

int
make_file(const char *path, int n)
{
  int fd, i, r;

  if(n > SCRATCH)
    return -1;
  for(i = 0; i < n; i++)
    scratch[i] = (char)(i * 7 + 1);
  if((fd = open(path, O_CREATE | O_TRUNC | O_RDWR)) < 0)
    return -1;
  r = write(fd, scratch, n);
  close(fd);
  return r == n ? 0 : -1;
}

// ---------------------------------------------------------------- free pages

// Pages the kernel can still hand out: a child grows itself one page at a
// time until sbrk fails and reports the count through a pipe.
static int
countfree(void)
{
  int fds[2], pid, n = 0;

  if(pipe(fds) < 0)
    return -1;
  if((pid = fork()) < 0){
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if(pid == 0){
    close(fds[0]);
    while(sbrk(PGSIZE) != (char *)-1)
      n++;
    write(fds[1], &n, sizeof(n));
    exit(0);
  }
  close(fds[1]);
  if(read(fds[0], &n, sizeof(n)) != sizeof(n))
    n = -1;
  close(fds[0]);
  wait(0);
  return n;
}

// ---------------------------------------------------------------- main

// "ktest fd-type N": the inode type of fd N as the exec tests see it
// after exec, or -1 if N is not open.
static int
fd_type(int fd)
{
  struct stat st;

  if(fstat(fd, &st) < 0)
    return -1;
  return st.type;
}

// Returns the group named name, or 0.
static const struct group *
findgroup(const char *name)
{
  int i;

  for(i = 0; i < NGROUPS; i++){
    if(strcmp(name, groups[i].name) == 0)
      return &groups[i];
  }
  return 0;
}

// Checks every argument names a group before anything runs.
static int
validargs(int argc, char **argv)
{
  int j;

  for(j = 1; j < argc; j++){
    if(findgroup(argv[j]) == 0){
      fprintf(2, "ktest: no group %s (groups: args fs proc pipe exec)\n", argv[j]);
      return 0;
    }
  }
  return 1;
}

static void
rungroups(int argc, char **argv)
{
  int i, j;

  if(argc < 2){
    for(i = 0; i < NGROUPS; i++)
      groups[i].run();
    return;
  }
  for(j = 1; j < argc; j++)
    findgroup(argv[j])->run();
}

int
main(int argc, char **argv)
{
  int before, after, pid, status, tries;

  if(argc >= 2 && strcmp(argv[1], "exit-argc") == 0)
    return argc;
  if(argc == 3 && strcmp(argv[1], "fd-type") == 0)
    return fd_type(atoi(argv[2]));
  if(argc >= 2 && strcmp(argv[1], "argv-check") == 0)
    return argv_check(argc, argv);
  ktest_path = argv[0];
  if(!validargs(argc, argv))
    return 2;

  before = countfree();
  pid = fork();
  if(pid < 0){
    printf("FAIL ktest: fork failed\n");
    return 1;
  }
  if(pid == 0){
    rungroups(argc, argv);
    exit(ktest_failures);
  }
  if(wait(&status) != pid)
    status = -1;
  ktest_failures = status;
  if(status < 0){
    fail("ktest.suite", "the test process died with status %d", status);
    ktest_failures = 1;
  }

  // Orphans of the tests are init's to reap: give it a few ticks.
  after = countfree();
  for(tries = 0; after != before && tries < 5; tries++){
    sleep(5);
    after = countfree();
  }
  expect(before > 0 && after == before, "mem.noleak",
         "free pages %d before, %d after", before, after);

  if(ktest_failures == 0){
    printf("ALL OK\n");
    return 0;
  }
  printf("FAILED %d\n", ktest_failures);
  return 1;
}
