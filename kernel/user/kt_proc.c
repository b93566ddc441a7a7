// kt_proc.c: processes, memory and faults.
//
// Contract: checks fork (a copy of memory, until the process table is
// full), exit statuses through wait, kill of processes that run, sleep,
// or wait on a pipe, sbrk growth and shrinking, and that a process which
// touches memory it may not (freed heap, the stack guard page, kernel-only
// pages, addresses beyond MAXVA, its own read-only text) or runs an
// illegal instruction is killed with status -1 while everyone else goes on.
#include "ktest.h"

static int global = 1;

// ---------------------------------------------------------------- fork/wait

static void
child_writes_global(uint64 unused)
{
  global = 2;
  exit(global + 40);
}

static void
child_exits(uint64 status)
{
  exit((int)status);
}

// A child that exits leaving a running child of its own: the grandchild
// goes to init, so once the child is reaped this process has no children.
static void
orphan_check(void)
{
  int pid, r1, r2;

  pid = fork();
  if(pid == 0){
    if(fork() == 0){
      sleep(5);
      exit(0);
    }
    exit(0);
  }
  r1 = wait(0);
  r2 = wait(0);
  expect(r1 == pid && r2 == -1, "wait.orphan",
         "wait gave %d then %d; the grandchild should belong to init", r1, r2);
}

static void
fork_checks(void)
{
  int st, pid, r;

  st = in_child(child_writes_global, 0);
  expect(st == 42 && global == 1, "fork.copy", "status %d, parent's global %d", st, global);
  expect_eq("exit.status", in_child(child_exits, 7), 7);
  expect_eq("exit.negative", in_child(child_exits, (uint64)-5), -5);
  expect_err("wait.nochild", wait(0));

  pid = fork();
  if(pid == 0)
    exit(getpid());
  r = wait(&st);
  expect(r == pid && st == pid, "fork.pid", "fork gave %d, wait %d, child's getpid %d", pid, r, st);
  orphan_check();
}

// Forks children that block on a pipe until fork fails; returns how many.
static int
fill_proctable(void)
{
  int fds[2], n = 0, pid;
  char c;

  if(pipe(fds) < 0)
    return -1;
  for(;;){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0){
      close(fds[1]);
      read(fds[0], &c, 1);
      exit(0);
    }
    n++;
    if(n > NPROC)
      break;                     // the kernel does not limit forks at all
  }
  close(fds[0]);
  close(fds[1]);                 // every child's read now returns 0
  while(wait(0) >= 0)
    ;
  return n;
}

static void
nproc_checks(void)
{
  int n1, n2;

  n1 = fill_proctable();
  expect(n1 > 0 && n1 <= NPROC - 2, "fork.nproc",
         "%d children fit in a table of %d with init and ktest in it", n1, NPROC);
  n2 = fill_proctable();
  expect(n2 == n1, "fork.nproc.again", "first %d children, then %d", n1, n2);
  expect_eq("fork.after", in_child(child_exits, 3), 3);
}

// ---------------------------------------------------------------- kill

static void
sleeper(uint64 ticks)
{
  sleep((int)ticks);
  exit(0);
}

static void
spinner(uint64 unused)
{
  volatile uint64 n = 0;

  for(;;)
    n++;
}

static int killpipe[2];

static void
pipe_reader(uint64 unused)
{
  char c;

  close(killpipe[1]);
  read(killpipe[0], &c, 1);
  exit(0);
}

// Starts fn in a child, lets it block or spin, kills it; returns its status.
static int
kill_status(void (*fn)(uint64), uint64 arg)
{
  int pid, st = 0;

  pid = fork();
  if(pid == 0){
    fn(arg);
    exit(0);
  }
  sleep(2);
  if(kill(pid) < 0)
    return -1000;
  if(wait(&st) != pid)
    return -1001;
  return st;
}

static void
kill_checks(void)
{
  expect_eq("kill.sleeping", kill_status(sleeper, 1000000), KILLED);
  expect_eq("kill.spinning", kill_status(spinner, 0), KILLED);
  pipe(killpipe);
  expect_eq("kill.pipe.reader", kill_status(pipe_reader, 0), KILLED);
  close(killpipe[0]);
  close(killpipe[1]);
  expect_err("kill.nopid", kill(100000));
  expect_err("kill.negative", kill(-1));
}

// ---------------------------------------------------------------- sleep, uptime

static void
time_checks(void)
{
  int t0, t1;

  t0 = uptime();
  expect_eq("sleep.zero", sleep(0), 0);
  expect_eq("sleep.ticks", sleep(3), 0);
  t1 = uptime();
  expect(t1 - t0 >= 3, "uptime.advances", "slept 3 ticks but uptime went %d -> %d", t0, t1);
}

