// The proxy kernel's whole system-call interface: xv6's numbers for write and exit.
// Programs here are freestanding: no libc, nothing but these two calls.
#ifndef PK_H
#define PK_H

// LINUX_ABI builds the same program for Linux (qemu-riscv64), the second opinion that
// `make qemu-check` compares against.
#ifdef LINUX_ABI
#define SYS_exit 93
#define SYS_write 64
#else
#define SYS_exit 2
#define SYS_write 16
#endif

typedef unsigned long uint64;
typedef unsigned int uint32;
typedef unsigned char uchar;

static inline long syscall3(long n, long a0, long a1, long a2) {
  register long r_a0 asm("a0") = a0;
  register long r_a1 asm("a1") = a1;
  register long r_a2 asm("a2") = a2;
  register long r_a7 asm("a7") = n;
  asm volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
  return r_a0;
}

static inline int write(int fd, const void *buf, int n) {
  return (int)syscall3(SYS_write, fd, (long)buf, n);
}

static inline void __attribute__((noreturn)) exit(int status) {
  syscall3(SYS_exit, status, 0, 0);
  for (;;) {
  }
}

// Small output helpers, enough to report a result.
static inline int strlen(const char *s) {
  int n = 0;
  while (s[n]) n++;
  return n;
}

static inline void puts1(const char *s) { write(1, s, strlen(s)); }

static inline void putu(uint64 v) {
  char buf[24];
  int i = sizeof(buf);
  do {
    buf[--i] = '0' + (v % 10);
    v /= 10;
  } while (v);
  write(1, buf + i, sizeof(buf) - i);
}

static inline void puthex(uint64 v) {
  char buf[18];
  int i = sizeof(buf);
  do {
    buf[--i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  buf[--i] = 'x';
  buf[--i] = '0';
  write(1, buf + i, sizeof(buf) - i);
}

static inline uint64 atou(const char *s) {
  uint64 v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return v;
}

#endif
