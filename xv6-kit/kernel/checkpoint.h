// checkpoint.h: the constants of image format v1 (specs/FORMAT.md of
// xv6-ckpt) that the kernel's checkpoint.c and the kit's user programs
// share: layout sizes and the rule codes the two system calls return.
// Every code is the one FORMAT.md's rules table names; never renumber.
#ifndef XV6_KIT_CHECKPOINT_H
#define XV6_KIT_CHECKPOINT_H

#define CK_HDR_SIZE      64
#define CK_REGS_OFF      64
#define CK_RESTART_OFF   320
#define CK_FILES_OFF     384
#define CK_FILE_SIZE     152
#define CK_PAGE_SIZE     16
#define CK_COMMIT_SIZE   32
#define CK_MIN_IMAGE     4128
#define CK_PATH_SIZE     128
#define CK_KIND_CONSOLE  1
#define CK_KIND_FILE     2
#define CK_MODE_READ     1
#define CK_MODE_WRITE    2
#define CK_TRAPFRAME     0x3fffffe000UL
#define CK_MAX_PAGES     67108862UL
#define CK_ECALL         0x00000073U

// Refusals of checkpoint(pid, path): nothing was written.
#define CKPT_NO_PROCESS      -2
#define CKPT_ZOMBIE          -3
#define CKPT_BUSY            -4
#define CKPT_PIPE            -5
#define CKPT_DEVICE          -6
#define CKPT_PATH            -7
#define CKPT_NOSPACE         -8
// Image rules, in FORMAT.md's checking order (section 3).
#define HDR_MAGIC           -10
#define HDR_VERSION         -11
#define COMMIT_MISSING      -12
#define COMMIT_LENGTH       -13
#define COMMIT_ID           -14
#define CRC_MISMATCH        -15
#define HDR_LENGTH          -16
#define HDR_NFILES          -17
#define HDR_NPAGES          -18
#define IMAGE_LENGTH        -19
#define RESERVED_NONZERO    -20
#define HDR_PID             -21
#define HDR_NAME            -22
#define HDR_SZ              -23
#define REGS_PC             -24
#define RESTART_SYSCALL     -25
#define RESTART_ARGS        -26
#define RESTART_PROGRESS    -27
#define FILE_FD             -28
#define FILE_KIND           -29
#define FILE_MODE           -30
#define FILE_CONSOLE        -31
#define FILE_INUM           -32
#define FILE_PATH           -33
#define PAGE_VA_ALIGNED     -34
#define PAGE_VA_RANGE       -35
#define PAGE_ORDER          -36
#define PAGE_PERM           -37
#define RESTART_PC          -38
// Refusals of restore(path) for a valid image: the caller is untouched.
#define RESTORE_NO_FILE      -40
#define RESTORE_FILE_MISSING -41
#define RESTORE_FILE_INODE   -42
#define RESTORE_FILE_OFFSET  -43
#define RESTORE_NOMEM        -44

#ifdef CK_RULE_NAMES
// The rule names, indexed by -code (define CK_RULE_NAMES before including).
static const char *ck_rulenames[] = {
  [2] "CKPT_NO_PROCESS", [3] "CKPT_ZOMBIE", [4] "CKPT_BUSY", [5] "CKPT_PIPE",
  [6] "CKPT_DEVICE", [7] "CKPT_PATH", [8] "CKPT_NOSPACE",
  [10] "HDR_MAGIC", [11] "HDR_VERSION", [12] "COMMIT_MISSING",
  [13] "COMMIT_LENGTH", [14] "COMMIT_ID", [15] "CRC_MISMATCH",
  [16] "HDR_LENGTH", [17] "HDR_NFILES", [18] "HDR_NPAGES", [19] "IMAGE_LENGTH",
  [20] "RESERVED_NONZERO", [21] "HDR_PID", [22] "HDR_NAME", [23] "HDR_SZ",
  [24] "REGS_PC", [25] "RESTART_SYSCALL", [26] "RESTART_ARGS",
  [27] "RESTART_PROGRESS", [28] "FILE_FD", [29] "FILE_KIND", [30] "FILE_MODE",
  [31] "FILE_CONSOLE", [32] "FILE_INUM", [33] "FILE_PATH",
  [34] "PAGE_VA_ALIGNED", [35] "PAGE_VA_RANGE", [36] "PAGE_ORDER",
  [37] "PAGE_PERM", [38] "RESTART_PC", [40] "RESTORE_NO_FILE",
  [41] "RESTORE_FILE_MISSING", [42] "RESTORE_FILE_INODE",
  [43] "RESTORE_FILE_OFFSET", [44] "RESTORE_NOMEM",
};

static const char *
ck_rulename(int code)
{
  if(code == -1)
    return "bad argument";
  if(code >= 0 || -code >= (int)(sizeof(ck_rulenames) / sizeof(ck_rulenames[0]))
     || ck_rulenames[-code] == 0)
    return "unknown code";
  return ck_rulenames[-code];
}
#endif

#endif
