// abi.h: the xv6-riscv kernel ABI as seen from user space.
//
// Contract: every number here is a fact of the xv6-riscv kernel that our
// kernel (module kernel/) must honour bit for bit: system call numbers
// (a7), open flags, inode types, the layouts of struct stat and struct
// dirent, the kernel's table sizes and the top of the user address space.
// It is included by C files and by usys.S, so the C-only parts sit behind
// __ASSEMBLER__.
#ifndef XV6CKPT_ABI_H
#define XV6CKPT_ABI_H

// System call numbers: a7 holds the number, a0..a5 the arguments, the
// result comes back in a0. 22 and 23 are this project's checkpoint and
// restore (specs/FORMAT.md sections 5 and 6).
#define SYS_fork    1
#define SYS_exit    2
#define SYS_wait    3
#define SYS_pipe    4
#define SYS_read    5
#define SYS_kill    6
#define SYS_exec    7
#define SYS_fstat   8
#define SYS_chdir   9
#define SYS_dup    10
#define SYS_getpid 11
#define SYS_sbrk   12
#define SYS_sleep  13
#define SYS_uptime 14
#define SYS_open   15
#define SYS_write  16
#define SYS_mknod  17
#define SYS_unlink 18
#define SYS_link   19
#define SYS_mkdir  20
#define SYS_close  21
#define SYS_checkpoint 22
#define SYS_restore    23

// Second argument of sbrk in xv6-riscv's two-argument form (2025 on):
// allocate now rather than on first touch. Older kernels ignore it.
#define SBRK_EAGER  1

// open() flags (kernel/fcntl.h). There is no O_APPEND in xv6.
#define O_RDONLY  0x000
#define O_WRONLY  0x001
#define O_RDWR    0x002
#define O_CREATE  0x200
#define O_TRUNC   0x400

// Inode types reported by fstat (kernel/stat.h).
#define T_DIR     1
#define T_FILE    2
#define T_DEVICE  3

// Kernel table sizes and limits (kernel/param.h).
#define NPROC      64   // processes in the whole machine
#define NOFILE     16   // open files per process
#define NFILE     100   // open files in the whole machine
#define MAXARG     32   // size of exec's argv table, terminating 0 included
#define MAXPATH   128   // path buffer, terminating NUL included
#define MAXOPBLOCKS 10  // blocks one file-system operation may write

// The console is device major 1 (kernel/file.h CONSOLE).
#define CONSOLE    1

// File system geometry (kernel/fs.h).
#define BSIZE     1024
#define DIRSIZ      14
#define NDIRECT     12
#define NINDIRECT (BSIZE / 4)
#define MAXFILE   (NDIRECT + NINDIRECT)   // in blocks

// Pipe buffer (kernel/pipe.c PIPESIZE).
#define PIPESIZE   512

// Sv39 user address space (kernel/riscv.h, kernel/memlayout.h): the top
// two pages below MAXVA are the trampoline and the trap frame, both mapped
// without PTE_U.
#define PGSIZE     4096
#define MAXVA      (1UL << (9 + 9 + 9 + 12 - 1))
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME  (TRAMPOLINE - PGSIZE)

#ifndef __ASSEMBLER__

typedef unsigned int   uint;
typedef unsigned short ushort;
typedef unsigned char  uchar;
typedef unsigned long  uint64;

// struct stat, 24 bytes: dev at 0, ino at 4, type at 8, nlink at 10,
// size at 16 (the compiler pads 12..15).
struct stat {
  int dev;
  uint ino;
  short type;
  short nlink;
  uint64 size;
};

// A directory is a file of these 16-byte entries; inum 0 marks a free slot.
// name is NUL-padded and not terminated when it is DIRSIZ long.
struct dirent {
  ushort inum;
  char name[DIRSIZ];
};

#endif // __ASSEMBLER__
#endif // XV6CKPT_ABI_H