// ---------------------------------------------------------------- sbrk

static void
touch(uint64 addr)
{
  *(volatile char *)addr = 1;
}

static void
peek(uint64 addr)
{
  volatile char c = *(volatile char *)addr;
  (void)c;
}

static void
illegal(uint64 unused)
{
  asm volatile(".word 0");       // the all-zero word is defined illegal
}

// Grows the heap by 10 pages, checks they hold data, shrinks them away and
// checks they are gone. Returns the (now unmapped) start of those pages.
static char *
sbrk_grow_shrink(void)
{
  char *a, *p;
  uint64 start;
  int bad = -1, fd;

  start = heap_top();
  a = sbrk(10 * PGSIZE);
  expect((uint64)a == start && (uint64)sbrk(0) == start + 10 * PGSIZE, "sbrk.grow",
         "sbrk returned %p, break now %p", a, sbrk(0));
  for(p = a; p < a + 10 * PGSIZE; p += PGSIZE / 4)
    *p = (char)((uint64)p >> 10);
  for(p = a; p < a + 10 * PGSIZE; p += PGSIZE / 4){
    if(*p != (char)((uint64)p >> 10))
      bad = (int)(p - a);
  }
  expect(bad < 0, "sbrk.grow.memory", "byte %d of the new memory lost its value", bad);

  p = sbrk(-10 * PGSIZE);
  expect((uint64)p == start + 10 * PGSIZE && (uint64)sbrk(0) == start, "sbrk.shrink",
         "sbrk returned %p, break now %p", p, sbrk(0));
  expect_eq("sbrk.shrink.fault", in_child(touch, (uint64)a), KILLED);
  expect_eq("sbrk.shrink.peek", in_child(peek, (uint64)a + 5 * PGSIZE), KILLED);
  make_file("kt.a", 10);
  fd = open("kt.a", O_RDONLY);
  expect(read(fd, a, 10) <= 0, "sbrk.shrink.read", "read into freed memory succeeded");
  close(fd);
  unlink("kt.a");
  return a;
}

// The page at a held data before it was freed; grown again it must be zero.
static void
sbrk_regrow(char *a)
{
  int i, bad = -1;

  if(sbrk(PGSIZE) != a){
    fail("sbrk.zeroed", "the break moved while the heap was shrunk");
    return;
  }
  for(i = 0; i < PGSIZE; i++){
    if(a[i] != 0)
      bad = i;
  }
  expect(bad < 0, "sbrk.zeroed", "byte %d of regrown memory is not zero", bad);
}

static void
sbrk_steps(void)
{
  uint64 start;
  int i;

  // Unaligned steps move the break by exactly that much.
  start = (uint64)sbrk(0);
  for(i = 0; i < 100; i++)
    sbrk(13);
  expect_eq("sbrk.small", (long)((uint64)sbrk(0) - start), 1300);
  sbrk(-1300);
  expect_eq("sbrk.small.back", (long)((uint64)sbrk(0) - start), 0);

  // More memory than the machine has: refused, break unchanged.
  start = (uint64)sbrk(0);
  expect(sbrk(0x7fffffff) == (char *)-1 && (uint64)sbrk(0) == start, "sbrk.huge",
         "a 2 GiB sbrk did not fail cleanly");
}

static void
sbrk_checks(void)
{
  sbrk_regrow(sbrk_grow_shrink());
  sbrk_steps();
}

// ---------------------------------------------------------------- faults

static void
fault_checks(void)
{
  expect_eq("fault.unmapped.write", in_child(touch, unmapped_addr()), KILLED);
  expect_eq("fault.unmapped.read", in_child(peek, unmapped_addr()), KILLED);
  expect_eq("fault.guard", in_child(touch, guard_addr()), KILLED);
  expect_eq("fault.trapframe", in_child(peek, TRAPFRAME), KILLED);
  expect_eq("fault.trampoline", in_child(peek, TRAMPOLINE), KILLED);
  expect_eq("fault.maxva", in_child(peek, MAXVA), KILLED);
  expect_eq("fault.kernbase", in_child(peek, 0x80000000UL), KILLED);
  expect_eq("fault.text.write", in_child(touch, (uint64)fault_checks), KILLED);
  expect_eq("fault.illegal", in_child(illegal, 0), KILLED);
  expect_eq("fault.after", in_child(child_exits, 9), 9);
}

void
test_proc(void)
{
  fork_checks();
  nproc_checks();
  kill_checks();
  time_checks();
  sbrk_checks();
  fault_checks();
}
