// ktest.h: the small framework shared by the parts of ktest.
//
// Contract: every check prints exactly one line, "ok NAME" or
// "FAIL NAME: detail", and a failure is counted. Checks assert only what
// xv6-riscv's semantics define. Helpers give addresses of each kind of bad
// user memory and run code in a child to observe how it ends.
#ifndef XV6CKPT_KTEST_H
#define XV6CKPT_KTEST_H

#include "user.h"

#define PGROUNDUP(a)   (((uint64)(a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define PGROUNDDOWN(a) ((uint64)(a) & ~(uint64)(PGSIZE - 1))

// The exit status xv6 gives a process it kills (kill() or a fault).
#define KILLED (-1)
// What a child of ktest exits with when the call it tried returned -1.
#define CALL_FAILED 77

extern int ktest_failures;
// How ktest was invoked (argv[0]): exec tests run it again.
extern char *ktest_path;

void pass(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// pass(name) if cond, else fail(name, fmt, ...).
void expect(int cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void expect_eq(const char *name, long got, long want);
// For calls that must fail: expect_eq(name, r, -1).
void expect_err(const char *name, long r);

// Forks; the child runs fn(arg) and exits 0 if fn returns. Returns the
// child's exit status, or -1000 if fork failed.
int in_child(void (*fn)(uint64), uint64 arg);

// The end of the heap after making the break page-aligned and ensuring at
// least one heap page exists: the byte before it is mapped and writable,
// the byte at it is not mapped.
uint64 heap_top(void);
// An address well above the break, mapped by nothing.
uint64 unmapped_addr(void);
// The guard page below the one-page user stack (mapped without PTE_U).
uint64 guard_addr(void);

// Runs exec(path, argv) in a child. Returns the
// child's exit status: CALL_FAILED if exec returned -1.
int exec_status(const char *path, char **argv);

// A file of `n` bytes of the pattern byte(i) = i * 7 + 1; returns 0 or -1.
int make_file(const char *path, int n);

// A scratch buffer for tests (not on the one-page stack).
#define SCRATCH 8192
extern char scratch[SCRATCH];

// "ktest argv-check ...": run by the exec tests with argv_probe as its
// arguments; returns 0 if they arrived as xv6's exec lays them out, else a
// mask of ARGV_* problems.
#define ARGV_COUNT      1    // argc differs
#define ARGV_STRINGS    2    // a string differs
#define ARGV_UNTERM     4    // argv[argc] is not 0
#define ARGV_ALIGN      8    // argv is not 16-byte aligned
#define ARGV_PLACE     16    // a string is not above argv on the stack page
extern char *argv_probe[];
int argv_check(int argc, char **argv);

// The test groups, one per source file.
void test_args(void);    // kt_args.c: pointers, lengths, fds, paths, argv
void test_fs(void);      // kt_fs.c: files, directories, limits
void test_proc(void);    // kt_proc.c: fork, wait, kill, sbrk, faults
void test_pipe(void);    // kt_pipe.c: pipes
void test_exec(void);    // kt_exec.c: malformed ELF images

#endif // XV6CKPT_KTEST_H
