# usys.S: the 21 xv6 system call stubs, and checkpoint (22) and restore (23).
#
# Contract (the xv6-riscv convention): the C arguments are already in
# a0..a5 where the calling convention put them; the stub loads the call's
# number (abi.h) into a7, traps with ecall, and returns whatever the kernel
# left in a0. Nothing else is touched, so the stubs need no stack frame.
#
# The .file directive names this source in the symbol table; without it the
# assembler records the compiler's temporary file name, which differs from
# build to build and would break `make check`.
        .file "usys.S"

#include "abi.h"

.macro SYSCALL name, number
        .text
        .globl \name
        .type \name, @function
        .balign 2
\name:
        li a7, \number
        ecall
        ret
        .size \name, . - \name
.endm

SYSCALL fork,   SYS_fork
SYSCALL exit,   SYS_exit
SYSCALL wait,   SYS_wait
SYSCALL pipe,   SYS_pipe
SYSCALL read,   SYS_read
SYSCALL kill,   SYS_kill
SYSCALL exec,   SYS_exec
SYSCALL fstat,  SYS_fstat
SYSCALL chdir,  SYS_chdir
SYSCALL dup,    SYS_dup
SYSCALL getpid, SYS_getpid

# sbrk(n) also passes SBRK_EAGER in a1. Classic xv6 (and our kernel) read
# only a0 and ignore it; xv6-riscv since 2025 takes sys_sbrk(n, how) and
# would otherwise read whatever the caller left in a1. Eager growth is what
# our programs and ktest rely on, on either kernel.
        .text
        .globl sbrk
        .type sbrk, @function
        .balign 2
sbrk:
        li a1, SBRK_EAGER
        li a7, SYS_sbrk
        ecall
        ret
        .size sbrk, . - sbrk

SYSCALL sleep,  SYS_sleep
SYSCALL uptime, SYS_uptime
SYSCALL open,   SYS_open
SYSCALL write,  SYS_write
SYSCALL mknod,  SYS_mknod
SYSCALL unlink, SYS_unlink
SYSCALL link,   SYS_link
SYSCALL mkdir,  SYS_mkdir
SYSCALL close,  SYS_close
SYSCALL checkpoint, SYS_checkpoint
SYSCALL restore,    SYS_restore
