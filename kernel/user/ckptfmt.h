// ckptfmt.h: checkpoint image format v1 (specs/FORMAT.md) for user programs.
//
// Contract: the layout's offsets and sizes, the rule codes the kernel
// returns (FORMAT.md section 4; a negative code per rule), their names,
// and CRC-32C. Shared by ckpt, restore and imginfo (ckptfmt.c).
#ifndef XV6CKPT_CKPTFMT_H
#define XV6CKPT_CKPTFMT_H

#include "abi.h"

// Layout (FORMAT.md section 1): fixed records, then nfiles file records
// and npages page-map entries, zero padding to a multiple of 4096 (D),
// the pages' data, and the 32-byte commit record last.
#define CK_VERSION        1
#define CK_HEADER_SIZE    64
#define CK_REGS_OFFSET    64
#define CK_PC_OFFSET      (CK_REGS_OFFSET + 31 * 8)
#define CK_RESTART_OFFSET 320
#define CK_FILES_OFFSET   384
#define CK_FILE_SIZE      152
#define CK_PAGE_SIZE      16        // one page-map entry
#define CK_COMMIT_SIZE    32
#define CK_MAX_PAGES      (TRAPFRAME / PGSIZE)
#define CK_KIND_CONSOLE   1
#define CK_KIND_FILE      2
#define CK_PTE_R          2
#define CK_PTE_W          4
#define CK_PTE_X          8
#define CK_PTE_U          16

// D: where page data starts.
#define CK_DATA_OFFSET(nfiles, npages) \
  (((CK_FILES_OFFSET + (uint64)(nfiles) * CK_FILE_SIZE + \
     (uint64)(npages) * CK_PAGE_SIZE) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define CK_IMAGE_SIZE(nfiles, npages) \
  (CK_DATA_OFFSET(nfiles, npages) + (uint64)(npages) * PGSIZE + CK_COMMIT_SIZE)

// Rule codes (FORMAT.md section 4).
#define CKPT_NO_PROCESS      -2
#define CKPT_ZOMBIE          -3
#define CKPT_BUSY            -4
#define CKPT_PIPE            -5
#define CKPT_DEVICE          -6
#define CKPT_PATH            -7
#define CKPT_NOSPACE         -8
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
#define RESTORE_NO_FILE     -40
#define RESTORE_FILE_MISSING -41
#define RESTORE_FILE_INODE  -42
#define RESTORE_FILE_OFFSET -43
#define RESTORE_NOMEM       -44

// The rule's name for a code ("-1" is xv6's bad argument, not a rule).
const char *ck_rulename(int code);

// CRC-32C (Castagnoli, reflected, as java.util.zip.CRC32C): start with
// crc = 0, feed the bytes in order; ck_crc32c(0, "123456789", 9) = 0xe3069283.
uint ck_crc32c(uint crc, const uchar *p, uint n);

#endif // XV6CKPT_CKPTFMT_H
