// user.h: what every user program of ours may call.
//
// Contract: the 21 system calls with the prototypes xv6-riscv's user.h
// gives them (each returns -1 on failure unless noted), checkpoint and
// restore (a negative rule code from specs/FORMAT.md on failure), then our C
// library: strings and memory (ulib.c), formatted output (printf.c) and
// the heap (umalloc.c). Programs start in start.c, which calls
// main(argc, argv) and exits with its return value.
#ifndef XV6CKPT_USER_H
#define XV6CKPT_USER_H

#include <stdarg.h>     // the compiler's own freestanding header
#include "abi.h"

#define NULL ((void *)0)

// System calls (usys.S).
int fork(void);
int exit(int status) __attribute__((noreturn));
int wait(int *status);              // status may be 0
int pipe(int *fds);                 // fds[0] read end, fds[1] write end
int write(int fd, const void *buf, int n);
int read(int fd, void *buf, int n);
int close(int fd);
int kill(int pid);
int exec(const char *path, char **argv);
int open(const char *path, int flags);
int mknod(const char *path, short major, short minor);
int unlink(const char *path);
int fstat(int fd, struct stat *st);
int link(const char *oldpath, const char *newpath);
int mkdir(const char *path);
int chdir(const char *path);
int dup(int fd);
int getpid(void);
char *sbrk(int n);                  // returns the old break, or (char *)-1
int sleep(int ticks);
int uptime(void);
// checkpoint: 0, or 1 in a process restored from a self-checkpoint; -1 for a
// bad path pointer, else a negative rule code (CKPT_*).
int checkpoint(int pid, const char *path);
// restore: does not return on success; -1 or a negative rule code.
int restore(const char *path);

// ulib.c
int stat(const char *path, struct stat *st);
char *strcpy(char *dst, const char *src);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, uint n);
uint strlen(const char *s);
char *strchr(const char *s, char c);
void *memset(void *dst, int c, uint n);
void *memmove(void *dst, const void *src, int n);
void *memcpy(void *dst, const void *src, uint n);
int memcmp(const void *a, const void *b, uint n);
char *gets(char *buf, int max);
int atoi(const char *s);

// printf.c: %d %i %u %x %p %s %c %% with an optional l (long) before d/i/u/x.
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vfprintf(int fd, const char *fmt, va_list ap);

// umalloc.c
void *malloc(uint n);
void free(void *p);

#endif // XV6CKPT_USER_H
