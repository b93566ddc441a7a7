// kt_pipe.c: pipes.
//
// Contract: data arrives in order and complete, also when one write is
// larger than the PIPESIZE-byte buffer; with several writers every byte of
// each arrives; a read sees end of file once every write end is closed; a
// write with no reader left fails; a failed pipe() leaves no fd behind.
#include "ktest.h"

#define NWRITERS 4
#define PER_WRITER 1500
#define CHUNK 100

static void
basic_checks(void)
{
  int fds[2];
  char buf[8];

  if(pipe(fds) < 0){
    fail("pipe.basic", "pipe() failed");
    return;
  }
  expect(write(fds[1], "hello", 5) == 5 && read(fds[0], buf, sizeof(buf)) == 5 &&
         memcmp(buf, "hello", 5) == 0, "pipe.basic", "round trip failed");
  close(fds[1]);
  expect_eq("pipe.eof", read(fds[0], buf, 1), 0);
  close(fds[0]);

  pipe(fds);
  close(fds[0]);
  expect_err("pipe.noreader", write(fds[1], "x", 1));
  close(fds[1]);
}

// Writer i sends PER_WRITER bytes of value 'A' + i in CHUNK-byte writes.
static void
writer(uint64 arg)
{
  int fd = (int)(arg >> 8), id = (int)(arg & 0xff), i;
  char buf[CHUNK];

  memset(buf, 'A' + id, CHUNK);
  for(i = 0; i < PER_WRITER; i += CHUNK){
    if(write(fd, buf, CHUNK) != CHUNK)
      exit(1);
  }
  exit(0);
}

static void
writers_check(void)
{
  int fds[2], i, n, pid, st, failed = 0;
  int count[NWRITERS + 1];
  char buf[64];

  pipe(fds);
  memset(count, 0, sizeof(count));
  for(i = 0; i < NWRITERS; i++){
    pid = fork();
    if(pid == 0){
      close(fds[0]);
      writer(((uint64)fds[1] << 8) | i);
    }
  }
  close(fds[1]);
  while((n = read(fds[0], buf, sizeof(buf))) > 0){
    for(i = 0; i < n; i++){
      if(buf[i] >= 'A' && buf[i] < 'A' + NWRITERS)
        count[buf[i] - 'A']++;
      else
        count[NWRITERS]++;
    }
  }
  close(fds[0]);
  for(i = 0; i < NWRITERS; i++){
    if(wait(&st) < 0 || st != 0)
      failed = 1;
  }
  for(i = 0; i < NWRITERS; i++){
    if(count[i] != PER_WRITER){
      fail("pipe.writers", "writer %d: %d bytes arrived, want %d", i, count[i], PER_WRITER);
      failed = 2;
    }
  }
  if(count[NWRITERS] != 0){
    fail("pipe.writers", "%d bytes arrived that nobody wrote", count[NWRITERS]);
    failed = 2;
  }
  if(failed == 1)
    fail("pipe.writers", "a writer failed");
  if(failed == 0)
    pass("pipe.writers");
}

// One write larger than the pipe buffer: the writer blocks until the
// reader drains it, and the bytes arrive in order.
static void
large_check(void)
{
  int fds[2], i, n, got = 0, bad = -1, st;

  pipe(fds);
  if(fork() == 0){
    close(fds[0]);
    for(i = 0; i < SCRATCH; i++)
      scratch[i] = (char)(i % 251);
    exit(write(fds[1], scratch, SCRATCH) == SCRATCH ? 0 : 1);
  }
  close(fds[1]);
  while((n = read(fds[0], scratch + got, SCRATCH - got)) > 0)
    got += n;
  for(i = 0; i < got; i++){
    if(scratch[i] != (char)(i % 251) && bad < 0)
      bad = i;
  }
  close(fds[0]);
  wait(&st);
  expect(got == SCRATCH && bad < 0 && st == 0, "pipe.large",
         "%d of %d bytes, first wrong at %d, writer status %d", got, SCRATCH, bad, st);
}

// pipe() into a bad pointer must not leak the two fds it allocated.
static void
leak_check(void)
{
  int i, fd, n = 0, fds[NOFILE];

  for(i = 0; i < 3 * NOFILE; i++)
    pipe((int *)unmapped_addr());
  while(n < NOFILE && (fd = dup(0)) >= 0)
    fds[n++] = fd;
  expect_eq("pipe.badptr.noleak", n, NOFILE - 3);
  for(i = 0; i < n; i++)
    close(fds[i]);
}

void
test_pipe(void)
{
  basic_checks();
  writers_check();
  large_check();
  leak_check();
}
